"""pyOCD's side of memory: importing pyOCD on first use, and the MemoryWriter
over a pyOCD session (RAM through the debug port, flash through pyOCD's flash
programmer or, on an emulated board, plain writes)."""
from __future__ import annotations

import contextlib
import time
from typing import Any, Callable

from ..boards import Board, MemoryRegion
from .base import TargetError

INSTALL_HINT = "pip install 'tinyhil[hw]'"

# Core registers saved around a flash write (the flash algorithm runs on the core).
_CORE_REGISTERS = (["control", "msp", "psp"] + [f"r{i}" for i in range(13)]
                   + ["lr", "pc", "xpsr", "primask", "basepri", "faultmask"])
_FPU_REGISTERS = [f"s{i}" for i in range(32)] + ["fpscr"]
_RAM_CHUNK = 32 << 10       # bytes per debug-port block transfer when saving/restoring RAM


def _import_pyocd():
    """pyOCD's entry points, imported on first use."""
    try:
        from pyocd.core.helpers import ConnectHelper
        from pyocd.flash.file_programmer import FileProgrammer
        from pyocd.flash.loader import MemoryLoader
        from pyocd.core import exceptions
    except ImportError:
        raise TargetError(f"the pyocd driver needs pyOCD, which is not installed: {INSTALL_HINT}") from None
    return ConnectHelper, FileProgrammer, MemoryLoader, exceptions


def _pyocd_errors() -> tuple[type[BaseException], ...]:
    try:
        from pyocd.core.exceptions import Error
    except ImportError:
        return (OSError,)
    return (Error, OSError)


class PyocdMemoryWriter:
    """MemoryWriter over a pyOCD session: RAM through the debug port (the core
    keeps running), flash through pyOCD's flash programmer (the core is halted,
    and what the flash algorithm overwrote is restored before it resumes)."""

    def __init__(self, session, board: Board, name: str | None = None,
                 loader_factory: Callable[[Any], Any] | None = None, log: Callable[[str], None] | None = None,
                 flash_through_memory: bool = False, lock=None):
        self.session = session
        # An emulated board's flash takes plain writes; a real one needs the flash programmer.
        self.flash_through_memory = flash_through_memory
        self._lock = lock or contextlib.nullcontext()
        self.board = board
        self.name = name or f"pyocd-{board.name}"
        self._loader_factory = loader_factory
        self._log = log or (lambda line: None)

    @property
    def target(self):
        return self.session.target

    # --- routing --------------------------------------------------------

    def _region_at(self, address: int) -> tuple[str, int] | None:
        """("flash" | "ram", end address (exclusive)) of the memory at `address`:
        from the target's memory map, else from the board file."""
        memory_map = getattr(self.target, "memory_map", None)
        region = memory_map.get_region_for_address(address) if memory_map is not None else None
        if region is not None:
            if getattr(region, "is_flash", False):
                return "flash", region.end + 1          # pyOCD ranges end inclusively
            if getattr(region, "is_ram", False):
                return "ram", region.end + 1
            return None                                  # a device or ROM region: not ours to write
        for kind, r in (("flash", self.board.code), ("ram", self.board.ram)):
            if r.origin <= address < r.end:
                return kind, r.end
        return None

    def route(self, address: int, length: int) -> list[tuple[str, int, int]]:
        """Split a write into (kind, address, length) pieces, one per region."""
        pieces, at, end = [], address, address + length
        while at < end:
            region = self._region_at(at)
            if region is None:
                raise TargetError(f"{self.name}: cannot write {length} B at 0x{address:08x}: "
                                  f"0x{at:08x} is neither RAM nor flash of {self.board.name}")
            kind, region_end = region
            stop = min(end, region_end)
            if pieces and pieces[-1][0] == kind and pieces[-1][1] + pieces[-1][2] == at:
                pieces[-1] = (kind, pieces[-1][1], pieces[-1][2] + stop - at)
            else:
                pieces.append((kind, at, stop - at))
            at = stop
        return pieces

    # --- writing --------------------------------------------------------

    def write_memory(self, address: int, data: bytes) -> None:
        data = bytes(data)
        pieces = self.route(address, len(data))
        flash = [(a, data[a - address:a - address + n]) for kind, a, n in pieces if kind == "flash"]
        direct = {"ram", "flash"} if self.flash_through_memory else {"ram"}
        try:
            with self._lock:
                for kind, a, n in pieces:
                    if kind in direct:
                        self.target.write_memory_block8(a, list(data[a - address:a - address + n]))
                if flash and not self.flash_through_memory:
                    self._program_flash(flash)
        except _pyocd_errors() as exc:
            raise TargetError(f"{self.name}: writing {len(data)} B at 0x{address:08x} failed: {exc}") from None

    def _make_loader(self):
        if self._loader_factory is not None:
            return self._loader_factory(self.session)
        _, _, MemoryLoader, _ = _import_pyocd()
        return MemoryLoader(self.session, smart_flash=True)

    def _program_flash(self, pieces: list[tuple[int, bytes]]) -> None:
        """Program flash while the firmware is stopped, then let it go on as if nothing happened."""
        target = self.target
        started = time.monotonic()
        target.halt()
        registers = self._save_registers()
        ram = self._save_ram()
        try:
            loader = self._make_loader()
            for address, chunk in pieces:
                loader.add_data(address, chunk)
            loader.commit()
        finally:
            # The flash algorithm lives in target RAM: unload it (pyOCD would
            # otherwise reuse it next time, after we overwrote it), then put
            # the firmware's RAM and registers back and let it run.
            algo = getattr(getattr(self.session, "context_state", None), "current_flash_algo", None)
            if algo is not None:
                with contextlib.suppress(*_pyocd_errors()):
                    algo.cleanup()
            self._restore_ram(ram)
            self._restore_registers(registers)
            target.resume()
        self._log(f"flash: {sum(len(c) for _, c in pieces)} B in {time.monotonic() - started:.2f} s "
                  f"(RAM {len(ram[1])} B and {len(registers[0])} registers restored)")

    def _save_registers(self) -> tuple[list[str], list[int]]:
        names = list(_CORE_REGISTERS)
        values = self.target.read_core_registers_raw(names)
        if self.board.cpu.fpu:
            try:
                values += self.target.read_core_registers_raw(_FPU_REGISTERS)
                names += _FPU_REGISTERS
            except _pyocd_errors() + (KeyError, ValueError):
                pass   # no FPU registers on this core after all
        return names, list(values)

    def _restore_registers(self, saved: tuple[list[str], list[int]]) -> None:
        self.target.write_core_registers_raw(*saved)

    def _save_ram(self) -> tuple[int, bytes]:
        """All of the board's RAM: the firmware's stack, data and pool, whatever
        part of it the flash algorithm (and pyOCD's CRC analyzer) borrows."""
        ram: MemoryRegion = self.board.ram
        data = bytearray()
        for offset in range(0, ram.size, _RAM_CHUNK):
            data += bytes(self.target.read_memory_block8(ram.origin + offset, min(_RAM_CHUNK, ram.size - offset)))
        return ram.origin, bytes(data)

    def _restore_ram(self, saved: tuple[int, bytes]) -> None:
        origin, data = saved
        for offset in range(0, len(data), _RAM_CHUNK):
            self.target.write_memory_block8(origin + offset, list(data[offset:offset + _RAM_CHUNK]))
