"""The pyOCD driver: a real board on the bench, flashed and measured through a
debug probe (ST-LINK, CMSIS-DAP, J-Link) with pyOCD, its console on a serial
device.

    pip install 'tinyhil[hw]'                 # pyOCD
    pyocd pack install stm32f407vg            # a target that is not built into pyOCD
    export TINYHIL_PYOCD_SERIAL=/dev/ttyACM0  # the board's console UART
    export TINYHIL_PYOCD_PROBE=0669FF...      # which probe, when there are several
    robot --variable BOARD:pyocd-netduinoplus2 robot_suites/vww.robot

What runs where: pyOCD programs the firmware ELF into flash, resets the core
and lets it run; the link talks to the firmware over the serial console at the
board's baud rate.  Plans take the bulk path: writes into RAM go straight over
the debug port while the core runs; writes into flash (the FLASH plan slot) go
through pyOCD's flash programmer with the core halted, and the RAM the flash
algorithm borrows plus the core registers are put back afterwards, so the
firmware carries on exactly where it stopped.

Counts come from the firmware's own counter (DWT CYCCNT: cycles) in the
replies of the link; there is no emulator to count instructions, so a session
reports `instructions` as None on this driver.

pyOCD is imported only when a target is opened: without it the driver is
still listed, and opening it says which extra to install."""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..boards import Board
from .base import InstructionCounter, SelfPoweredTarget, TargetError
from .registry import OptionInfo, register_driver
from .console import SerialConsole
from .process import default_run_dir
from .pyocd_memory import PyocdMemoryWriter, _import_pyocd, _pyocd_errors
from .pyocd_bench import (CheckedConsole, MarkerCounter, ask_probe_server, log_pyocd_to, probe_servers,
                          program_through_memory, verify_identity)

PROBE_ENV = "TINYHIL_PYOCD_PROBE"
SERIAL_ENV = "TINYHIL_PYOCD_SERIAL"

def find_probe(unique_id: str | None, name: str) -> str:
    """The unique id of the one probe to use: `unique_id` (a substring, as
    pyOCD matches it) or the only one connected.  Errors say what was found."""
    ConnectHelper, _, _, _ = _import_pyocd()
    try:
        probes = ConnectHelper.get_all_connected_probes(blocking=False, unique_id=unique_id,
                                                        print_wait_message=False)
        if unique_id is None:
            # Probe servers (pyocd server, hil probe-server) are never enumerated by pyOCD.
            for server in probe_servers():
                probes += ConnectHelper.get_all_connected_probes(blocking=False, unique_id=server,
                                                                 print_wait_message=False)
    except _pyocd_errors() as exc:
        raise TargetError(f"{name}: listing debug probes failed: {exc}") from None
    if not probes:
        which = f" whose unique id contains '{unique_id}' ({PROBE_ENV})" if unique_id else ""
        raise TargetError(f"{name}: no debug probe found{which}; connect the board's probe "
                          f"(`pyocd list` shows what pyOCD sees)")
    if len(probes) > 1:
        ids = ", ".join(f"{p.unique_id} ({p.description})" if p.description.strip() else p.unique_id
                        for p in probes)
        raise TargetError(f"{name}: {len(probes)} debug probes match ({ids}); choose one with "
                          f"{PROBE_ENV}=<unique id> or the probe= option")
    return probes[0].unique_id


OPTIONS = (
    OptionInfo("probe", str, None, "the debug probe's unique id (default $TINYHIL_PYOCD_PROBE, else the only one)"),
    OptionInfo("serial", str, None, "the console's serial device or pyserial URL (default $TINYHIL_PYOCD_SERIAL)"),
    OptionInfo("baud", int, None, "console baud rate (default: the board file's)"),
    OptionInfo("frequency", int, None, "SWD/JTAG clock, Hz"),
    OptionInfo("pyocd_target", str, None, "pyOCD target name (default: the board file's [pyocd] target)"),
    OptionInfo("flash", bool, True, "program the ELF at power-on"),
    OptionInfo("session", object, None, "an unopened pyOCD Session to use instead of choosing a probe"),
    OptionInfo("loader_factory", object, None, "makes pyOCD's FileProgrammer-like loader (tests)"),
    OptionInfo("count", bool, None, "count at the firmware's markers with DWT CYCCNT at FPB breakpoints "
                                    "(default: on behind hil probe-server, off on a real board)"),
)


