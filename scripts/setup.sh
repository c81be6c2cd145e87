#!/usr/bin/env bash
# Idempotent setup on Debian: system packages (apt) and the Python virtualenv.
# Re-running does nothing that is already done.  Needs root or sudo for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc make cmake clang python3-venv gcc-arm-none-eabi libnewlib-arm-none-eabi
              binutils-arm-none-eabi qemu-system-arm ninja-build chromium)
PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "[setup] need root or sudo to install: ${missing[*]}" >&2; exit 1; }
        SUDO=sudo
    fi
    say "installing Debian packages: ${missing[*]} (a few minutes the first time)"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    say "Debian packages present"
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.tinyhil-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing the tinyhil package and its test extras into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]"
    echo "$want" > "$stamp"
else
    say "Python packages present"
fi

# Renode: where none is installed (no $TINYHIL_RENODE, no `renode` on PATH) and
# a Renode build sits beside the checkout in ../shared/renode, unpack it into
# the build cache (it is read-only there and must not go into the repository)
# and install the Mono runtime it needs.  hil/runners/renode.py finds it there.
RENODE_SHARED=../shared/renode
renode_cache="${TINYHIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyhil}/renode"
if [ -n "${TINYHIL_RENODE:-}" ]; then
    say "Renode: using \$TINYHIL_RENODE=$TINYHIL_RENODE"
elif command -v renode >/dev/null; then
    say "Renode: using $(command -v renode) from PATH"
elif [ -f "$RENODE_SHARED/renode.tar.xz" ]; then
    sha=$(awk '$2 == "renode.tar.xz" {print $1}' "$RENODE_SHARED/SHA256SUMS" 2>/dev/null || true)
    [ -n "$sha" ] || { echo "[setup] $RENODE_SHARED/SHA256SUMS lists no renode.tar.xz" >&2; exit 1; }
    dest="$renode_cache/${sha:0:16}"
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
    # The runtime packages its README.txt lists (a headless Mono).
    RENODE_APT=(mono-runtime libmono-system4.0-cil libmono-system-core4.0-cil libmono-posix4.0-cil
                libmono-microsoft-csharp4.0-cil libmono-security4.0-cil libmono-system-configuration4.0-cil
                libmono-system-drawing4.0-cil libmono-system-numerics4.0-cil
                libmono-system-runtime-serialization4.0-cil libmono-system-runtime4.0-cil
                libmono-system-servicemodel4.0a-cil libmono-system-web4.0-cil libmono-system-xaml4.0-cil
                libmono-system-xml-linq4.0-cil libmono-system-xml4.0-cil)
    missing=()
    for pkg in "${RENODE_APT[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then
            command -v sudo >/dev/null || { echo "[setup] need root or sudo to install: ${missing[*]}" >&2; exit 1; }
            SUDO=sudo
        fi
        say "Renode: installing its Mono runtime packages: ${missing[*]}"
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
    else
        say "Renode: its Mono runtime packages are present"
    fi
else
    say "Renode: not found (no \$TINYHIL_RENODE, no renode on PATH, no $RENODE_SHARED); renode-* boards are unavailable"
fi
