"""The Renode driver: runs a board's firmware in Renode, headless.

Renode starts with its monitor on a TCP port (`renode --disable-xwt --plain
--port N`); the driver connects to the monitor and includes a script it wrote
into the run directory (renode.resc: the machine from the board's [renode]
platform, the ELF, the console UART on a TCP server terminal), connects the
console and only then sends `start`, so nothing the firmware prints is lost.
A second script (counting.resc) hooks the firmware's marker functions so that
Renode's own instruction counter (`cpu ExecutedInstructions`) is written down
at each of them: exact instruction counts per invoke and per op, in the same
form the QEMU plugin writes, side by side with the firmware's on-target counter.

Power is the monitor (`machine Reset`, `quit`); plans are written into target
memory with `sysbus LoadBinary` of a file in the run directory.  Every Renode
this module starts is stopped, with its whole process group, when its target
is closed and when the Python process exits; when Python is killed, through
PR_SET_PDEATHSIG (which reaches Renode itself where `renode` execs it).  Logs stay in the run directory: renode.log (Renode's output),
monitor.log (every monitor command and reply), the two scripts and marks.log.

Where Renode is: $TINYHIL_RENODE, else `renode` on PATH.  Nothing here imports
Renode or needs its Robot environment."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from ..boards import Board
from ..firmware import elf_symbols
from ..paths import REPO_ROOT
from .base import InstructionCounter, TargetError
from .registry import OptionInfo, register_driver
from .console import SerialConsole
from .process import ProcessTarget, default_run_dir, die_with_parent, free_ports
from .qemu_plugin import MARKER_PREFIX, InvokeInstructions, PluginError, PluginLog, PluginReport, invoke_instructions

RENODE_ENV = "TINYHIL_RENODE"
NOT_INSTALLED = f"Renode is not installed (renode not on PATH; set {RENODE_ENV})"
RENODE_PLATFORMS_DIR = REPO_ROOT / "renode_platforms"
CONSOLE_TERMINAL = "th_console"
SCRIPT_NAME = "renode.resc"
COUNTING_SCRIPT_NAME = "counting.resc"
MARKS_NAME = "marks.log"

def renode_binary() -> str | None:
    """The Renode executable: $TINYHIL_RENODE (a path or a command name), else `renode` on PATH."""
    return shutil.which(os.environ.get(RENODE_ENV) or "renode")


def platform_reference(board: Board) -> str:
    """The platform description to load, as a Renode path: a .repl of this
    repository's renode_platforms/ when there is one by that name (or the
    board names a .repl file), else Renode's own platforms/boards/<name>.repl."""
    platform = board.renode.platform
    if platform.endswith(".repl"):
        path = Path(platform)
        if not path.is_absolute():
            path = (board.source.parent if board.source else REPO_ROOT) / path
        return f"@{_renode_path(path, 'the platform')}"
    local = RENODE_PLATFORMS_DIR / f"{platform}.repl"
    if local.is_file():
        return f"@{_renode_path(local, 'the platform')}"
    return f"@platforms/boards/{platform}.repl"


def _renode_path(path: Path, what: str) -> str:
    """A host path as a Renode @path; Renode's tokenizer splits on spaces and quotes."""
    text = str(Path(path).resolve())
    if re.search(r"[\s'\"]", text):
        raise TargetError(f"{what} path {text!r} contains a space or a quote, which Renode's monitor "
                          f"cannot take: use a run directory (and cache) without them")
    return text


def machine_name(board: Board) -> str:
    return f"tinyhil-{board.name}"


def renode_script(board: Board, elf: Path, console_port: int) -> str:
    """The .resc that builds the machine: platform, firmware, console terminal (no `start`)."""
    if board.renode is None:
        raise TargetError(f"board '{board.name}' has no [renode] table")
    if not board.renode.uart:
        raise TargetError(f"board '{board.name}': its [renode] table names no console uart "
                          f"(uart = \"<peripheral>\", e.g. \"usart2\")")
    return "\n".join([
        f"# {board.name} on Renode ({board.renode.platform}).  By hand: `renode {SCRIPT_NAME}`, then `start`;",
        "# the driver includes it over the monitor and sends `start` once the console is connected.",
        f"mach create \"{machine_name(board)}\"",
        f"machine LoadPlatformDescription {platform_reference(board)}",
        "# `machine Reset` runs the reset macro again: the ELF is reloaded on every reset.",
        "macro reset",
        "\"\"\"",
        f"    sysbus LoadELF @{_renode_path(elf, 'the firmware')}",
        "\"\"\"",
        "runMacro $reset",
        f"emulation CreateServerSocketTerminal {console_port} \"{CONSOLE_TERMINAL}\" false",
        f"connector Connect sysbus.{board.renode.uart} {CONSOLE_TERMINAL}",
        "",
    ])


