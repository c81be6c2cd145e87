"""The th_icount QEMU plugin (firmware/qemu_plugin/): building it with the
host C compiler (cached by source hash), preparing its arguments from an ELF,
and reading what it writes."""
from __future__ import annotations

from pathlib import Path

from ..boards.firmware import elf_symbols
from .marks import MARKER_PREFIX
from ..host_build import cached_compile
from ..paths import FIRMWARE_DIR

PLUGIN_SOURCE = FIRMWARE_DIR / "qemu_plugin" / "th_icount.c"
PLUGIN_FLAGS = ["-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror",
                "-Wno-unused-parameter"]
# Range counts are written (and the file flushed) at these markers, so the
# functions executed during one invoke are the difference of two dumps.
DUMP_MARKERS = ("invoke_begin", "invoke_end")


def build_plugin() -> Path:
    return cached_compile("the QEMU plugin", "qemu_plugin", "th_icount", [PLUGIN_SOURCE], PLUGIN_FLAGS, ".so")


def plugin_arguments(elf: Path, out: Path, ranges_file: Path) -> list[str]:
    """key=value arguments: every function of `elf` as a range, every
    th_mark_* function as a marker."""
    symbols = elf_symbols(elf)
    with open(ranges_file, "w") as f:
        for name, (address, size) in sorted(symbols.items(), key=lambda kv: kv[1]):
            if size:
                f.write(f"{address:x} {address + size:x} {name}\n")
    args = [f"out={out}", f"ranges={ranges_file}", *[f"dump={m}" for m in DUMP_MARKERS]]
    args += [f"marker={name[len(MARKER_PREFIX):]}@0x{address:x}"
             for name, (address, _) in sorted(symbols.items()) if name.startswith(MARKER_PREFIX)]
    return args