@register_driver("pyocd", "a bench board through a debug probe (pyOCD) and a serial console; on-target cycle counts",
                 OPTIONS)
class PyocdTarget(SelfPoweredTarget):
    """One bench board behind a debug probe.  Implements Console (the serial
    device), Power (reset through the probe), Loader (flash programming) and
    MemoryWriter (RAM and flash writes through the probe).

    Options: probe (unique id, default $TINYHIL_PYOCD_PROBE), serial (console
    device or pyserial URL, default $TINYHIL_PYOCD_SERIAL), baud (default the
    board's), frequency (SWD/JTAG clock, Hz), pyocd_target (default the board
    file's [pyocd] target), flash (program the ELF at power-on, default True),
    session (an unopened pyOCD Session to use instead of choosing a probe),
    count (count at the firmware's markers with DWT CYCCNT at FPB breakpoints;
    default: on behind `hil probe-server`, off on a real board).

    Behind `hil probe-server` (an emulated board) the probe says so: the
    console defaults to the server's UART socket, the pyOCD target to the
    generic "cortex_m" (no flash algorithm is needed: the emulated flash takes
    writes through the memory interface) and counting is on."""

    def __init__(self, board: Board, elf: Path | None = None, run_dir: Path | None = None,
                 probe: str | None = None, serial: str | None = None, baud: int | None = None,
                 frequency: int | None = None, pyocd_target: str | None = None, flash: bool = True,
                 session=None, start: bool = True, loader_factory: Callable[[Any], Any] | None = None,
                 count: bool | None = None):
        if board.pyocd is None and pyocd_target is None:
            raise TargetError(f"board '{board.name}' has no [pyocd] table")
        self.board = board
        self.name = f"pyocd-{board.name}"
        self.pyocd_target = pyocd_target or board.pyocd.target
        self._target_given = pyocd_target is not None
        self.count = count
        self.emulated: str | None = None     # the board a `hil probe-server` emulates
        self._counter: MarkerCounter | None = None
        self._probe_lock = threading.RLock()  # the marker thread and this one take turns on the probe
        self.probe = probe if probe is not None else (os.environ.get(PROBE_ENV) or None)
        self.serial = serial if serial is not None else (os.environ.get(SERIAL_ENV) or None)
        self.baud = baud or board.uart.baud
        self.frequency = frequency
        self.flash_on_start = flash
        self._session = session
        self._own_session = session is None
        self._probe_id: str | None = None
        self._loader_factory = loader_factory
        self.elf = Path(elf) if elf is not None else None
        self.run_dir = Path(run_dir) if run_dir else default_run_dir(self.name)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._stack: contextlib.ExitStack | None = None
        self._console: SerialConsole | None = None
        self._memory: PyocdMemoryWriter | None = None
        self.flashed: Path | None = None
        if start:
            self.power_on()

    # --- Target ---------------------------------------------------------


    def close(self) -> None:
        self.power_off()

    def log(self, line: str) -> None:
        with open(self.run_dir / "pyocd.log", "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {line}\n")

    # --- the session ----------------------------------------------------

    def session_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"target_override": self.pyocd_target}
        if self.frequency:
            options["frequency"] = int(self.frequency)
        return options

    def _open_session(self):
        if self._session is None:
            ConnectHelper, _, _, _ = _import_pyocd()
            unique_id = self._probe_id or find_probe(self.probe, self.name)
            self._session = ConnectHelper.session_with_chosen_probe(
                blocking=False, return_first=True, unique_id=unique_id, **self.session_options())
            if self._session is None:
                raise TargetError(f"{self.name}: the debug probe '{unique_id}' went away")
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(self._session)     # opens the probe, connects to the target
        except _pyocd_errors() as exc:
            stack.close()
            hint = ""
            # Only for an unknown target type: "Target not detected" is a wiring or power problem.
            if "not recognized" in str(exc) or type(exc).__name__ == "TargetSupportError":
                hint = (f" (is the target known to pyOCD?  `pyocd pack install {self.pyocd_target}`, then "
                        f"`pyocd list --targets` shows its exact name for the board file's [pyocd] target)")
            raise TargetError(f"{self.name}: connecting to {self.pyocd_target} failed: {exc}{hint}") from None
        self._stack = stack
        return self._session

    # --- Loader ---------------------------------------------------------

    def load_image(self, elf: Path) -> None:
        """Program `elf` now when connected (it runs from the next reset), else at power-on."""
        self.elf = Path(elf)
        if self._stack is not None:
            self._program(self.elf)

    def _program(self, elf: Path) -> None:
        _, FileProgrammer, _, _ = _import_pyocd()
        started = time.monotonic()
        try:
            if self.emulated:
                with self._probe_lock:
                    written = program_through_memory(self._session.target, elf, self.name)
                self.log(f"{written} B written through the memory interface (emulated flash)")
            else:
                FileProgrammer(self._session, smart_flash=True).program(str(elf), file_format="elf")
        except _pyocd_errors() as exc:
            raise TargetError(f"{self.name}: programming {elf} failed: {exc}") from None
        self.flashed = elf
        self.log(f"programmed {elf} in {time.monotonic() - started:.1f} s")

    # --- Power ----------------------------------------------------------

    def power_on(self) -> None:
        if self._stack is not None:
            return
        log_pyocd_to(self.run_dir / "pyocd.log")   # pyOCD's own messages: the log, not stderr
        if self._own_session:
            # The install hint, then "no debug probe", before asking for a console.
            self._probe_id = find_probe(self.probe, self.name)
            self.emulated = ask_probe_server(self._probe_id, "emulated_board")
            if self.emulated:
                if not self._target_given:
                    self.pyocd_target = "cortex_m"
                self.serial = self.serial or ask_probe_server(self._probe_id, "console_url")
        if self.count is None:
            self.count = bool(self.emulated)
        if not self.serial:
            raise TargetError(f"{self.name}: the board's console serial device is not set: "
                              f"{SERIAL_ENV}=/dev/ttyACM0 (or the serial= option)")
        try:
            session = self._open_session()
            try:
                verify_identity(session.target, self.board, self.name)   # before anything is written
            except _pyocd_errors() as exc:
                raise TargetError(f"{self.name}: reading the target's CPUID and IDCODE failed: {exc}") from None
            if self.elf is None and (self.flash_on_start or self.count):
                raise TargetError(f"{self.name}: no firmware image to program or count with (open it "
                                  "through open_target, which builds one, or pass elf=)")
            if self.flash_on_start:
                self._program(self.elf)
            console = SerialConsole(self.serial, baudrate=self.baud)
            if self.count:
                self._counter = MarkerCounter(session.target, self.elf, self.name, self._probe_lock)
                console = CheckedConsole(console, self._counter)
            self._console = console
            self._memory = PyocdMemoryWriter(session, self.board, self.name, self._loader_factory, self.log,
                                             flash_through_memory=bool(self.emulated), lock=self._probe_lock)
            self._reset_and_run()
        except BaseException:
            self.power_off()
            raise

    def _drain_console(self) -> None:
        if self._console is not None:
            while self._console.read(4096, 0.05):
                pass

    def _reset_and_run(self) -> None:
        self._drain_console()       # whatever the old firmware said is not the new BOOT
        target = self._session.target
        try:
            with self._probe_lock:
                target.reset_and_halt()
                if self._counter is not None and not self._counter.started:
                    self._counter.start()
                target.resume()
        except _pyocd_errors() as exc:
            raise TargetError(f"{self.name}: reset failed: {exc}") from None
        self.log("reset")

    def power_off(self) -> None:
        """Release the console and the probe (pyOCD lets the core run on)."""
        if self._counter is not None:
            self._counter.stop()
            self._counter = None
        if self._console is not None:
            self._console.close()
            self._console = None
        self._memory = None
        stack, self._stack = self._stack, None
        if stack is not None:
            try:
                stack.close()
            except _pyocd_errors() as exc:
                self.log(f"closing the session: {exc}")
        if self._own_session:
            self._session = None

    @property
    def counter(self) -> InstructionCounter | None:
        """Counting at the markers, where it is on (behind `hil probe-server` it counts executed
        instructions; on silicon, cycles)."""
        return self if self._counter is not None else None

    def invoke_instructions(self):
        """CYCCNT counts of the last invoke, read at the marker breakpoints
        (behind `hil probe-server`: executed instructions)."""
        if self._counter is None:
            raise TargetError(f"{self.name}: not counting at markers (count=False)")
        return self._counter.invoke_instructions()

    def hard_reset(self) -> None:
        if self._stack is None:
            self.power_on()
            return
        self._reset_and_run()

