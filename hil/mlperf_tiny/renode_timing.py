"""What the board counters measure on Renode, for the image's m-lap-us there.

On QEMU (-icount shift=0) TIM2 ticks once per instruction; Renode's timers
tick at the `frequency` of their platform description (TIM2 of its STM32F4
platform: 10 MHz) while its CPU runs at `PerformanceInMips` (not set there,
so Renode's default of 100).  Renode's virtual time is instructions / MIPS:
a timer microsecond is `frequency / 1e6` ticks and stands for MIPS
instructions, not for a modelled cycle of the real chip.  Both figures are
read from the platform Renode will load, so the image says what it counts."""
from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path

from ..boards import Board
from ..errors import HilError

# Renode's CPU.PerformanceInMips where a platform does not set it.
RENODE_DEFAULT_MIPS = 100


def _platform_file(board: Board) -> Path:
    from ..runners.renode import find_renode, not_found_reason, platform_reference
    found = find_renode()
    if found is None:
        raise HilError(not_found_reason())
    root = Path(os.path.realpath(found[0])).parent
    ref = platform_reference(board)[1:]            # "@path" -> path, absolute or under Renode's folder
    path = Path(ref) if Path(ref).is_absolute() else root / ref
    if not path.is_file():
        raise HilError(f"Renode platform {path} not found (board '{board.name}', [renode] platform)")
    return path


def _platform_text(path: Path, root: Path, depth: int = 0) -> str:
    """The .repl with its `using "..."` includes inlined (Renode resolves them against its folder)."""
    if depth > 8:
        raise HilError(f"{path}: `using` nested more than 8 deep")
    out = []
    for line in path.read_text().splitlines():
        m = re.match(r'\s*using\s+"([^"]+)"', line)
        if m:
            inc = Path(m.group(1))
            inc = inc if inc.is_absolute() else (root / inc if (root / inc).is_file() else path.parent / inc)
            out.append(_platform_text(inc, root, depth + 1))
        else:
            out.append(line)
    return "\n".join(out)


def _peripheral_at(text: str, address: int) -> dict[str, str] | None:
    """The indented `key: value` lines of the peripheral registered at `sysbus <address>`."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"(\w+):\s*\S+\s*@\s*sysbus\s+(0x[0-9a-fA-F]+)\b", line)
        if m and int(m.group(2), 16) == address:
            props = {"name": m.group(1)}
            for prop in lines[i + 1:]:
                if not prop.startswith((" ", "\t")):
                    break
                if pm := re.match(r"\s+(\w+):\s*(\S+)", prop):
                    props[pm.group(1)] = pm.group(2)
            return props
    return None


def renode_mips(text: str) -> int:
    m = re.search(r"^\s+PerformanceInMips:\s*([0-9]+)", text, re.M)
    return int(m.group(1)) if m else RENODE_DEFAULT_MIPS


def renode_counter_times(board: Board) -> list[tuple[int, int, str]]:
    """(ns numerator, ns denominator, description) per board counter on Renode, as
    firmware.counter_times gives them for QEMU.  A counter whose rate Renode's platform
    does not give (DWT CYCCNT, which the image reads as not ticking there) gets 0."""
    path = _platform_file(board)
    root = Path(os.path.realpath(path)).parent
    from ..runners.renode import find_renode
    renode_root = Path(os.path.realpath(find_renode()[0])).parent
    text = _platform_text(path, renode_root if (renode_root / "platforms").is_dir() else root)
    mips = renode_mips(text)
    rows = []
    for c in board.counters:
        props = _peripheral_at(text, c.base) if c.base else None
        if props is None or "frequency" not in props:
            rows.append((0, 1, f"{c.kind}: no rate in Renode's {path.name}: m-lap-us reads 0"))
            continue
        hz = int(props["frequency"], 0)
        ns = Fraction(10**9, hz)
        rows.append((ns.numerator, ns.denominator,
                     f"{c.kind} ({props['name']}) at {hz} Hz in Renode's {path.name}: microseconds = "
                     f"ticks/{hz / 1e6:g}, Renode virtual time at {mips} MIPS = instructions/{mips}"))
    return rows
