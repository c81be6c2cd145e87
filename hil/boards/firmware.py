"""Build the firmware for a board: CMake + arm-none-eabi-gcc, cached by content.

The board file's values go to CMake as -D variables; the cache key is a hash
of every firmware and engine source, those values and the toolchain version,
so a build is done once per distinct input and an unchanged tree never
rebuilds.  The hash is also compiled in as the build id (INFO reports it), so
the host can tell which image a board is running."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from . import Board, get_board
from ..errors import HilError
from ..paths import FIRMWARE_DIR, KERNELS_DIR, cache_dir

TOOLCHAIN_PREFIX = os.environ.get("TINYHIL_ARM_PREFIX", "arm-none-eabi-")
APPS = ("link", "hello", "fault_check")   # firmware/apps: the protocol loop, a boot check, a fault check
# Sources that make up an image (the QEMU plugin is host code, built elsewhere).
_IMAGE_SOURCE_DIRS = ("apps", "cmake", "include", "ld", "protocol", "src")


class FirmwareBuildError(HilError):
    """The firmware could not be configured or built; the message has the tool's output."""


def _tool(name: str) -> str:
    path = shutil.which(TOOLCHAIN_PREFIX + name)
    if path is None:
        raise FirmwareBuildError(
            f"'{TOOLCHAIN_PREFIX}{name}' not found: install the Arm bare-metal toolchain "
            "(Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)")
    return path


def _hexs(value: int) -> str:
    return f"0x{value:08X}"


def cmake_definitions(board: Board, defines: tuple[str, ...] = (), op_set: tuple[str, ...] = ()) -> dict[str, str]:
    """The board file as CMake -D variables (CMake lists are ';'-separated);
    `defines` are extra C definitions ("NAME=value") for special builds;
    `op_set` the ops the engine links (empty: every op)."""
    return {
        "TH_EXTRA_DEFINES": ";".join(defines),
        "TH_OP_SET": ";".join(op_set),
        "TH_BOARD": board.name,
        "TH_CPU_FLAGS": ";".join(board.cpu.flags),
        "TH_CODE_ORIGIN": _hexs(board.image_code.origin),
        "TH_CODE_SIZE": _hexs(board.image_code.size),
        "TH_PLAN_ORIGIN": _hexs(board.plan.origin if board.plan else 0),
        "TH_PLAN_SIZE": _hexs(board.plan.size if board.plan else 0),
        "TH_RAM_ORIGIN": _hexs(board.ram.origin),
        "TH_RAM_SIZE": _hexs(board.ram.size),
        "TH_STACK_BYTES": str(board.firmware.stack_bytes),
        "TH_UART_KIND": board.uart.kind,
        "TH_UART_BASE": _hexs(board.uart.base),
        "TH_UART_CLOCK_HZ": str(board.uart.clock_hz),
        "TH_UART_BAUD": str(board.uart.baud),
        "TH_COUNTERS": ";".join(f"{c.kind}:{_hexs(c.base)}" for c in board.counters),
        "TH_INIT_WRITES": ";".join(f"{_hexs(w.address)}:{_hexs(w.clear)}:{_hexs(w.set)}"
                                   for w in board.init),
        "TH_ENABLE_FPU": "ON" if board.cpu.fpu else "OFF",
        "TH_SEMIHOSTING_EXIT": "ON" if board.firmware.semihosting_exit else "OFF",
        "TH_KERNELS_DIR": str(KERNELS_DIR),
        "TH_TOOLCHAIN_PREFIX": TOOLCHAIN_PREFIX,
    }


@lru_cache(maxsize=None)
def _tool_versions() -> str:
    out = []
    for cmd in ([_tool("gcc"), "--version"], ["cmake", "--version"]):
        try:
            out.append(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[0])
        except (OSError, subprocess.CalledProcessError, IndexError) as exc:
            raise FirmwareBuildError(f"cannot run {cmd[0]}: {exc}") from None
    return "\n".join(out)


def _source_files() -> list[tuple[str, Path]]:
    """(name in the hash, path) of every file that goes into an image."""
    files = []
    for sub in _IMAGE_SOURCE_DIRS:
        files += [p for p in (FIRMWARE_DIR / sub).rglob("*") if p.is_file()]
    files.append(FIRMWARE_DIR / "CMakeLists.txt")
    named = [(f"firmware/{p.relative_to(FIRMWARE_DIR)}", p) for p in files]
    kernels = [p for p in (KERNELS_DIR / "src").rglob("*") if p.suffix in (".c", ".h")]
    kernels += list((KERNELS_DIR / "include").rglob("*.h"))
    named += [(f"kernels/{p.relative_to(KERNELS_DIR)}", p) for p in kernels]
    return sorted(named)


