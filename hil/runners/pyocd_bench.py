"""What the pyOCD driver does on the bench beyond pyOCD itself: make sure the
probe sees the part the board file describes before anything is written,
program an image where pyOCD has no flash algorithm (an emulated board behind
`hil probe-server`), and count at the firmware's marker functions with DWT
CYCCNT read at FPB breakpoints."""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
from pathlib import Path

from ..boards import Board
from ..boards.firmware import elf_symbols
from .base import TargetError
from .marks import MARKER_PREFIX, InvokeInstructions

# Probe servers pyOCD cannot discover by itself (it only enumerates USB
# probes): "host:port" entries, comma-separated, listed beside the USB ones.
PROBE_SERVERS_ENV = "TINYHIL_PYOCD_PROBE_SERVERS"

# CPUID PARTNO (bits 15:4) of each core a board file may name.
CPUID_PARTNO = {"cortex-m0": 0xC20, "cortex-m0plus": 0xC60, "cortex-m3": 0xC23, "cortex-m4": 0xC24,
                "cortex-m7": 0xC27, "cortex-m33": 0xD21, "cortex-m55": 0xD22}
CPUID = 0xE000ED00
DEMCR, DWT_CTRL, DWT_CYCCNT = 0xE000EDFC, 0xE0001000, 0xE0001004
TRCENA, CYCCNTENA = 1 << 24, 1


def log_pyocd_to(path: Path) -> None:
    """Send pyOCD's log records to `path` instead of stderr, where Python's
    last-resort handler would print them beside the driver's one-line error."""
    logger = logging.getLogger("pyocd")
    for handler in list(logger.handlers):
        if getattr(handler, "tinyhil", False):
            logger.removeHandler(handler)
            handler.close()
    handler = logging.FileHandler(path)
    handler.tinyhil = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def probe_servers() -> list[str]:
    return [f"remote:{s.strip()}" for s in os.environ.get(PROBE_SERVERS_ENV, "").split(",") if s.strip()]


def ask_probe_server(unique_id: str, prop: str, timeout: float = 5.0):
    """A property only `hil probe-server` has (e.g. its console URL), or None
    from any other probe (a real pyOCD probe server answers with an error)."""
    if not unique_id.lower().startswith("remote:"):
        return None
    host, _, port = unique_id.split(":", 1)[1].partition(":")
    try:
        with socket.create_connection((host, int(port or 5555)), timeout=timeout) as s:
            f = s.makefile("rwb")
            f.write(json.dumps({"id": 0, "request": "readprop", "arguments": [prop]}).encode() + b"\n")
            f.flush()
            reply = json.loads(f.readline() or b"{}")
    except (OSError, ValueError):
        return None
    return reply.get("result") if reply.get("status") == 0 else None


def verify_identity(target, board: Board, name: str) -> None:
    """Refuse a target that is not the board file's part (a wrong board on the
    probe, a wrong board file): CPUID's part number and DBGMCU IDCODE's DEV_ID
    are read before anything is written."""
    cpuid = target.read32(CPUID)
    want = CPUID_PARTNO.get(board.cpu.core)
    if want is not None and (cpuid >> 4) & 0xFFF != want:
        raise TargetError(f"{name}: refusing to write: the target's CPUID is 0x{cpuid:08x} (part 0x{(cpuid >> 4) & 0xFFF:03x}), "
                          f"but board '{board.name}' is a {board.cpu.core} (part 0x{want:03x}); is the right board on the probe?")
    spec = board.pyocd
    if spec is not None and spec.idcode_address is not None and spec.idcode is not None:
        idcode = target.read32(spec.idcode_address)
        if idcode & 0xFFF != spec.idcode & 0xFFF:
            raise TargetError(f"{name}: refusing to write: DBGMCU IDCODE at 0x{spec.idcode_address:08x} is 0x{idcode:08x} "
                              f"(DEV_ID 0x{idcode & 0xFFF:03x}), but board '{board.name}' expects DEV_ID "
                              f"0x{spec.idcode & 0xFFF:03x}; is the right board on the probe?")


def load_segments(elf: Path) -> list[tuple[int, bytes]]:
    """(load address, bytes) of each loadable segment of `elf`."""
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as f:
        return [(seg["p_paddr"], seg.data()) for seg in ELFFile(f).iter_segments()
                if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]]


