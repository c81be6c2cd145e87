"""Instruction counts at the firmware's marker functions (th_mark_*), counted from
outside the guest: the QEMU plugin writes them, Renode's hooks write the same
format, pyOCD reads DWT CYCCNT at breakpoints on them.  One reader and one
pairing of an invoke's markers serve every driver.

Log records, one per line: `M NAME TOTAL` (a marker reached with TOTAL
instructions executed so far), `R NAME COUNT` (after a dump marker: a function's
cumulative count), `T TOTAL` (at exit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HilError

MARKER_PREFIX = "th_mark_"


class MarkError(HilError):
    pass


@dataclass
class MarkerHit:
    name: str
    total: int                             # instructions executed before the marker started
    ranges: dict[str, int] | None = None   # at dump markers: cumulative count per function


@dataclass
class MarkReport:
    markers: list[MarkerHit] = field(default_factory=list)
    total: int | None = None               # at exit


class MarkLog:
    """Reads a marker log (the QEMU plugin's output, or Renode's hooks' in the same format) incrementally: each take() returns what
    was appended since the previous one."""

    def __init__(self, path: Path):
        self.path = path
        self._offset = 0
        self._partial = ""

    def take(self) -> MarkReport:
        report = MarkReport()
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
    """Instructions counted for one invoke, from outside the guest."""
    total: int                  # between the invoke_begin and invoke_end markers
    per_op: list[int]           # between each op_begin/op_end pair, in order
    functions: dict[str, int]   # instructions per function during this invoke


def invoke_instructions(report: MarkReport) -> InvokeInstructions:
    """Pair the markers of one invoke (the last invoke_begin..invoke_end in `report`)."""
    begins = [i for i, m in enumerate(report.markers) if m.name == "invoke_begin"]
    ends = [i for i, m in enumerate(report.markers) if m.name == "invoke_end"]
    if not begins or not ends or ends[-1] < begins[-1]:
        raise MarkError("no complete invoke in the marker log (invoke_begin/invoke_end markers)")
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