def counting_script(board: Board, elf: Path, marks: Path) -> str:
    """Hooks on the firmware's th_mark_* functions writing "M <marker> <instructions
    executed before it>" lines, as the QEMU plugin does (hil/runners/qemu_plugin.py)."""
    marks_path = _renode_path(marks, "the marks file")
    lines = ["# Renode's instruction counter at each marker function of the firmware, one line per hit."]
    for name, (address, _) in sorted(elf_symbols(elf).items(), key=lambda kv: kv[1]):
        if not name.startswith(MARKER_PREFIX):
            continue
        marker = name[len(MARKER_PREFIX):]
        code = (f"f = open('{marks_path}', 'a'); "
                f"f.write('M {marker} ' + str(self.ExecutedInstructions) + chr(10)); f.close()")
        lines.append(f"sysbus.{board.renode.cpu} AddHook 0x{address:08x} \"{code}\"")
    if len(lines) == 1:
        raise TargetError(f"{elf}: no {MARKER_PREFIX}* marker functions to count between")
    return "\n".join(lines) + "\n"


def command_line(binary: str, monitor_port: int) -> list[str]:
    return [binary, "--disable-xwt", "--plain", "--port", str(monitor_port)]


# --- the monitor --------------------------------------------------------

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_TELNET = re.compile(rb"\xff[\xfb-\xfe].|\xff[\xf0-\xfa]")
_PROMPT = re.compile(r"(?:^|\n)\(([\w\-. ]+)\) ?$")
# How Renode's monitor reports a failed command (its output has no status).
_ERROR = re.compile(r"^(There was an error|No such command|Could not|Parameters did not match|Error E\d+|"
                    r".*\bException\b|Traceback|.*[Ee]rror:)", re.MULTILINE)


def clean_monitor_output(raw: bytes) -> str:
    """Monitor bytes as text: telnet negotiation, terminal escapes and CRs removed."""
    text = _ANSI.sub(b"", _TELNET.sub(b"", raw)).replace(b"\r", b"")
    return text.decode("utf-8", "replace")


