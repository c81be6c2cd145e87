"""The Renode driver without Renode: the scripts and command line it generates, its
monitor client framing replayed byte for byte, and its errors.  The driver against
Renode itself is test_renode.py."""
from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest

from hil.boards import get_board
from hil.runners import TargetError, open_target
from hil.runners import renode as renode_driver
from hil.runners.renode import (
    RENODE_ENV,
    command_line,
    counting_script,
    platform_reference,
    renode_script,
)
from hil.runners.renode_monitor import RenodeMonitor, clean_monitor_output, parse_number

HAVE_TOOLCHAIN = shutil.which("arm-none-eabi-gcc") is not None
needs_toolchain = pytest.mark.skipif(not HAVE_TOOLCHAIN, reason="needs arm-none-eabi-gcc")


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



def test_renode_start_failure_names_renode_and_cleans_up(tmp_path, monkeypatch):
    exe = tmp_path / "renode"
    exe.write_text("#!/bin/sh\necho 'renode: cannot start: no runtime' >&2\nexit 3\n")
    exe.chmod(0o755)
    monkeypatch.setenv(RENODE_ENV, str(exe))
    with pytest.raises(TargetError, match=r"(?s)renode-netduinoplus2: Renode did not start .*no runtime"):
        open_target("renode-netduinoplus2", elf=tmp_path / "x.elf", count=False, run_dir=tmp_path / "run",
                    start_timeout=5)
