"""The Renode and pyOCD target drivers: registration, what they generate and
send, their error messages and cleanup, without Renode or a probe.  The Renode
driver against Renode itself is tests/test_renode.py; the pyOCD driver runs
against fake sessions here (no probe needed)."""
from __future__ import annotations

import re
import shutil
import sys
from dataclasses import replace

import pytest

from hil.boards import all_boards, get_board
from hil.runners import TargetError, open_target, target_names
from hil.runners import renode as renode_driver
from hil.runners.renode import (
    RENODE_ENV,
    command_line,
    counting_script,
    platform_reference,
    renode_binary,
    renode_script,
)
from hil.runners.renode_monitor import RenodeMonitor, clean_monitor_output, parse_number

HAVE_TOOLCHAIN = shutil.which("arm-none-eabi-gcc") is not None
needs_toolchain = pytest.mark.skipif(not HAVE_TOOLCHAIN, reason="needs arm-none-eabi-gcc")


def test_registry_lists_boards_with_the_tables():
    names = set(target_names())
    assert {"renode-netduinoplus2", "pyocd-netduinoplus2"} <= names
    for board in all_boards():
        assert (f"renode-{board.name}" in names) == (board.renode is not None)
        assert (f"pyocd-{board.name}" in names) == (board.pyocd is not None)
    without = [b.name for b in all_boards() if b.renode is None]
    assert without, "every board has a [renode] table now: pick another board for this check"
    with pytest.raises(TargetError, match=rf"cannot run board '{without[0]}' \(its board file has no \[renode\]"):
        open_target(f"renode-{without[0]}")


def test_board_file_names_the_renode_uart():
    spec = get_board("netduinoplus2").renode
    assert (spec.platform, spec.uart, spec.cpu) == ("stm32f4_discovery", "usart2", "cpu")


def test_unknown_options_are_named():
    with pytest.raises(TargetError, match=r"renode-netduinoplus2: unknown option\(s\) serial"):
        open_target("renode-netduinoplus2", serial="/dev/null")
    with pytest.raises(TargetError, match=r"pyocd-netduinoplus2: unknown option\(s\) plugin"):
        open_target("pyocd-netduinoplus2", plugin=True)


# --- Renode: what the driver generates ---------------------------------------

def test_renode_script_builds_the_machine_without_starting_it(tmp_path):
    board = get_board("netduinoplus2")
    elf = tmp_path / "link.elf"
    text = renode_script(board, elf, 4321)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == [
        'mach create "tinyhil-netduinoplus2"',
        "machine LoadPlatformDescription @platforms/boards/stm32f4_discovery.repl",
        "macro reset",
        '"""',
        f"    sysbus LoadELF @{elf.resolve()}",
        '"""',
        "runMacro $reset",
        'emulation CreateServerSocketTerminal 4321 "th_console" false',
        "connector Connect sysbus.usart2 th_console",
    ]
    assert "start" not in lines        # the driver starts it once the console is connected


def test_renode_platform_from_this_repository(tmp_path):
    board = get_board("netduinoplus2")
    local = replace(board, renode=replace(board.renode, platform="mps2-an386"))
    assert platform_reference(local) == f"@{renode_driver.RENODE_PLATFORMS_DIR / 'mps2-an386.repl'}"
    assert (renode_driver.RENODE_PLATFORMS_DIR / "mps2-an386.repl").is_file()
    own = replace(board, renode=replace(board.renode, platform=str(tmp_path / "x.repl")))
    assert platform_reference(own) == f"@{tmp_path / 'x.repl'}"


def test_renode_script_errors_name_the_problem(tmp_path):
    board = get_board("netduinoplus2")
    with pytest.raises(TargetError, match=r"its \[renode\] table names no console uart"):
        renode_script(replace(board, renode=replace(board.renode, uart=None)), tmp_path / "a.elf", 1)
    with pytest.raises(TargetError, match="contains a space or a quote"):
        renode_script(board, tmp_path / "with space" / "a.elf", 1)


def test_renode_command_line_is_headless_with_a_monitor_port():
    assert command_line("/opt/renode/renode", 5555) == ["/opt/renode/renode", "--disable-xwt", "--plain",
                                                        "--port", "5555"]


