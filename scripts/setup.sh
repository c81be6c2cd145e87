#!/usr/bin/env bash
# Idempotent setup on Debian: system packages (apt), the Python virtualenv, and
# a proof that each capability the harness and its tests use really works.
# Re-running does nothing that is already done.  Needs root or sudo for apt.
#
#   scripts/setup.sh            install what is missing, then verify
#   scripts/setup.sh --check    verify only (installs nothing); exit 1 if anything is missing
#
# Package names are not trusted: a package can be present and still lack a
# piece (Debian's clang only *recommends* its sanitizer and libFuzzer runtimes),
# so every capability is exercised once with a tiny program.
set -euo pipefail
cd "$(dirname "$0")/.."

# Why each package is here (the README's table says the same):
APT_PACKAGES=(
    gcc                      # host C compiler: the engine's host build, the QEMU plugin
    make cmake ninja-build   # the firmware build
    clang                    # libFuzzer target and sanitizer builds of the engine
    python3-venv             # the .venv
    gcc-arm-none-eabi binutils-arm-none-eabi   # the Cortex-M cross compiler
    libnewlib-arm-none-eabi  # its C library (nano.specs), which the firmware links
    qemu-system-arm          # the emulated boards, with TCG plugin support
    chromium                 # renders the dashboard in its test
)
PYTHON=${PYTHON:-python3}
VENV=.venv
# Overridable so a test can point a check at a broken tool and see it caught.
CLANG=${TINYHIL_CHECK_CLANG:-clang}
HOST_CC=${TINYHIL_CHECK_CC:-gcc}
ARM_CC=${TINYHIL_CHECK_ARM_CC:-arm-none-eabi-gcc}
QEMU_ARM=${TINYHIL_CHECK_QEMU:-qemu-system-arm}
CHROMIUM=${TINYHIL_CHECK_CHROMIUM:-chromium}

