"""The th_icount QEMU plugin (firmware/qemu_plugin/): building it with the
host C compiler (cached by source hash), preparing its arguments from an ELF,
and reading what it writes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HilError
from ..boards.firmware import elf_symbols
from ..host_build import cached_compile
from ..paths import FIRMWARE_DIR

PLUGIN_SOURCE = FIRMWARE_DIR / "qemu_plugin" / "th_icount.c"
PLUGIN_FLAGS = ["-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror",
                "-Wno-unused-parameter"]
MARKER_PREFIX = "th_mark_"
# Range counts are written (and the file flushed) at these markers, so the
# functions executed during one invoke are the difference of two dumps.
DUMP_MARKERS = ("invoke_begin", "invoke_end")


class PluginError(HilError):
    pass


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


@dataclass
class MarkerHit:
    name: str
    total: int                             # instructions executed before the marker started
    ranges: dict[str, int] | None = None   # at dump markers: cumulative count per function


@dataclass
class PluginReport:
    markers: list[MarkerHit] = field(default_factory=list)
    total: int | None = None               # at exit


class PluginLog:
    """Reads the plugin's output file incrementally: each take() returns what
    was appended since the previous one."""

    def __init__(self, path: Path):
        self.path = path
        self._offset = 0
        self._partial = ""

    def take(self) -> PluginReport:
        report = PluginReport()
        try:
            with open(self.path) as f:
                f.seek(self._offset)
                text = self._partial + f.read()
                self._offset = f.tell()
        except FileNotFoundError:
            return report
        lines = text.split("\n")
        self._partial = lines.pop()   # an unfinished last line waits for the next take()
        for line in lines:
            parts = line.split(" ")
            if parts[0] == "M" and len(parts) == 3:
                report.markers.append(MarkerHit(parts[1], int(parts[2])))
            elif parts[0] == "R" and len(parts) == 3 and report.markers:
                hit = report.markers[-1]   # a dump follows its marker's line
                hit.ranges = hit.ranges or {}
                hit.ranges[parts[1]] = int(parts[2])
            elif parts[0] == "T" and len(parts) == 2:
                report.total = int(parts[1])
        return report


@dataclass
class InvokeInstructions:
    """Instructions counted by the plugin for one invoke."""
    total: int                  # between the invoke_begin and invoke_end markers
    per_op: list[int]           # between each op_begin/op_end pair, in order
    functions: dict[str, int]   # instructions per function during this invoke


def invoke_instructions(report: PluginReport) -> InvokeInstructions:
    """Pair the markers of one invoke (the last invoke_begin..invoke_end in `report`)."""
    begins = [i for i, m in enumerate(report.markers) if m.name == "invoke_begin"]
    ends = [i for i, m in enumerate(report.markers) if m.name == "invoke_end"]
    if not begins or not ends or ends[-1] < begins[-1]:
        raise PluginError("the plugin saw no complete invoke (invoke_begin/invoke_end markers)")
    first, last = begins[-1], ends[-1]
    window = report.markers[first:last + 1]
    per_op, open_at = [], None
    for m in window:
        if m.name == "op_begin":
            open_at = m.total
        elif m.name == "op_end" and open_at is not None:
            per_op.append(m.total - open_at)
            open_at = None
    before, after = window[0].ranges or {}, window[-1].ranges or {}
    functions = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
    return InvokeInstructions(window[-1].total - window[0].total, per_op, functions)
