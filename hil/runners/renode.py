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

Where Renode is: find_renode().  Nothing here imports Renode or needs its
Robot environment; the monitor client is renode_monitor.py."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from ..boards import Board
from ..boards.firmware import elf_symbols
from ..paths import REPO_ROOT, cache_dir
from .base import InstructionCounter, TargetError
from .registry import OptionInfo, register_driver
from .console import SerialConsole
from .process import ProcessTarget, default_run_dir, die_with_parent, free_ports
from .renode_monitor import RenodeMonitor, parse_number
from .marks import MARKER_PREFIX, InvokeInstructions, MarkError, MarkLog, MarkReport, invoke_instructions

RENODE_ENV = "TINYHIL_RENODE"
# A Renode build shipped beside the checkout (read-only); scripts/setup.sh
# unpacks it into the cache as <cache>/renode/<first 16 hex of its SHA-256>/renode/.
SHARED_RENODE_DIR = REPO_ROOT.parent / "shared" / "renode"
NOT_INSTALLED = (f"Renode is not installed (no ${RENODE_ENV}, no renode on PATH, no Renode unpacked from "
                 f"{SHARED_RENODE_DIR} by scripts/setup.sh)")
RENODE_PLATFORMS_DIR = REPO_ROOT / "renode_platforms"
CONSOLE_TERMINAL = "th_console"
SCRIPT_NAME = "renode.resc"
COUNTING_SCRIPT_NAME = "counting.resc"
MARKS_NAME = "marks.log"


def unpacked_shared_renode() -> Path | None:
    """The launcher of the ../shared/renode build as scripts/setup.sh unpacked
    it (only a complete unpack is marked .unpacked), or None."""
    sums = SHARED_RENODE_DIR / "SHA256SUMS"
    try:
        lines = sums.read_text().splitlines()
    except OSError:
        return None
    sha = next((ln.split()[0] for ln in lines if ln.split()[1:] == ["renode.tar.xz"]), None)
    if sha is None:
        return None
    folder = cache_dir() / "renode" / sha[:16]
    launcher = folder / "renode" / "renode"
    if (folder / ".unpacked").is_file() and os.access(launcher, os.X_OK):
        return launcher
    return None


def find_renode() -> tuple[str, str] | None:
    """Where Renode is, and how it was found, in this order: $TINYHIL_RENODE
    (a path or a command name; when set, nothing else is tried), `renode` on
    PATH, the build from ../shared/renode unpacked by scripts/setup.sh."""
    chosen = os.environ.get(RENODE_ENV)
    if chosen:
        found = shutil.which(chosen)
        return (found, f"${RENODE_ENV}") if found else None
    on_path = shutil.which("renode")
    if on_path:
        return on_path, "PATH"
    shared = unpacked_shared_renode()
    if shared is not None:
        return str(shared), f"unpacked from {SHARED_RENODE_DIR}"
    return None


def not_found_reason() -> str:
    """Why find_renode() found nothing, in one line."""
    chosen = os.environ.get(RENODE_ENV)
    if chosen:
        return f"${RENODE_ENV}={chosen!r} is not an executable Renode (unset it to look on PATH and in the cache)"
    return NOT_INSTALLED


def renode_binary() -> str | None:
    """The Renode executable (see find_renode), or None."""
    found = find_renode()
    return found[0] if found else None


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


class RenodeConsole(SerialConsole):
    """The console terminal; when it fails because Renode is gone, the error says so."""

    def __init__(self, url: str, target: "RenodeTarget", **kwargs):
        super().__init__(url, **kwargs)
        self._target = target

    def _why(self, exc: TargetError) -> TargetError:
        # A dying Renode closes the socket before it can be reaped: give it a moment to finish dying.
        gone = self._target.exit_status(wait=2.0)
        return TargetError(f"{exc} ({gone})") if gone else exc

    def write(self, data: bytes) -> None:
        try:
            super().write(data)
        except TargetError as exc:
            raise self._why(exc) from None

    def read(self, max_bytes: int, timeout: float) -> bytes:
        try:
            return super().read(max_bytes, timeout)
        except TargetError as exc:
            raise self._why(exc) from None


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
            raise TargetError(not_found_reason())
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
        self.marks: MarkLog | None = None     # the marker hooks' log (hil.runners.marks)
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
                self.marks = MarkLog(self.run_dir / MARKS_NAME)
            self._console = RenodeConsole(f"socket://127.0.0.1:{console_port}", self, connect_timeout=10.0,
                                          still_starting=alive)
            self._memory = RenodeMemoryWriter(self._monitor, self.run_dir, self.name)
            self._monitor.command("start")
        except BaseException as exc:
            last = self.log_tail(1).strip()
            self.power_off()
            if isinstance(exc, TargetError):
                raise TargetError(f"{self.name}: Renode did not start ({exc})"
                                  + (f"; its log ends {last!r}" if last else "")
                                  + f"; see {self.run_dir / 'renode.log'}") from None
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

    def exit_status(self, wait: float = 0.0) -> str | None:
        """How Renode ended ("Renode exited with status 1", "... was killed by SIGKILL"),
        or None while it runs (after waiting up to `wait` s for it to end)."""
        proc = self._proc
        if proc is None:
            return None
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None
        code = proc.returncode
        if code < 0:
            return f"Renode (pid {proc.pid}) was killed by {signal.Signals(-code).name}"
        return f"Renode (pid {proc.pid}) exited with status {code}"

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

    def take_counts(self) -> MarkReport:
        """The marker hits since the last call."""
        if self.marks is None:
            raise TargetError(f"{self.name}: started without counting (count=False)")
        return self.marks.take()

    def invoke_instructions(self) -> InvokeInstructions:
        """Exact instruction counts of the last invoke (call after Link.invoke)."""
        try:
            return invoke_instructions(self.take_counts())
        except MarkError:
            raise TargetError(f"{self.name}: no marker hits for that invoke in {self.run_dir / MARKS_NAME}; "
                              f"Renode's hooks may have failed (look for 'Python runtime error' in "
                              f"{self.run_dir / 'renode.log'}); count=False measures with the on-target "
                              f"counter only") from None

