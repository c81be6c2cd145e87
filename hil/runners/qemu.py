"""The QEMU driver: runs a board's firmware in qemu-system-arm.

QEMU runs with -icount shift=0 (one instruction is one ns of virtual time, so
runs are deterministic and on-target timers count instructions), the
th_icount plugin (exact instruction counts per invoke, per op and per
function), its UART on a TCP port the host connects to (QEMU holds the guest
until then, so no output is lost), semihosting (so the firmware can end QEMU
with an exit code) and a gdbstub (the bulk path for writing plans).

Every QEMU this module starts is stopped when its target is closed, when the
Python process exits, and (through PR_SET_PDEATHSIG) when it is killed; logs
and the plugin's counts stay in the target's run directory."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from ..boards import Board
from .base import InstructionCounter, TargetError
from .registry import OptionInfo, register_driver
from .process import ProcessTarget, default_run_dir, die_with_parent, free_ports
from .console import SerialConsole
from .gdbstub import GdbMemoryWriter
from .marks import InvokeInstructions, MarkLog, MarkReport, invoke_instructions
from .qemu_plugin import build_plugin, plugin_arguments

QEMU_BINARY = os.environ.get("TINYHIL_QEMU", "qemu-system-arm")
ICOUNT = "shift=0,align=off,sleep=off"

OPTIONS = (
    OptionInfo("plugin", bool, True, "count instructions exactly with the th_icount TCG plugin"),
    OptionInfo("gdb", bool, True, "open the gdbstub: the bulk path for plans and inputs"),
    OptionInfo("start_timeout", (int, float), 10.0, "seconds for QEMU to open its UART socket"),
    OptionInfo("extra_args", (tuple, list), (), "more qemu-system-arm arguments"),
)


@register_driver("qemu", "QEMU system emulation (qemu-system-arm) with exact instruction counts", OPTIONS)
class QemuTarget(ProcessTarget):
    """One board in QEMU.  Implements Console (via .console), Power, Loader,
    MemoryWriter (the gdbstub) and InstructionCounter (the plugin)."""

    def __init__(self, board: Board, elf: Path, run_dir: Path | None = None, plugin: bool = True,
                 gdb: bool = True, start: bool = True, start_timeout: float = 10.0,
                 extra_args: tuple[str, ...] = ()):
        if board.qemu is None:
            raise TargetError(f"board '{board.name}' has no [qemu] table")
        if shutil.which(QEMU_BINARY) is None:
            raise TargetError(f"'{QEMU_BINARY}' not found: install QEMU (Debian: qemu-system-arm)")
        self.board = board
        self.name = f"qemu-{board.name}"
        self.elf = Path(elf)
        self.run_dir = Path(run_dir) if run_dir else default_run_dir(self.name)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.use_plugin = plugin
        self.use_gdb = gdb
        self.start_timeout = start_timeout
        self.extra_args = tuple(extra_args)
        self._proc: subprocess.Popen | None = None
        self._console: SerialConsole | None = None
        self._memory: GdbMemoryWriter | None = None
        self._log_file = None
        self.plugin_log: MarkLog | None = None
        self.starts = 0
        self.last_exit_status: int | None = None
        self.track()
        if start:
            self.power_on()

    @property
    def counter(self) -> InstructionCounter | None:
        return self if self.use_plugin else None

    # --- Loader ---------------------------------------------------------

    def load_image(self, elf: Path) -> None:
        self.elf = Path(elf)

    # --- Power ----------------------------------------------------------

    def command_line(self, serial_port: int, gdb_port: int | None, plugin_args: list[str] | None) -> list[str]:
        q = self.board.qemu
        cmd = [QEMU_BINARY, "-M", q.machine, "-display", "none", "-monitor", "none"]
        cmd += ["-serial", "null"] * q.serial_index
        cmd += ["-serial", f"tcp:127.0.0.1:{serial_port},server=on,wait=on,nodelay=on"]
        cmd += ["-semihosting-config", "enable=on,target=native", "-icount", ICOUNT,
                "-kernel", str(self.elf), "-d", "guest_errors,unimp", "-D", str(self.run_dir / "qemu-debug.log")]
        if gdb_port is not None:
            cmd += ["-gdb", f"tcp:127.0.0.1:{gdb_port}"]
        if plugin_args is not None:
            # QEMU option values escape a comma by doubling it.
            cmd += ["-plugin", ",".join([f"file={build_plugin()}"] + [a.replace(",", ",,") for a in plugin_args])]
        return cmd + list(q.extra_args) + list(self.extra_args)

    def power_on(self) -> None:
        if self._proc is not None:
            return
        self.starts += 1
        plugin_args = None
        if self.use_plugin:
            counts = self.run_dir / f"icount-{self.starts}.log"
            plugin_args = plugin_arguments(self.elf, counts, self.run_dir / "ranges.txt")
            self.plugin_log = MarkLog(counts)
        self._log_file = open(self.run_dir / "qemu.log", "ab")
        for attempt in range(3):
            serial_port, gdb_port = free_ports(2)
            cmd = self.command_line(serial_port, gdb_port if self.use_gdb else None, plugin_args)
            (self.run_dir / "qemu.cmd").write_text(" ".join(cmd) + "\n")
            self._log_file.write(f"--- start {self.starts}: {' '.join(cmd)}\n".encode())
            self._log_file.flush()
            self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                          stderr=subprocess.STDOUT, start_new_session=True,
                                          preexec_fn=die_with_parent)
            try:
                self._console = SerialConsole(f"socket://127.0.0.1:{serial_port}",
                                              connect_timeout=self.start_timeout,
                                              still_starting=lambda: self._proc.poll() is None)
            except TargetError as exc:
                self._terminate()
                log = self.log_tail()
                if attempt < 2 and ("in use" in log or "bind" in log):
                    continue   # another process took the port in between: pick new ones
                self._close_log()
                raise TargetError(f"{self.name}: QEMU did not start ({exc}); log:\n{log}") from None
            if self.use_gdb:
                self._memory = GdbMemoryWriter("127.0.0.1", gdb_port)
            return

    def power_off(self) -> None:
        if self._console is not None:
            self._console.close()
            self._console = None
        if self._memory is not None:
            self._memory.close()
            self._memory = None
        self._terminate()
        self._close_log()

    def hard_reset(self) -> None:
        self.power_off()
        self.power_on()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        self.last_exit_status = proc.returncode

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # --- results --------------------------------------------------------

    def wait_exit(self, timeout: float) -> int:
        """Wait for the firmware to end QEMU (semihosting exit); its status."""
        if self._proc is None:
            raise TargetError(f"{self.name}: not running")
        try:
            status = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TargetError(f"{self.name}: still running after {timeout:g} s") from None
        self.power_off()
        self.last_exit_status = status
        return status

    def log_tail(self, lines: int = 20) -> str:
        path = self.run_dir / "qemu.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def take_counts(self) -> MarkReport:
        """What the plugin wrote since the last call."""
        if self.plugin_log is None:
            raise TargetError(f"{self.name}: started without the counting plugin")
        return self.plugin_log.take()

    def invoke_instructions(self) -> InvokeInstructions:
        """Exact instruction counts of the last invoke (call after Link.invoke)."""
        return invoke_instructions(self.take_counts())

