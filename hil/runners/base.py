"""The driver interfaces (see hil/runners/__init__.py); the registry is registry.py."""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..boards import Board
from ..errors import HilError


class TargetError(HilError):
    """A target could not be started, reached or stopped."""


@runtime_checkable
class Console(Protocol):
    """A byte stream to and from the board's console UART."""

    def write(self, data: bytes) -> None: ...

    def read(self, max_bytes: int, timeout: float) -> bytes:
        """Whatever arrived (at most max_bytes), waiting up to `timeout` s
        for the first byte; b"" when nothing came."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Power(Protocol):
    def power_on(self) -> None: ...

    def power_off(self) -> None: ...

    def hard_reset(self) -> None:
        """Reset the whole board, whatever state the firmware is in."""
        ...


@runtime_checkable
class Loader(Protocol):
    def load_image(self, elf: Path) -> None:
        """Make `elf` the firmware the board runs from its next power-on."""
        ...


@runtime_checkable
class MemoryWriter(Protocol):
    """Direct writes into target memory (a debugger, an emulator's gdbstub):
    the fast path for moving a plan into the board's plan slot."""

    def write_memory(self, address: int, data: bytes) -> None: ...


@runtime_checkable
class InstructionCounter(Protocol):
    """Exact executed-instruction counts from outside the guest (an emulator's
    plugin or monitor), per invoke and per op."""

    def invoke_instructions(self):
        """The counts of the invoke that just ended (an InvokeInstructions)."""
        ...


class Target(ABC):
    """One board behind one driver.  Use as a context manager: leaving the
    block (normally, by an exception or by Ctrl-C) always stops the board."""

    name: str
    board: Board
    run_dir: Path

    @property
    @abstractmethod
    def console(self) -> Console: ...

    @property
    @abstractmethod
    def power(self) -> Power: ...

    @property
    @abstractmethod
    def loader(self) -> Loader: ...

    @property
    def memory(self) -> MemoryWriter | None:
        """The bulk-transfer path, where the driver has one."""
        return None

    @property
    def counter(self) -> InstructionCounter | None:
        """Exact instruction counts from outside the guest, where the driver has them
        (the on-target counter comes over the link on every board)."""
        return None

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SelfPoweredTarget(Target):
    """A target that is its own power switch and loader (an emulator process,
    a probe session): it sets `_console` when powered on, and `_memory` where
    it has a bulk path."""

    _console: Console | None = None
    _memory: MemoryWriter | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            raise TargetError(f"{self.name}: not running")
        return self._console

    @property
    def power(self) -> "SelfPoweredTarget":
        return self

    @property
    def loader(self) -> "SelfPoweredTarget":
        return self

    @property
    def memory(self) -> MemoryWriter | None:
        return self._memory