@needs_toolchain
def test_counting_script_hooks_every_marker(tmp_path):
    from hil.boards.firmware import build_firmware, elf_symbols
    elf = build_firmware("netduinoplus2")
    marks = tmp_path / "marks.log"
    text = counting_script(get_board("netduinoplus2"), elf, marks)
    hooks = re.findall(r'^sysbus\.cpu AddHook 0x([0-9a-f]{8}) "(.*)"$', text, re.MULTILINE)
    markers = {n[len("th_mark_"):]: a for n, (a, _) in elf_symbols(elf).items() if n.startswith("th_mark_")}
    assert {"invoke_begin", "invoke_end", "op_begin", "op_end"} <= set(markers)
    assert len(hooks) == len(markers)
    for address, code in hooks:
        marker = re.search(r"'M (\w+) '", code).group(1)
        assert markers[marker] == int(address, 16)
        compile(code, "hook", "exec")      # the hook is one line of Python (Renode runs it)
        assert f"open('{marks}', 'a')" in code and "self.ExecutedInstructions" in code


# --- Renode: the monitor -----------------------------------------------------

def test_monitor_output_is_cleaned():
    raw = b"\xff\xfd\x00\xff\xfb\x01\x1b[33m(monitor) \x1b[0mcpu Foo\r\n0x10\r\n"
    assert clean_monitor_output(raw) == "(monitor) cpu Foo\n0x10\n"
    assert parse_number("0x0001F") == 31 and parse_number("31") == 31 and parse_number("0x1F (31)") == 31
    with pytest.raises(TargetError, match="expected a number"):
        parse_number("nothing")


def _recv_exactly(conn, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_monitor_client_frames_as_renode_does():
    """Bytes as Renode 1.15.3's telnet monitor sends them: negotiation, then it
    drops the client's first 9 bytes, a banner and a prompt; a reply is the echo
    (which a line editor may redraw: its numbers are not the reply's), "\\n\\r",
    the output and one prompt.  The client's first 9 bytes must be negotiation
    and each command one line ended by "\\n" alone ("\\r\\n" would be two)."""
    import socket
    import threading
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = {}

    def serve():
        conn, _ = server.accept()
        conn.sendall(b"\xff\xfd\x00\xff\xfb\x01\xff\xfb\x03\xff\xfc\x22")
        received["discarded"] = _recv_exactly(conn, 9)
        conn.sendall(b"Renode, version 1.15.3\n\r\n\r(monitor) ")
        received["command"] = _recv_exactly(conn, len(b"sysbus ReadDoubleWord 0x20001000\n"))
        conn.sendall(b"sysbus Read\x1b[2K\r(monitor) sysbus ReadDoubleWord 0x20001000\n\r0x000000FF\r\r\n(monitor) ")
        received["rest"] = conn.recv(1024)
        conn.close()
    threading.Thread(target=serve, daemon=True).start()
    monitor = RenodeMonitor("127.0.0.1", server.getsockname()[1], 5)
    try:
        assert monitor.prompt == "monitor"
        assert parse_number(monitor.command("sysbus ReadDoubleWord 0x20001000")) == 0xFF
    finally:
        monitor.close()
        server.close()
    assert received["discarded"] == b"\xff\xfb\x00\xff\xfd\x01\xff\xfd\x03"
    assert received["command"] == b"sysbus ReadDoubleWord 0x20001000\n"


def test_renode_missing_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(RENODE_ENV, str(tmp_path / "no-renode-here"))
    assert renode_binary() is None
    with pytest.raises(TargetError) as err:
        open_target("renode-netduinoplus2", elf=tmp_path / "x.elf")
    assert str(err.value) == (f"${RENODE_ENV}={str(tmp_path / 'no-renode-here')!r} is not an executable "
                              f"Renode (unset it to look on PATH and in the cache)")


def test_renode_start_failure_names_renode_and_cleans_up(tmp_path, monkeypatch):
    exe = tmp_path / "renode"
    exe.write_text("#!/bin/sh\necho 'renode: cannot start: no runtime' >&2\nexit 3\n")
    exe.chmod(0o755)
    monkeypatch.setenv(RENODE_ENV, str(exe))
    with pytest.raises(TargetError, match=r"(?s)renode-netduinoplus2: Renode did not start .*no runtime"):
        open_target("renode-netduinoplus2", elf=tmp_path / "x.elf", count=False, run_dir=tmp_path / "run",
                    start_timeout=5)


# --- pyOCD ---------------------------------------------------------------------

def test_pyocd_without_a_probe_is_one_clear_error():
    pytest.importorskip("pyocd")
    from pyocd.core.helpers import ConnectHelper
    if ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False):
        pytest.skip("a debug probe is connected here")
    with pytest.raises(TargetError) as err:
        open_target("pyocd-netduinoplus2")
    assert str(err.value).startswith("pyocd-netduinoplus2: no debug probe found;")
    with pytest.raises(TargetError, match=r"no debug probe found whose unique id contains 'ABC123' "
                                          r"\(TINYHIL_PYOCD_PROBE\)"):
        open_target("pyocd-netduinoplus2", probe="ABC123")