say() { printf '[setup] %s\n' "$*"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# clang's compiler-rt (ASan, UBSan, libFuzzer) is a separate package named
# after clang's major version: libclang-rt-14-dev on Debian 12.
clang_runtime_package() {
    local major
    major=$($CLANG --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
    if [ -n "$major" ]; then echo "libclang-rt-$major-dev"; fi
}

apt_install() {
    local SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "[setup] need root or sudo to install: $*" >&2; exit 1; }
        SUDO=sudo
    fi
    say "installing Debian packages: $* (a few minutes the first time)"
    if [ -z "${apt_updated:-}" ]; then
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_packages() {
    local missing=() pkg runtime
    for pkg in "${APT_PACKAGES[@]}"; do installed "$pkg" || missing+=("$pkg"); done
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
    runtime=$(clang_runtime_package)
    if [ -n "$runtime" ] && ! installed "$runtime"; then
        apt_install "$runtime"
        missing+=("$runtime")
    fi
    [ ${#missing[@]} -gt 0 ] || say "Debian packages present"
}

install_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating virtualenv $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local stamp="$VENV/.tinyhil-installed" want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing the tinyhil package and its test extras into $VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]"
        echo "$want" > "$stamp"
    else
        say "Python packages present"
    fi
}

# Renode: where none is installed (no $TINYHIL_RENODE, no `renode` on PATH) and
# a Renode build sits beside the checkout in ../shared/renode, unpack it into
# the build cache (it is read-only there and must not go into the repository)
# and install the Mono runtime it needs.  hil/runners/renode.py finds it there.
RENODE_SHARED=../shared/renode
RENODE_CACHE="${TINYHIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyhil}/renode"
# The runtime packages ../shared/renode/README.txt lists (a headless Mono).
RENODE_APT=(mono-runtime libmono-system4.0-cil libmono-system-core4.0-cil libmono-posix4.0-cil
            libmono-microsoft-csharp4.0-cil libmono-security4.0-cil libmono-system-configuration4.0-cil
            libmono-system-drawing4.0-cil libmono-system-numerics4.0-cil
            libmono-system-runtime-serialization4.0-cil libmono-system-runtime4.0-cil
            libmono-system-servicemodel4.0a-cil libmono-system-web4.0-cil libmono-system-xaml4.0-cil
            libmono-system-xml-linq4.0-cil libmono-system-xml4.0-cil)

# The Renode this machine has, in the driver's order; empty when none.
renode_binary() {
    if [ -n "${TINYHIL_RENODE:-}" ]; then echo "$TINYHIL_RENODE"
    elif command -v renode >/dev/null; then command -v renode
    else
        local sha
        sha=$(awk '$2 == "renode.tar.xz" {print $1}' "$RENODE_SHARED/SHA256SUMS" 2>/dev/null || true)
        if [ -n "$sha" ] && [ -f "$RENODE_CACHE/${sha:0:16}/.unpacked" ]; then
            echo "$RENODE_CACHE/${sha:0:16}/renode/renode"
        fi
    fi
}

install_renode() {
    if [ -n "${TINYHIL_RENODE:-}" ]; then
        say "Renode: using \$TINYHIL_RENODE=$TINYHIL_RENODE"; return
    elif command -v renode >/dev/null; then
        say "Renode: using $(command -v renode) from PATH"; return
    elif [ ! -f "$RENODE_SHARED/renode.tar.xz" ]; then
        say "Renode: not found (no \$TINYHIL_RENODE, no renode on PATH, no $RENODE_SHARED); renode-* boards are unavailable"
        return
    fi
    local sha dest missing=() pkg
    sha=$(awk '$2 == "renode.tar.xz" {print $1}' "$RENODE_SHARED/SHA256SUMS" 2>/dev/null || true)
    [ -n "$sha" ] || { echo "[setup] $RENODE_SHARED/SHA256SUMS lists no renode.tar.xz" >&2; exit 1; }
    dest="$RENODE_CACHE/${sha:0:16}"
    if [ -x "$dest/renode/renode" ] && [ -f "$dest/.unpacked" ]; then
        say "Renode: $dest/renode/renode (unpacked from $RENODE_SHARED)"
    else
        (cd "$RENODE_SHARED" && sha256sum --quiet -c SHA256SUMS) \
            || { echo "[setup] $RENODE_SHARED/renode.tar.xz does not match its SHA256SUMS" >&2; exit 1; }
        say "Renode: unpacking $RENODE_SHARED/renode.tar.xz into $dest"
        rm -rf "$dest" "$dest.partial"
        mkdir -p "$dest.partial"
        tar -xJf "$RENODE_SHARED/renode.tar.xz" -C "$dest.partial"
        [ -x "$dest.partial/renode/renode" ] \
            || { echo "[setup] $RENODE_SHARED/renode.tar.xz has no renode/renode launcher" >&2; exit 1; }
        touch "$dest.partial/.unpacked"
        mv "$dest.partial" "$dest"      # only a complete unpack gets the final name
    fi
    for pkg in "${RENODE_APT[@]}"; do installed "$pkg" || missing+=("$pkg"); done
    if [ ${#missing[@]} -gt 0 ]; then
        say "Renode: installing its Mono runtime packages"
        apt_install "${missing[@]}"
    else
        say "Renode: its Mono runtime packages are present"
    fi
}

# --- capability checks: each runs a tiny program and names the package on failure ---

work=""
failures=0
ok()   { say "ok: $1"; }
fail() { printf '[setup] MISSING: %s\n' "$1" >&2; failures=$((failures + 1)); }
need() { command -v "${1%% *}" >/dev/null 2>&1; }

check_host_cc() {
    need "$HOST_CC" || { fail "host C compiler '$HOST_CC' not found (Debian package gcc)"; return; }
    printf 'int main(void){return 0;}\n' > "$work/t.c"
    if $HOST_CC "$work/t.c" -o "$work/t" 2>"$work/err" && "$work/t"; then
        ok "host C compiler builds and runs a program ($HOST_CC)"
    else fail "host C compiler cannot build a program: $(head -1 "$work/err") (Debian package gcc)"; fi
}

check_fuzzer_runtime() {
    need "$CLANG" || { fail "clang not found (Debian package clang)"; return; }
    local pkg; pkg=$(clang_runtime_package); pkg=${pkg:-libclang-rt-<version>-dev}
    cat > "$work/fuzz.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return size > 0 && data[0] == 0xff ? 0 : 0; }
EOF
    if ! $CLANG -fsanitize=fuzzer,address,undefined "$work/fuzz.c" -o "$work/fuzz" 2>"$work/err"; then
        fail "clang cannot link -fsanitize=fuzzer,address,undefined: $(grep -m1 -o 'cannot find [^ :]*' "$work/err" || head -1 "$work/err") (Debian package $pkg)"
        return
    fi
    if "$work/fuzz" -runs=10 >"$work/out" 2>&1; then
        ok "clang builds and runs a libFuzzer target under ASan and UBSan ($pkg)"
    else fail "the libFuzzer test program did not run: $(tail -1 "$work/out") (Debian package $pkg)"; fi
}

check_arm_cc() {
    need "$ARM_CC" || { fail "$ARM_CC not found (Debian package gcc-arm-none-eabi)"; return; }
    printf 'int main(void){return 0;}\nvoid _exit(int c){(void)c; for(;;);}\n' > "$work/m.c"
    if ! $ARM_CC -mcpu=cortex-m4 -mthumb -c "$work/m.c" -o "$work/m.o" 2>"$work/err"; then
        fail "$ARM_CC cannot build a Cortex-M4 object: $(head -1 "$work/err") (Debian package gcc-arm-none-eabi)"
        return
    fi
    if $ARM_CC -mcpu=cortex-m4 -mthumb --specs=nano.specs --specs=nosys.specs "$work/m.o" -o "$work/m.elf" 2>"$work/err"; then
        ok "$ARM_CC builds a Cortex-M4 object and links it against newlib-nano"
    else fail "$ARM_CC cannot link against newlib-nano: $(head -1 "$work/err") (Debian package libnewlib-arm-none-eabi)"; fi
}

check_firmware_build_tools() {
    local tool pkg
    for tool in cmake:cmake ninja:ninja-build; do
        pkg=${tool#*:}; tool=${tool%%:*}
        if "$tool" --version >/dev/null 2>&1; then ok "$tool runs"; else fail "$tool not found (Debian package $pkg)"; fi
    done
}

check_qemu_plugin() {
    need "$QEMU_ARM" || { fail "$QEMU_ARM not found (Debian package qemu-system-arm)"; return; }
    need "$HOST_CC" || return   # reported by the host compiler check
    # The smallest plugin QEMU accepts: the API version and an install hook that leaves proof it ran.
    cat > "$work/plugin.c" <<EOF
#include <stdio.h>
__attribute__((visibility("default"))) int qemu_plugin_version = 1;
__attribute__((visibility("default"))) int qemu_plugin_install(unsigned long long id, const void *info, int argc, char **argv)
{ FILE *f = fopen("$work/plugin-loaded", "w"); if (!f) return -1; fputs("loaded", f); return fclose(f); }
EOF
    if ! $HOST_CC -shared -fPIC "$work/plugin.c" -o "$work/plugin.so" 2>"$work/err"; then
        fail "cannot build a QEMU plugin: $(head -1 "$work/err") (Debian package gcc)"; return
    fi
    printf '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n' |
        timeout 60 "$QEMU_ARM" -M none -display none -nodefaults -plugin "$work/plugin.so" -qmp stdio \
        >"$work/out" 2>"$work/err" || true
    if [ -f "$work/plugin-loaded" ]; then
        ok "$QEMU_ARM loads a TCG plugin (-plugin)"
    else fail "$QEMU_ARM did not load a TCG plugin: $(head -1 "$work/err") (Debian package qemu-system-arm, built with plugin support)"; fi
}

check_chromium() {
    need "$CHROMIUM" || { fail "$CHROMIUM not found (Debian package chromium)"; return; }
    printf '<html><body><p id="x"></p><script>document.getElementById("x").textContent="rendered-"+(6*7)</script></body></html>' > "$work/page.html"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$work/profile" \
        --dump-dom "file://$work/page.html" >"$work/dom" 2>/dev/null || true
    if grep -q "rendered-42" "$work/dom"; then
        ok "$CHROMIUM renders a page and runs its JavaScript headless"
    else fail "$CHROMIUM did not render a test page headless (Debian package chromium)"; fi
}

check_renode() {
    local renode; renode=$(renode_binary)
    if [ -z "$renode" ]; then
        say "note: no Renode here (optional): renode-* boards and their tests are unavailable"; return
    fi
    if timeout 120 "$renode" --version >"$work/renode" 2>&1 && grep -qi renode "$work/renode"; then
        ok "Renode starts ($renode: $(grep -i -m1 renode "$work/renode"))"
    else fail "Renode at $renode does not start: $(tail -1 "$work/renode") (its Mono runtime: Debian packages ${RENODE_APT[*]})"; fi
}

check_venv() {
    if [ ! -x "$VENV/bin/python" ]; then fail "no virtualenv $VENV yet (run: make setup)"; return; fi
    local imports="hil tflite tflite_micro numpy serial robot pabot pyocd pytest" out
    if out=$("$VENV/bin/python" -c "import importlib, sys
for m in sys.argv[1:]: importlib.import_module(m)" $imports 2>&1); then
        ok "$VENV imports $imports"
    else fail "$VENV cannot import everything: $(echo "$out" | tail -1) (run: make setup)"; fi
    local tool
    for tool in robot pabot hil; do
        [ -x "$VENV/bin/$tool" ] || fail "$VENV/bin/$tool is missing (run: make setup)"
    done
}

check_all() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/tinyhil-setup-check.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    check_host_cc
    check_fuzzer_runtime
    check_arm_cc
    check_firmware_build_tools
    check_qemu_plugin
    check_chromium
    check_renode
    check_venv
    if [ "$failures" -gt 0 ]; then
        say "$failures capability check(s) failed; 'make setup' installs the packages named above"
        return 1
    fi
    say "every capability verified"
}

case "${1:-}" in
    --check) check_all ;;
    "")
        install_packages
        install_venv
        install_renode
        # Proving every capability costs a few seconds; do it when the installed
        # packages or this script changed, not on every make.
        stamp="$VENV/.tinyhil-capabilities"
        want=$( { cat "$0"; dpkg-query -W -f='${Package} ${Version}\n' "${APT_PACKAGES[@]}" \
                  "$(clang_runtime_package)" "${RENODE_APT[@]}" 2>/dev/null; renode_binary; } | sha256sum | cut -d' ' -f1)
        if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
            say "capabilities verified before, with these packages"
        else
            check_all
            echo "$want" > "$stamp"
        fi
        ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