def program_through_memory(target, elf: Path, name: str) -> int:
    """Write `elf` through the memory interface with the core halted and read
    it back.  This is how an emulated board's flash is programmed (it is
    writable from the debug port); real flash needs pyOCD's flash algorithm,
    and a write here would not read back."""
    target.halt()
    total = 0
    for address, data in load_segments(elf):
        target.write_memory_block8(address, list(data))
        if bytes(target.read_memory_block8(address, len(data))) != data:
            raise TargetError(f"{name}: {len(data)} B written at 0x{address:08x} do not read back: that memory "
                              f"needs a flash algorithm (a device pack: `pyocd pack install <part>`)")
        total += len(data)
    return total


class MarkerCounter:
    """Counts between the firmware's th_mark_* functions the way a bench
    does: a hardware breakpoint on each, DWT CYCCNT read at every hit, then
    step over it and let the core run on.  On silicon CYCCNT counts cycles (it
    stops while the core is halted); behind `hil probe-server` it counts the
    emulator's executed instructions.  A background thread serves the hits;
    a probe error there stops counting and is raised by `check()`."""

    MARKERS = ("invoke_begin", "invoke_end", "op_begin", "op_end")

    def __init__(self, target, elf: Path, name: str, probe_lock=None):
        self.target = target
        self.probe_lock = probe_lock or threading.RLock()
        self.started = False
        self.name = name
        symbols = elf_symbols(elf)
        self.addresses = {}
        for marker in self.MARKERS:
            if MARKER_PREFIX + marker not in symbols:
                raise TargetError(f"{name}: {elf} has no {MARKER_PREFIX}{marker}: cannot count at markers")
            self.addresses[symbols[MARKER_PREFIX + marker][0]] = marker
        self.hits: list[tuple[str, int]] = []
        self.failure: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        t = self.target
        t.write32(DEMCR, t.read32(DEMCR) | TRCENA)
        t.write32(DWT_CYCCNT, 0)
        t.write32(DWT_CTRL, t.read32(DWT_CTRL) | CYCCNTENA)
        for address in self.addresses:
            t.set_breakpoint(address, t.BreakpointType.HW)
        self._thread = threading.Thread(target=self._serve, name=f"{self.name} markers", daemon=True)
        self._thread.start()
        self.started = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _serve(self) -> None:
        t = self.target
        try:
            while not self._stop.wait(0.0005):
                with self.probe_lock:
                    if t.get_state() != t.State.HALTED:
                        continue
                    pc = t.read_core_register("pc")
                    marker = self.addresses.get(pc)
                    if marker is None:
                        continue       # halted by someone else (a reset, a flash write): not ours to resume
                    cycles = t.read32(DWT_CYCCNT)
                    with self._lock:
                        self.hits.append((marker, cycles))
                    t.remove_breakpoint(pc)
                    t.step()
                    t.set_breakpoint(pc, t.BreakpointType.HW)
                    t.resume()
        except Exception as exc:  # any probe error ends counting; check() reports it
            self.failure = f"{type(exc).__name__}: {exc}"

    def check(self) -> None:
        if self.failure:
            raise TargetError(f"{self.name}: the target stopped answering the debug probe ({self.failure})")

    def take(self) -> list[tuple[str, int]]:
        with self._lock:
            hits, self.hits = self.hits, []
        return hits

    def invoke_instructions(self) -> InvokeInstructions:
        """CYCCNT between the last invoke_begin and invoke_end, and between each
        op_begin/op_end pair inside it (mod 2**32)."""
        self.check()
        hits = self.take()
        begins = [i for i, (m, _) in enumerate(hits) if m == "invoke_begin"]
        ends = [i for i, (m, _) in enumerate(hits) if m == "invoke_end"]
        if not begins or not ends or ends[-1] < begins[-1]:
            raise TargetError(f"{self.name}: no complete invoke was seen at the marker breakpoints")
        window = hits[begins[-1]:ends[-1] + 1]
        per_op, open_at = [], None
        for marker, count in window:
            if marker == "op_begin":
                open_at = count
            elif marker == "op_end" and open_at is not None:
                per_op.append((count - open_at) & 0xFFFFFFFF)
                open_at = None
        return InvokeInstructions((window[-1][1] - window[0][1]) & 0xFFFFFFFF, per_op, {})


class CheckedConsole:
    """The board's console, failing fast when the probe lost the target (a
    dead board would otherwise only show as a link timeout much later)."""

    def __init__(self, console, counter: MarkerCounter):
        self._console = console
        self._counter = counter

    def write(self, data: bytes) -> None:
        self._counter.check()
        self._console.write(data)

    def read(self, max_bytes: int, timeout: float) -> bytes:
        self._counter.check()
        step = 0.05
        waited = 0.0
        while True:
            data = self._console.read(max_bytes, min(step, max(timeout - waited, 0)))
            if data or waited >= timeout:
                return data
            waited += step
            self._counter.check()

    def close(self) -> None:
        self._console.close()