def test_pyocd_missing_names_the_extra(monkeypatch):
    for name in ("pyocd", "pyocd.core.helpers"):
        monkeypatch.setitem(sys.modules, name, None)        # as if not installed
    with pytest.raises(TargetError, match=r"needs pyOCD, which is not installed: pip install 'tinyhil\[hw\]'"):
        open_target("pyocd-netduinoplus2")


class FakeRegion:
    def __init__(self, start, length, kind):
        self.start, self.end = start, start + length - 1      # pyOCD: inclusive end
        self.is_flash, self.is_ram = kind == "flash", kind == "ram"


class FakeMemoryMap:
    def __init__(self, *regions):
        self.regions = regions

    def get_region_for_address(self, address):
        return next((r for r in self.regions if r.start <= address <= r.end), None)


class FakeTarget:
    def __init__(self, board, memory_map=None):
        self.memory_map = memory_map
        self.ram = bytearray(board.ram.size)
        self.ram_origin = board.ram.origin
        self.registers = {"pc": 0x08000123, "msp": 0x20001000, "r0": 7}
        self.calls: list = []
        self.halted = False

    def write_memory_block8(self, address, data):
        self.calls.append(("write", address, len(data)))
        off = address - self.ram_origin
        self.ram[off:off + len(data)] = bytes(data)

    def read_memory_block8(self, address, size):
        off = address - self.ram_origin
        return list(self.ram[off:off + size])

    def read_core_registers_raw(self, names):
        if names[0].startswith("s"):
            raise KeyError(names[0])                        # a core without an FPU
        return [self.registers.get(n, 0) for n in names]

    def write_core_registers_raw(self, names, values):
        self.calls.append(("registers", len(names)))
        self.registers.update(zip(names, values))

    def halt(self):
        self.calls.append("halt")
        self.halted = True

    def resume(self):
        self.calls.append("resume")
        self.halted = False

    def reset_and_halt(self):
        self.calls.append("reset_and_halt")

    def reset(self):
        self.calls.append("reset")

    def read32(self, address):
        # What an STM32F407's debug port answers to the driver's identity check.
        return {0xE000ED00: 0x410FC241, 0xE0042000: 0x10076413}[address]


class FakeAlgo:
    def __init__(self):
        self.cleaned = False

    def cleanup(self):
        self.cleaned = True


class FakeSession:
    def __init__(self, board, memory_map=None):
        self.target = FakeTarget(board, memory_map)
        self.context_state = type("State", (), {"current_flash_algo": None})()
        self.entered = self.exited = 0

    def __enter__(self):
        self.entered += 1
        return self

    def __exit__(self, *exc):
        self.exited += 1
        return False


class FakeLoader:
    """A MemoryLoader that, like a real flash algorithm, tramples RAM and the core registers."""

    def __init__(self, session, flash: dict):
        self.session, self.flash = session, flash

    def add_data(self, address, data):
        assert self.session.target.halted, "flash is programmed with the core halted"
        self.flash[address] = bytes(data)

    def commit(self):
        target = self.session.target
        target.ram[:4096] = b"\xAA" * 4096                   # the algorithm, its stack and buffers
        target.registers.update(pc=0x20000001, msp=0x20000800, r0=0)
        self.session.context_state.current_flash_algo = self.algo = FakeAlgo()


def _writer(board, memory_map=None):
    from hil.runners.pyocd_memory import PyocdMemoryWriter
    session = FakeSession(board, memory_map)
    flash: dict = {}
    loaders: list = []

    def factory(s):
        loaders.append(FakeLoader(s, flash))
        return loaders[-1]
    return PyocdMemoryWriter(session, board, loader_factory=factory), session, flash, loaders


def test_pyocd_ram_writes_go_over_the_debug_port_while_running():
    board = get_board("netduinoplus2")
    writer, session, flash, _ = _writer(board)
    writer.write_memory(board.ram.origin + 0x100, b"\x01\x02\x03")
    assert session.target.calls == [("write", board.ram.origin + 0x100, 3)]
    assert session.target.ram[0x100:0x103] == b"\x01\x02\x03" and not flash


def test_pyocd_flash_writes_restore_ram_and_registers():
    board = get_board("netduinoplus2")
    writer, session, flash, loaders = _writer(board)
    target = session.target
    target.ram[:] = bytes(i & 0xFF for i in range(len(target.ram)))
    before_ram, before_regs = bytes(target.ram), dict(target.registers)
    plan_slot = board.plan.origin if board.plan else board.code.origin + 0x80000
    writer.write_memory(plan_slot, b"PLAN" * 100)
    assert flash == {plan_slot: b"PLAN" * 100}
    assert loaders[0].algo.cleaned                           # the algorithm is unloaded before RAM goes back
    assert bytes(target.ram) == before_ram
    assert {k: target.registers[k] for k in before_regs} == before_regs
    assert target.calls[0] == "halt" and target.calls[-1] == "resume" and not target.halted