def build_digest(board: Board, defines: tuple[str, ...] = (), op_set: tuple[str, ...] = ()) -> str:
    """Content hash of everything that goes into the board's images."""
    h = hashlib.sha256()
    h.update(_tool_versions().encode())
    for key, value in sorted(cmake_definitions(board, defines, op_set).items()):
        if key != "TH_KERNELS_DIR":  # where the tree is does not change the image
            h.update(f"{key}={value}\n".encode())
    for name, path in _source_files():
        h.update(f"{name}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        raise FirmwareBuildError(f"{what} failed ({' '.join(cmd[:3])} ...):\n{tail}")


def _resolve(board: Board | str) -> Board:
    return get_board(board) if isinstance(board, str) else board


def build_dir_for(board: Board | str, defines: tuple[str, ...] = (), op_set: tuple[str, ...] = ()) -> Path:
    board = _resolve(board)
    return cache_dir() / "firmware" / f"{board.name}-{build_digest(board, tuple(defines), tuple(op_set))}"


def build_firmware(board: Board | str, app: str = "link", force: bool = False,
                   defines: tuple[str, ...] = (), op_set=()) -> Path:
    """Build (or take from the cache) the board's firmware images; return the
    ELF of `app` ("link": the protocol loop, "hello": the boot check).
    `defines`: extra C definitions, e.g. ("TH_SLOW_DOWN_OPS_BY=20000",) for
    the regression gate's own test; each set is a separate cache entry."""
    board = _resolve(board)
    defines = tuple(defines)
    if op_set:
        from ..engine.op_set import normalize_op_set
        op_set = normalize_op_set(op_set)
    op_set = tuple(op_set)
    if app not in APPS:
        raise FirmwareBuildError(f"unknown firmware app '{app}'; one of: {', '.join(APPS)}")
    out_dir = build_dir_for(board, defines, op_set)
    if force or not (out_dir / "manifest.json").exists():
        _build_into(board, out_dir, defines, op_set)
    return out_dir / f"{app}.elf"


def _build_into(board: Board, out_dir: Path, defines: tuple[str, ...] = (), op_set: tuple[str, ...] = ()) -> None:
    digest = out_dir.name.rsplit("-", 1)[1]
    # The one slow step of a first run: say so (stderr keeps JSON on stdout clean).
    print(f"[firmware] building the {board.name} images ({digest}); cached for later runs",
          file=sys.stderr, flush=True)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else ["-G", "Unix Makefiles"]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Build in a scratch directory, then rename: a concurrent or killed build
    # never leaves a half-built cache entry.
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{board.name}-") as scratch:
        build = Path(scratch) / "build"
        defs = cmake_definitions(board, defines, op_set) | {"TH_BUILD_ID": digest}
        configure = ["cmake", *generator, "-S", str(FIRMWARE_DIR), "-B", str(build),
                     f"-DCMAKE_TOOLCHAIN_FILE={FIRMWARE_DIR / 'cmake' / 'arm-none-eabi.cmake'}",
                     "-DCMAKE_BUILD_TYPE=", *[f"-D{k}={v}" for k, v in defs.items()]]
        _run(configure, FIRMWARE_DIR, f"configuring the firmware for {board.name}")
        jobs = str(os.cpu_count() or 2)
        _run(["cmake", "--build", str(build), "--parallel", jobs], FIRMWARE_DIR,
             f"building the firmware for {board.name}")
        staged = Path(scratch) / "out"
        staged.mkdir()
        engine_present = "#define TH_HAVE_ENGINE 1" in (build / "generated" / "th_board_config.h").read_text()
        images = {}
        for app in APPS:
            shutil.copy2(build / f"{app}.elf", staged / f"{app}.elf")
            shutil.copy2(build / f"{app}.map", staged / f"{app}.map")
            report = size_report_from_map(staged / f"{app}.map", staged / f"{app}.elf")
            images[app] = report.as_dict()
        manifest = {"board": board.name, "build_id": digest, "engine_present": engine_present,
                    "definitions": defs | {"TH_KERNELS_DIR": "kernels"}, "images": images}
        (staged / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        if out_dir.exists():   # a forced rebuild replaces the entry
            shutil.rmtree(out_dir, ignore_errors=True)
        try:
            os.replace(staged, out_dir)
        except OSError:
            # A concurrent build of the same inputs finished first: same content, keep it.
            if not (out_dir / "manifest.json").exists():
                raise


def firmware_manifest(elf: Path) -> dict:
    """What was built next to `elf`: board, build id, engine presence, sizes."""
    return json.loads((elf.parent / "manifest.json").read_text())


# --- size report ---------------------------------------------------------

SIZE_KINDS = ("text", "rodata", "data", "bss")
# Who owns an input section: the engine library, the model (a plan compiled
# into the image; none today: plans are put in a plan slot at run time), or the rest.
_OWNER_PATTERNS = (("engine", re.compile(r"libth_engine\.a|/kernels/")),
                   ("model", re.compile(r"th_model_data|/models?/")))


@dataclass
class SizeReport:
    """Bytes per kind of section (text, rodata, data, bss) and per owner."""
    by_owner: dict[str, dict[str, int]] = field(default_factory=dict)
    sections: dict[str, int] = field(default_factory=dict)   # output sections, from the ELF

    def total(self, kind: str) -> int:
        return sum(o.get(kind, 0) for o in self.by_owner.values())

    def as_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        lines = [f"{'':8}" + "".join(f"{k:>9}" for k in SIZE_KINDS)]
        for owner in ("engine", "model", "rest"):
            row = self.by_owner.get(owner, {})
            lines.append(f"{owner:8}" + "".join(f"{row.get(k, 0):>9}" for k in SIZE_KINDS))
        lines.append(f"{'total':8}" + "".join(f"{self.total(k):>9}" for k in SIZE_KINDS))
        return "\n".join(lines)


def _kind_of(section: str) -> str | None:
    for prefix, kind in ((".text", "text"), (".rodata", "rodata"), (".data", "data"),
                         (".bss", "bss"), ("COMMON", "bss"), (".vectors", "rodata")):
        if section == prefix or section.startswith(prefix + "."):
            return kind
    return None


def _owner_of(origin: str) -> str:
    for owner, pattern in _OWNER_PATTERNS:
        if pattern.search(origin):
            return owner
    return "rest"


# An input-section line of a GNU ld map: " .text.name  0xADDR  0xSIZE origin";
# a long section name puts address, size and origin on the next line.
_MAP_LINE = re.compile(r"^ (?P<section>[.\w]+[^\s]*)?\s+0x(?P<addr>[0-9a-f]+)\s+0x(?P<size>[0-9a-f]+)\s+(?P<origin>\S.*)$")


def size_report_from_map(map_path: Path, elf: Path | None = None) -> SizeReport:
    report = SizeReport()
    text = map_path.read_text(errors="replace")
    # Only what was linked in: the map lists discarded sections before this line.
    start = text.find("Linker script and memory map")
    pending = None
    for line in text[start:].splitlines():
        if re.match(r"^ [.\w]\S*$", line):      # a section name alone: details follow
            pending = line.strip()
            continue
        m = _MAP_LINE.match(line)
        if not m:
            pending = None
            continue
        section = m.group("section") or pending
        pending = None
        size = int(m.group("size"), 16)
        if not section or size == 0:
            continue
        kind = _kind_of(section)
        if kind is None:
            continue
        owner = _owner_of(m.group("origin"))
        report.by_owner.setdefault(owner, {k: 0 for k in SIZE_KINDS})[kind] += size
    if elf is not None:
        report.sections = elf_section_sizes(elf)
    return report


def elf_section_sizes(elf: Path) -> dict[str, int]:
    """Output section sizes as arm-none-eabi-size -A reports them."""
    result = subprocess.run([_tool("size"), "-A", str(elf)], capture_output=True, text=True)
    if result.returncode != 0:
        raise FirmwareBuildError(f"size -A {elf} failed: {result.stderr.strip()}")
    sizes = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            if not parts[0].startswith((".debug", ".comment", ".ARM.attributes")):
                sizes[parts[0]] = int(parts[1])
    return sizes


def size_report(elf: Path) -> SizeReport:
    """The size report of a built image (saved next to it at build time)."""
    images = firmware_manifest(elf)["images"]
    data = images[elf.stem]
    return SizeReport(by_owner=data["by_owner"], sections=data["sections"])


def elf_symbols(elf: Path) -> dict[str, tuple[int, int]]:
    """Function symbols: name -> (address with the Thumb bit cleared, size)."""
    result = subprocess.run([_tool("nm"), "-S", "--defined-only", str(elf)], capture_output=True, text=True)
    if result.returncode != 0:
        raise FirmwareBuildError(f"nm {elf} failed: {result.stderr.strip()}")
    symbols = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            symbols[parts[3]] = (int(parts[0], 16) & ~1, int(parts[1], 16))
    return symbols
