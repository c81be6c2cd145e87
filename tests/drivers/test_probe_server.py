"""The probe server against unmodified pyOCD: its commander over the remote
probe protocol, and pyOCD's own Python API on the emulated Cortex-M4."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_emulator, process_alive

pyocd = pytest.importorskip("pyocd", reason="pyOCD is not installed (pip install 'tinyhil[hw]')")

from hil.boards import get_board  # noqa: E402
from hil.probe_server import ProbeServer  # noqa: E402

pytestmark = needs_emulator
PYOCD = str(Path(sys.executable).with_name("pyocd"))
BOARD = get_board("netduinoplus2")


def elf_vectors(elf: Path) -> tuple[int, int]:
    """Initial SP and reset vector from the image's vector table."""
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_paddr"] == BOARD.code.origin:
                data = seg.data()
                return int.from_bytes(data[0:4], "little"), int.from_bytes(data[4:8], "little")
    raise AssertionError(f"{elf}: no segment at 0x{BOARD.code.origin:08x}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path_factory.mktemp("probe")) as s:
        yield s


def commander(server: ProbeServer, *commands: str, timeout: float = 60) -> str:
    args = [PYOCD, "commander", "-u", server.url, "-t", "cortex_m"]
    for c in commands:
        args += ["-c", c]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_commander_reads_memory_halts_resets_and_resumes(server):
    sp, reset_vector = elf_vectors(server.elf)
    out = commander(server, "status", "read32 0x08000000 8", "halt", "reg pc", "reset halt", "reg pc",
                    "go", "status", "read32 0xE0042000", "read32 0xE000ED00")
    lines = out.splitlines()
    assert any(re.search(r"Core 0.*Running", line) for line in lines[:2]), out
    assert f"08000000:  {sp:08x} {reset_vector:08x}" in out
    assert "Successfully halted device" in out
    assert "Successfully halted device on reset" in out
    # After the reset the core waits on the first instruction of its reset handler.
    pcs = re.findall(r"pc = 0x([0-9a-f]{8})", out)
    assert len(pcs) == 2 and int(pcs[1], 16) == reset_vector & ~1, out
    assert "Successfully resumed device" in out
    assert re.search(r"Core 0.*Running", out.split("Successfully resumed device")[1]), out
    assert f"e0042000:  {BOARD.pyocd.idcode:08x}" in out
    assert "e000ed00:  410fc241" in out


def test_commander_steps_one_instruction(server):
    out = commander(server, "reset halt", "reg pc", "step", "reg pc", "go")
    pcs = [int(p, 16) for p in re.findall(r"pc = 0x([0-9a-f]{8})", out)]
    assert len(pcs) >= 2 and pcs[-1] != pcs[0] and 0 < pcs[-1] - pcs[0] <= 4, out


def test_pyocd_api_sees_the_cortex_m4_and_the_instruction_counter(server):
    """pyOCD's discovery finds the AHB-AP, the ROM table and its SCS, DWT and
    FPB; DWT CYCCNT counts the instructions executed between two reads."""
    from pyocd.core.helpers import ConnectHelper
    with ConnectHelper.session_with_chosen_probe(unique_id=server.url, target_override="cortex_m",
                                                 options={"connect_mode": "attach"}) as session:
        target = session.target
        core = target.cores[0]
        assert core.architecture.name == "ARMv7M"
        assert core.has_fpu
        assert core.fpb is not None and core.fpb.nb_code == 6
        rom = target.aps[0].rom_table
        parts = sorted(c.factory.__name__ if c.factory else str(c.part) for c in rom.components)
        assert len(rom.components) == 3, parts
        # CYCCNT: enable, run a known number of steps, compare.
        target.halt()
        target.write32(0xE000EDFC, target.read32(0xE000EDFC) | (1 << 24))   # DEMCR.TRCENA
        target.write32(0xE0001004, 0)
        target.write32(0xE0001000, 1)                                      # CYCCNTENA
        before = target.read32(0xE0001004)
        for _ in range(5):
            target.step()
        after = target.read32(0xE0001004)
        assert after - before == 5, (before, after)
        target.resume()


def test_memory_read_while_running_does_not_stop_the_board(server):
    from pyocd.core.helpers import ConnectHelper
    with ConnectHelper.session_with_chosen_probe(unique_id=server.url, target_override="cortex_m",
                                                 options={"connect_mode": "attach"}) as session:
        target = session.target
        target.resume()
        words = target.read_memory_block32(BOARD.code.origin, 2)
        assert words == list(elf_vectors(server.elf))
        assert target.get_state() == target.State.RUNNING


def test_unknown_request_and_bad_json_get_error_replies(server):
    host, port = server.url.split(":")[1:]
    with socket.create_connection((host, int(port)), timeout=5) as s:
        f = s.makefile("rwb")
        for line in (b"not json\n", b'{"id": 7, "request": "frobnicate"}\n', b'{"id": 8, "request": "hello", "arguments": [1]}\n'):
            f.write(line)
            f.flush()
        replies = [json.loads(f.readline()) for _ in range(3)]
    assert replies[0]["status"] != 0
    assert replies[1] == {"id": 7, "status": 1, "error": "unknown request type 'frobnicate'"}
    assert replies[2] == {"id": 8, "status": 0}


def test_no_qemu_outlives_the_server(tmp_path):
    server = ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path).start()
    pid = server.qemu_pid
    assert process_alive(pid)
    server.stop()
    assert not process_alive(pid)


def test_commander_through_ap_registers_only(tmp_path):
    """Without a memory interface from the probe, pyOCD drives the AHB-AP's
    CSW, TAR and DRW itself (as over CMSIS-DAP): the same answers."""
    sp, reset_vector = elf_vectors(build_link_elf())
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path, memory_interface=False) as s:
        out = commander(s, "read32 0x08000000 8", "read8 0x08000001 2", "write32 0x20010000 0x12345678",
                        "read16 0x20010002", "reset halt", "reg pc", "go")
        counts = dict(s.request_counts)
    assert not any(name.startswith(("read_mem", "write_mem", "read_block", "write_block")) for name in counts), counts
    assert counts.get("read_ap", 0) > 10 and counts.get("write_ap", 0) > 10, counts
    assert f"08000000:  {sp:08x} {reset_vector:08x}" in out
    assert f"08000001:  {(sp >> 8) & 0xFF:02x} {(sp >> 16) & 0xFF:02x}" in out
    assert "20010002:  1234" in out
    assert int(re.findall(r"pc = 0x([0-9a-f]{8})", out)[-1], 16) == reset_vector & ~1, out


def build_link_elf():
    from hil.boards.firmware import build_firmware
    return build_firmware(BOARD, "link")


def test_block_transfers_through_ap_registers_cross_tar_pages(tmp_path):
    """pyOCD knows the Cortex-M4 AHB-AP's TAR auto-increments across 4 KiB:
    a long block written through DRW must land where a plain read finds it."""
    from pyocd.core.helpers import ConnectHelper
    data = bytes((i * 7 + 3) & 0xFF for i in range(9000))
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path, memory_interface=False) as s:
        with ConnectHelper.session_with_chosen_probe(unique_id=s.url, target_override="cortex_m",
                                                     options={"connect_mode": "attach"}) as session:
            target = session.target
            target.halt()
            target.write_memory_block8(0x20010003, list(data))
            assert bytes(target.read_memory_block8(0x20010003, len(data))) == data
            target.resume()
        assert s.model.read_block(0x20010003, len(data)) == data