def test_pyocd_routing_follows_the_memory_map_and_splits():
    board = get_board("netduinoplus2")
    from hil.runners.pyocd_memory import PyocdMemoryWriter
    mm = FakeMemoryMap(FakeRegion(0x08000000, 0x100000, "flash"), FakeRegion(0x08100000, 0x1000, "ram"),
                       FakeRegion(0x40000000, 0x1000, "device"))
    writer = PyocdMemoryWriter(FakeSession(board, mm), board)
    assert writer.route(0x080FFFF0, 0x20) == [("flash", 0x080FFFF0, 0x10), ("ram", 0x08100000, 0x10)]
    assert writer.route(0x20000000, 16) == [("ram", 0x20000000, 16)]    # not in the map: the board file
    with pytest.raises(TargetError, match=r"0x40000000 is neither RAM nor flash of netduinoplus2"):
        writer.route(0x40000000, 4)
    with pytest.raises(TargetError, match=r"cannot write 32 B at 0x2001fff0: 0x20020000 is neither"):
        PyocdMemoryWriter(FakeSession(board), board).route(board.ram.end - 16, 32)


def test_pyocd_options_and_environment(monkeypatch, tmp_path):
    from hil.runners.pyocd import PyocdTarget
    board = get_board("netduinoplus2")
    monkeypatch.setenv("TINYHIL_PYOCD_PROBE", "0669FF")
    monkeypatch.setenv("TINYHIL_PYOCD_SERIAL", "/dev/ttyACM7")
    t = PyocdTarget(board, start=False, run_dir=tmp_path)
    assert (t.probe, t.serial, t.baud, t.pyocd_target) == ("0669FF", "/dev/ttyACM7", 115200, "stm32f407vgtx")
    assert t.session_options() == {"target_override": "stm32f407vgtx"}
    t = PyocdTarget(board, start=False, run_dir=tmp_path, probe="X1", serial="/dev/ttyUSB0", baud=921600,
                    frequency=4_000_000, pyocd_target="stm32f405rg")
    assert (t.probe, t.serial, t.baud) == ("X1", "/dev/ttyUSB0", 921600)
    assert t.session_options() == {"target_override": "stm32f405rg", "frequency": 4_000_000}
    monkeypatch.delenv("TINYHIL_PYOCD_SERIAL")
    with pytest.raises(TargetError, match=r"console serial device is not set: TINYHIL_PYOCD_SERIAL=/dev/ttyACM0"):
        PyocdTarget(board, session=FakeSession(board), flash=False, run_dir=tmp_path)


def test_pyocd_target_with_a_fake_session(tmp_path):
    from hil.runners.pyocd import PyocdTarget
    from hil.runners.pyocd_memory import PyocdMemoryWriter
    board = get_board("netduinoplus2")
    session = FakeSession(board)
    with PyocdTarget(board, session=session, serial="loop://", flash=False, run_dir=tmp_path) as t:
        assert session.entered == 1 and session.target.calls == ["reset_and_halt", "resume"]
        t.console.write(b"hello")                      # loop:// hands writes back
        assert t.console.read(5, 1.0) == b"hello"
        assert isinstance(t.memory, PyocdMemoryWriter)
        t.power.hard_reset()
        assert session.target.calls[-2:] == ["reset_and_halt", "resume"]
        assert t.counter is None       # cycles from the link only: no instruction counter
    assert session.exited == 1 and t.memory is None
    with pytest.raises(TargetError, match="not running"):
        t.console


def test_pyocd_unknown_target_says_how_to_add_it(tmp_path):
    pytest.importorskip("pyocd")
    from pyocd.core.exceptions import TargetSupportError

    from hil.runners.pyocd import PyocdTarget
    board = get_board("netduinoplus2")

    class Unsupported(FakeSession):
        def __enter__(self):
            raise TargetSupportError("Target type 'stm32f407vg' not recognized.")
    with pytest.raises(TargetError, match=r"connecting to stm32f407vgtx failed: Target type 'stm32f407vg' not "
                                          r"recognized\. \(is the target known to pyOCD\?  `pyocd pack install "
                                          r"stm32f407vgtx`"):
        PyocdTarget(board, session=Unsupported(board), serial="loop://", flash=False, run_dir=tmp_path)