class RenodeMonitor:
    """A line-oriented client of Renode's monitor over TCP (what `telnet` would
    show): send one command, read until the prompt comes back."""

    PROMPT_SETTLE_S = 0.03

    def __init__(self, host: str, port: int, connect_timeout: float = 60.0, still_starting=None,
                 log: Path | None = None):
        self.where = f"{host}:{port}"
        self._log_path = log
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self._sock = socket.create_connection((host, port), timeout=1.0)
                break
            except OSError as exc:
                alive = still_starting() if still_starting else True
                if not alive or time.monotonic() >= deadline:
                    raise TargetError(f"cannot reach Renode's monitor on {self.where}: {exc}") from None
                time.sleep(0.1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.prompt = None
        self._read_until_prompt(max(1.0, deadline - time.monotonic()), "connecting")

    def _log(self, line: str) -> None:
        if self._log_path is not None:
            with open(self._log_path, "a") as f:
                f.write(line if line.endswith("\n") else line + "\n")

    def _read_until_prompt(self, timeout: float, what: str) -> str:
        raw = b""
        deadline = time.monotonic() + timeout
        while True:
            text = clean_monitor_output(raw)
            m = _PROMPT.search(text)
            remaining = deadline - time.monotonic()
            if m is None and remaining <= 0:
                raise TargetError(f"Renode's monitor ({self.where}) gave no prompt within {timeout:g} s "
                                  f"after {what}; got {text[-200:]!r}")
            # A prompt counts once nothing follows it for a moment: the line
            # editor may draw one while it echoes the command.
            self._sock.settimeout(self.PROMPT_SETTLE_S if m else min(max(remaining, 0.01), 0.5))
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                if m:
                    self.prompt = m.group(1)
                    return text[:m.start()]
                continue
            except OSError as exc:
                raise TargetError(f"Renode's monitor ({self.where}): {exc} after {what}") from None
            if not chunk and m:
                self.prompt = m.group(1)
                return text[:m.start()]
            if not chunk:
                raise TargetError(f"Renode's monitor ({self.where}) closed the connection after {what}; "
                                  f"got {clean_monitor_output(raw)[-200:]!r}")
            raw += chunk

    def _drain(self) -> None:
        """Drop anything unread (a late prompt) so the next reply starts clean."""
        self._sock.settimeout(0)
        try:
            while self._sock.recv(65536):
                pass
        except (BlockingIOError, socket.timeout, OSError):
            pass

    def command(self, command: str, timeout: float = 30.0, check: bool = True) -> str:
        """Run one monitor command; its output (the echo removed).  With check,
        output that reads as an error raises TargetError."""
        if "\n" in command:
            raise ValueError("one monitor command at a time")
        self._drain()
        self._log(f"({self.prompt}) {command}")
        try:
            self._sock.sendall(command.encode() + b"\n")
        except OSError as exc:
            raise TargetError(f"Renode's monitor ({self.where}): sending {command!r} failed: {exc}") from None
        output = self._read_until_prompt(timeout, repr(command))
        # The monitor echoes what it was sent (its line editor may redraw it
        # on the way): the reply is what follows the echo's last character.
        echo = output.find(command.strip())
        if echo >= 0:
            output = output[echo + len(command.strip()):]
        output = output.strip("\n")
        if output:
            self._log(output)
        if check and _ERROR.search(output):
            raise TargetError(f"Renode: `{command}` failed: {output.strip()}")
        return output

    def send(self, command: str) -> None:
        """Send without waiting for a reply (`quit`: there will be none)."""
        self._log(f"({self.prompt}) {command}")
        try:
            self._sock.sendall(command.encode() + b"\n")
        except OSError:
            pass

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


def parse_number(output: str) -> int:
    """The first number in a monitor reply (Renode prints hex, decimal or both)."""
    m = re.search(r"\b(0x[0-9a-fA-F]+|\d+)\b", output)
    if m is None:
        raise TargetError(f"Renode: expected a number, got {output!r}")
    return int(m.group(1), 0)


def _group_alive(proc: subprocess.Popen) -> bool:
    """Whether anything of the process group `proc` leads is still running (the leader reaped first)."""
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RenodeMemoryWriter:
    """MemoryWriter through the monitor: the bytes go to a file in the run
    directory and `sysbus LoadBinary` puts them at the address (RAM or flash,
    with the machine running).  The first writes are checked by reading their
    first and last words back; after that the path is known to work."""

    CHECKED_WRITES = 2

    def __init__(self, monitor: RenodeMonitor, run_dir: Path, name: str):
        self.monitor = monitor
        self.run_dir = run_dir
        self.name = name
        self._count = 0
        self._checked = 0

    def write_memory(self, address: int, data: bytes) -> None:
        if not data:
            return
        self._count += 1
        blob = self.run_dir / f"write-{self._count % 4}.bin"
        blob.write_bytes(bytes(data))
        self.monitor.command(f"sysbus LoadBinary @{_renode_path(blob, 'the write file')} 0x{address:08x}",
                             timeout=120.0)
        if self._checked >= self.CHECKED_WRITES or len(data) < 4:
            return
        self._checked += 1
        for offset in sorted({0, (len(data) - 4) & ~3}):
            want = int.from_bytes(data[offset:offset + 4], "little")
            got = parse_number(self.monitor.command(f"sysbus ReadDoubleWord 0x{address + offset:08x}"))
            if got != want:
                raise TargetError(f"{self.name}: writing {len(data)} B at 0x{address:08x}: the word at "
                                  f"0x{address + offset:08x} reads 0x{got:08x}, expected 0x{want:08x}")


OPTIONS = (
    OptionInfo("count", bool, True, "hook the marker functions to count instructions exactly"),
    OptionInfo("start_timeout", (int, float), 60.0, "seconds for Renode to start and answer"),
    OptionInfo("extra_args", (tuple, list), (), "more renode arguments"),
)


@register_driver("renode", "Renode (headless, over its monitor) with exact instruction counts from its CPU counter",
                 OPTIONS)
class RenodeTarget(ProcessTarget):
    """One board in Renode.  Implements Console (the UART's TCP terminal),
    Power and Loader (the monitor), MemoryWriter (LoadBinary) and
    InstructionCounter (the marker hooks)."""

    def __init__(self, board: Board, elf: Path, run_dir: Path | None = None,
                 count: bool = True, start: bool = True, start_timeout: float = 60.0,
                 extra_args: tuple[str, ...] = ()):
        if board.renode is None:
            raise TargetError(f"board '{board.name}' has no [renode] table")
        self.binary = renode_binary()
        if self.binary is None:
            raise TargetError(NOT_INSTALLED)
        self.board = board
        self.name = f"renode-{board.name}"
        self.elf = Path(elf)
        self.run_dir = Path(run_dir) if run_dir else default_run_dir(self.name)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.use_counting = count
        self.start_timeout = start_timeout
        self.extra_args = tuple(extra_args)
        self._proc: subprocess.Popen | None = None
        self._monitor: RenodeMonitor | None = None
        self._console: SerialConsole | None = None
        self._memory: RenodeMemoryWriter | None = None
        self._log_file = None
        self.plugin_log: PluginLog | None = None     # the marks, read as the QEMU plugin's output
        self.starts = 0
        self.track()
        if start:
            self.power_on()

    # --- Target ---------------------------------------------------------


    @property
    def monitor(self) -> RenodeMonitor:
        if self._monitor is None:
            raise TargetError(f"{self.name}: not running")
        return self._monitor

    # --- Loader ---------------------------------------------------------

    def load_image(self, elf: Path) -> None:
        """The ELF runs from the next power-on."""
        self.elf = Path(elf)

    # --- Power ----------------------------------------------------------

    def command_line(self, monitor_port: int) -> list[str]:
        return command_line(self.binary, monitor_port) + list(self.extra_args)

    def power_on(self) -> None:
        if self._proc is not None:
            return
        self.starts += 1
        monitor_port, console_port = free_ports(2)
        script = self.run_dir / SCRIPT_NAME
        script.write_text(renode_script(self.board, self.elf, console_port))
        counting = None
        if self.use_counting:
            marks = self.run_dir / MARKS_NAME
            marks.write_text("")
            counting = self.run_dir / COUNTING_SCRIPT_NAME
            counting.write_text(counting_script(self.board, self.elf, marks))
        cmd = self.command_line(monitor_port)
        (self.run_dir / "renode.cmd").write_text(" ".join(cmd) + "\n")
        self._log_file = open(self.run_dir / "renode.log", "ab")
        self._log_file.write(f"--- start {self.starts}: {' '.join(cmd)}\n".encode())
        self._log_file.flush()
        self._proc = subprocess.Popen(cmd, cwd=self.run_dir, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=die_with_parent)
        try:
            alive = lambda: self._proc is not None and self._proc.poll() is None  # noqa: E731
            self._monitor = RenodeMonitor("127.0.0.1", monitor_port, self.start_timeout, alive,
                                          log=self.run_dir / "monitor.log")
            self._monitor.command(f"include @{_renode_path(script, 'the script')}", timeout=self.start_timeout)
            if counting is not None:
                self._monitor.command(f"include @{_renode_path(counting, 'the script')}")
                self.plugin_log = PluginLog(self.run_dir / MARKS_NAME)
            self._console = SerialConsole(f"socket://127.0.0.1:{console_port}", connect_timeout=10.0,
                                          still_starting=alive)
            self._memory = RenodeMemoryWriter(self._monitor, self.run_dir, self.name)
            self._monitor.command("start")
        except BaseException as exc:
            log = self.log_tail()
            self.power_off()
            if isinstance(exc, TargetError):
                raise TargetError(f"{self.name}: Renode did not start ({exc}); log:\n{log}") from None
            raise

    def power_off(self) -> None:
        if self._console is not None:
            self._console.close()
            self._console = None
        self._memory = None
        quit_sent = False
        if self._monitor is not None:
            if self._proc is not None and self._proc.poll() is None:
                self._monitor.send("quit")
                quit_sent = True
            self._monitor.close()
            self._monitor = None
        self._terminate(grace=5.0 if quit_sent else 0.0)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def hard_reset(self) -> None:
        """`machine Reset` (the reset macro loads the ELF again); a new Renode when the monitor is gone."""
        try:
            self.monitor.command("machine Reset")
        except TargetError:
            self.power_off()
            self.power_on()

    def _terminate(self, grace: float) -> None:
        """Stop Renode and everything in its process group (a `renode` wrapper
        script may run mono or dotnet under it): `grace` s to leave after
        `quit`, then SIGTERM, then SIGKILL."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not _group_alive(proc):
                break
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 3.0
            while _group_alive(proc) and time.monotonic() < deadline:
                time.sleep(0.05)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    # --- results --------------------------------------------------------

    def log_tail(self, lines: int = 20) -> str:
        path = self.run_dir / "renode.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def executed_instructions(self) -> int:
        """Renode's instruction counter now (`cpu ExecutedInstructions`)."""
        return parse_number(self.monitor.command(f"sysbus.{self.board.renode.cpu} ExecutedInstructions"))

    @property
    def counter(self) -> InstructionCounter | None:
        return self if self.use_counting else None

    def take_counts(self) -> PluginReport:
        """The marker hits since the last call."""
        if self.plugin_log is None:
            raise TargetError(f"{self.name}: started without counting (count=False)")
        return self.plugin_log.take()

    def invoke_instructions(self) -> InvokeInstructions:
        """Exact instruction counts of the last invoke (call after Link.invoke)."""
        try:
            return invoke_instructions(self.take_counts())
        except PluginError:
            raise TargetError(f"{self.name}: no marker hits for that invoke in {self.run_dir / MARKS_NAME}; "
                              f"Renode's hooks may have failed (look for 'Python runtime error' in "
                              f"{self.run_dir / 'renode.log'}); count=False measures with the on-target "
                              f"counter only") from None

