"""The firmware on emulated boards: build, boot, faults, the link protocol,
the engine, exact counts, and cleanup of the emulator in every case."""
from __future__ import annotations

import os
import random
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from hil.boards import get_board
from hil.boards.firmware import build_firmware, firmware_manifest, size_report
from hil.link.garbage import link_garbage, send_garbage
from hil.link import (
    BoardFault,
    BoardReportedError,
    ConnectionLost,
    Link,
    LinkError,
    LinkTimeout,
    PlanTooBig,
    UnexpectedReset,
)
from hil.link.protocol import crc8, load_protocol
from hil.runners import open_target
from hil.runners.qemu import QemuTarget
from tests.conftest import needs_emulator, process_alive

BOARDS = ["netduinoplus2", "mps2-an386", "mps3-an547"]

pytestmark = needs_emulator



def _read_until(target: QemuTarget, needle: bytes, timeout: float = 10.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        data += target.console.read(4096, 0.1)
    assert needle in data, f"{target.name}: waited for {needle!r}, got {data!r}"
    return data


# --- build -------------------------------------------------------------------

@pytest.mark.parametrize("board", BOARDS)
def test_build_is_cached_and_reports_sizes(board, capsys):
    elf = build_firmware(board)
    built_at = elf.stat().st_mtime_ns
    capsys.readouterr()
    assert build_firmware(board) == elf
    # A cache hit only hashes the sources: no build starts and the image is not rewritten.
    assert "[firmware] building" not in capsys.readouterr().err
    assert elf.stat().st_mtime_ns == built_at
    manifest = firmware_manifest(elf)
    assert manifest["board"] == board and len(manifest["build_id"]) == 16
    # Every image links the engine (an empty source list in firmware/CMakeLists.txt would drop it).
    assert manifest["engine_present"], f"the {board} firmware was built without the engine"
    report = size_report(elf)
    assert report.sections[".text"] > 1000
    assert report.total("text") == pytest.approx(report.sections[".text"], rel=0.05)
    assert report.by_owner["engine"]["text"] > 1000
    assert "engine" in report.format() and "total" in report.format()
    b = get_board(board)
    ram_used = report.sections[".stack"] + report.sections.get(".data", 0) + report.sections[".bss"]
    assert ram_used < b.ram.size // 2


@pytest.mark.slow
def test_build_is_reproducible(tmp_path):
    """The same sources and flags give the same ELF, wherever they are built."""
    env = dict(os.environ)
    elves = []
    for i in range(2):
        env["TINYHIL_CACHE"] = str(tmp_path / ("cache" if i == 0 else "another/cache"))
        code = "import sys; from hil.boards.firmware import build_firmware; print(build_firmware('netduinoplus2'))"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        elves.append(Path(out.stdout.strip()))
    assert elves[0] != elves[1]
    assert elves[0].read_bytes() == elves[1].read_bytes()


# --- boot and faults ---------------------------------------------------------

@pytest.mark.parametrize("board", BOARDS)
def test_boots_prints_and_exits(board):
    with QemuTarget(get_board(board), elf=build_firmware(board, "hello"), plugin=False, gdb=False) as t:
        line = _read_until(t, b"\n")
        assert f"tinyhil hello board={board}".encode() in line
        assert t.wait_exit(10) == 0


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("trigger, exit_name", [(b"b", "BUS_FAULT"), (b"u", "USAGE_FAULT"),
                                                (b"s", "STACK_OVERFLOW")])
def test_faults_are_reported_then_exit_with_their_code(board, trigger, exit_name):
    p = load_protocol()
    with QemuTarget(get_board(board), elf=build_firmware(board, "fault_check"), plugin=False, gdb=False) as t:
        _read_until(t, b"ready\n")
        t.console.write(trigger)
        link = Link(t.console, t.name)
        with pytest.raises(BoardFault, match=exit_name) as info:
            link.wait_event("BOOT", timeout=10)   # the FAULT event comes instead
        assert info.value.fault["exit_code"] == p.exits[exit_name]
        assert f"{t.name}: CPU fault" in str(info.value)
        assert t.wait_exit(10) == p.exits[exit_name]


# --- the link protocol -------------------------------------------------------

@pytest.fixture(scope="module", params=BOARDS)
def board_link(request):
    with open_target(f"qemu-{request.param}") as t:
        yield t, Link.connect(t)


def test_info_names_board_and_build(board_link):
    t, link = board_link
    info = link.info()
    assert info.board == t.board.name
    assert info.build_id == firmware_manifest(t.elf)["build_id"]
    assert info.protocol_version == load_protocol().version
    assert info.counter_index is not None           # a counter was found ticking
    assert info.pool_address >= t.board.ram.origin
    assert info.pool_address + info.pool_bytes == t.board.ram.end
    assert (info.flash_slot_address, info.flash_slot_bytes) == (t.board.plan.origin, t.board.plan.size)
    assert link.boot.board == t.board.name


def test_ping_round_trips_any_payload(board_link):
    _, link = board_link
    rng = random.Random(5)
    for size in (0, 1, 2, 100, 1023, 1024):
        data = rng.randbytes(size)
        assert link.ping(data) == data
    # Back-to-back round trips each get their own echo (how fast they are is a benchmark's business).
    payloads = [i.to_bytes(4, "little") for i in range(20)]
    assert [link.ping(data) for data in payloads] == payloads


def test_memory_figures(board_link):
    t, link = board_link
    m = link.memory_figures()
    assert m["ram_bytes"] == t.board.ram.size
    assert m["code_region_bytes"] == t.board.image_code.size       # code memory below the plan region
    assert m["code_region_bytes"] + m["flash_slot_bytes"] == t.board.code.size
    assert m["stack_bytes"] == t.board.firmware.stack_bytes
    assert 0 < m["stack_high_water"] < m["stack_bytes"]
    assert 0 < m["code_used_bytes"] < m["code_region_bytes"]


def test_command_errors(board_link):
    _, link = board_link
    with pytest.raises(BoardReportedError, match="UNKNOWN_COMMAND"):
        link.p.commands["BOGUS"] = 0x3E
        try:
            link.request("BOGUS")
        finally:
            del link.p.commands["BOGUS"]
    with pytest.raises(BoardReportedError, match="BAD_LENGTH") as info:
        link.request("INVOKE", b"\x00")
    assert info.value.detail == 4
    with pytest.raises(BoardReportedError, match="NO_TRANSFER"):
        link.request("LOAD_CHUNK", struct.pack("<I", 0) + b"x")
    assert link.ping(b"still here") == b"still here"


def test_plan_transfer_errors(board_link):
    t, link = board_link
    p = link.p
    pool = link.info().pool_bytes
    with pytest.raises(BoardReportedError, match="PLAN_TOO_BIG") as info:
        link.request("LOAD_BEGIN", p.layouts["LOAD_BEGIN"].pack(total_bytes=pool + 1, crc32=0))
    assert info.value.detail == pool
    # A hand-made plan whose header is sound but whose CRC is not.
    from hil.compiler.plan_format import plan_format
    fmt = plan_format()
    blob = bytearray(256)
    blob[:fmt.header.size] = fmt.header.pack(**{**{f: 0 for f in fmt.header.fields}, "magic": fmt.magic,
                                               "version_major": fmt.version[0], "version_minor": fmt.version[1],
                                               "total_size": 256, "crc32": 0x12345678, "arena_bytes": 64})
    blob = bytes(blob)
    begin = p.layouts["LOAD_BEGIN"]
    # The transfer itself damaged: LOAD_BEGIN's CRC does not match what arrived.
    link.request("LOAD_BEGIN", begin.pack(total_bytes=len(blob), crc32=zlib.crc32(blob) ^ 1))
    link.request("LOAD_CHUNK", p.layouts["CHUNK"].pack(offset=0) + blob)
    with pytest.raises(BoardReportedError, match="TRANSFER_CRC") as info:
        link.request("LOAD_END")
    assert info.value.detail == zlib.crc32(blob)
    # Transferred intact: the engine itself rejects the plan's CRC.
    with pytest.raises(BoardReportedError) as info:
        link.load_plan(blob, bulk=False)
    assert link.info().engine_present, f"{t.name}: the firmware was built without the engine"
    assert info.value.code == "ENGINE" and "TH_ERR_CRC" in str(info.value)
    with pytest.raises(BoardReportedError, match="NOT_LOADED"):
        link.invoke()


def _fake_plan(size: int, arena_bytes: int = 64, num_ops: int = 0) -> bytes:
    """A plan header (sound enough to read) padded to `size` bytes; its CRC is wrong."""
    from hil.compiler.plan_format import plan_format
    fmt = plan_format()
    head = fmt.header.pack(**{**{f: 0 for f in fmt.header.fields}, "magic": fmt.magic,
                              "version_major": fmt.version[0], "version_minor": fmt.version[1],
                              "total_size": size, "crc32": 0x12345678, "arena_bytes": arena_bytes,
                              "num_ops": num_ops})
    return head + bytes(size - len(head))


def test_chunks_into_the_flash_slot_are_refused(board_link):
    t, link = board_link
    p = link.p
    begin = p.layouts["LOAD_BEGIN"]
    flash = p.slots["FLASH"]
    reply = p.layouts["LOAD_BEGIN_REPLY"].unpack(
        link.request("LOAD_BEGIN", begin.pack(total_bytes=256, crc32=0, slot=flash)))
    assert (reply.slot_address, reply.slot_bytes) == (t.board.plan.origin, t.board.plan.size)
    with pytest.raises(BoardReportedError, match="SLOT_READ_ONLY.*no flash driver") as info:
        link.request("LOAD_CHUNK", p.layouts["CHUNK"].pack(offset=0) + bytes(16))
    assert info.value.detail == t.board.plan.origin
    # Too big for the flash slot; a slot the protocol does not know.
    with pytest.raises(BoardReportedError, match="PLAN_TOO_BIG") as info:
        link.request("LOAD_BEGIN", begin.pack(total_bytes=t.board.plan.size + 1, crc32=0, slot=flash))
    assert info.value.detail == t.board.plan.size
    with pytest.raises(BoardReportedError, match="NO_SLOT"):
        link.request("LOAD_BEGIN", begin.pack(total_bytes=256, crc32=0, slot=7))
    # The host does not even try to chunk a plan into flash.
    with pytest.raises(LinkError, match="FLASH slot: only a debugger"):
        link.load_plan(_fake_plan(256), bulk=False, slot="FLASH")
    assert link.ping(b"still here") == b"still here"


def test_plan_too_big_for_both_slots(board_link):
    t, link = board_link
    info = link.info()
    plan_region, pool = t.board.plan.size, info.pool_bytes
    blob = _fake_plan(max(plan_region, pool) + 16)
    with pytest.raises(PlanTooBig) as exc:
        link.load_plan(blob)
    message = str(exc.value)
    assert exc.value.code == "PLAN_TOO_BIG" and exc.value.plan_bytes == len(blob)
    assert exc.value.capacities == {"RAM": pool, "FLASH": plan_region}
    assert f"{t.name}: the plan ({len(blob):,} B" in message and "does not fit any plan slot" in message
    assert f"flash slot: {plan_region:,} B" in message and f"{pool:,} B RAM pool" in message
    # Fits the flash slot, but its arena does not fit the RAM pool (nor do both in RAM).
    with pytest.raises(PlanTooBig, match=f"arena {pool + 16:,} B"):
        link.load_plan(_fake_plan(1024, arena_bytes=pool + 16))
    # Nothing was sent: the board is idle and fine.
    assert link.memory_figures()["plan_loaded"] == 0
    assert link.ping(b"after") == b"after"


def test_partial_frame_times_out_and_board_recovers(board_link):
    t, link = board_link
    p = link.p
    head = bytes([p.sof, p.version, p.commands["PING"], 77]) + struct.pack("<H", 50)
    t.console.write(head + bytes([crc8(head)]) + b"12345")
    # The board's own frame timeout ends the wait (the deadline here only bounds a hang).
    frame = link.wait_event("ERROR", timeout=10)
    err = p.layouts["ERROR"].unpack(frame.payload)
    assert p.error_name(err.code) == "TIMEOUT" and frame.seq == 77 and err.detail == 12
    assert link.ping(b"after") == b"after"


def test_oversized_frame_is_refused(board_link):
    t, link = board_link
    p = link.p
    head = bytes([p.sof, p.version, p.commands["PING"], 78]) + struct.pack("<H", p.max_payload + 1)
    t.console.write(head + bytes([crc8(head)]))
    frame = link.wait_event("ERROR", timeout=5)
    err = p.layouts["ERROR"].unpack(frame.payload)
    assert p.error_name(err.code) == "TOO_LONG" and err.detail == p.max_payload + 1
    assert link.ping(b"after") == b"after"


def test_reset_reboots_the_board(board_link):
    t, link = board_link
    before = link.info().boot_count
    boot = link.reset(timeout=10)
    assert boot.boot_count == before + 1
    assert link.ping(b"after reset") == b"after reset"


@pytest.mark.slow
@pytest.mark.parametrize("board", ["mps2-an386"])
def test_random_and_mutated_frames_never_stop_the_board(board):
    """10,000 random and mutated frames; afterwards the board still answers."""
    p = load_protocol()
    stream = link_garbage(p, 10_000, seed=11)

    with open_target(f"qemu-{board}") as t:
        link = Link.connect(t)
        # The board answers many of these with ERROR frames; send_garbage reads them while
        # writing, and returns once the PING it sends after the garbage is echoed.
        received = send_garbage(link, stream, timeout=150).frames
        link.resync(timeout=10)
        assert link.ping(b"alive") == b"alive"
        assert link.info().board == board
        errors = [f for f in received if f.type == p.events["ERROR"]]
        assert len(errors) > 1000                   # it did see (and refuse) the garbage
        assert not any(f.type == p.events["FAULT"] for f in received)


# --- the engine, and counts --------------------------------------------------

@pytest.fixture(scope="module")
def kws_plan():
    from hil.compiler import compile_model
    from hil.modelgen import mlperf
    return compile_model(mlperf.kws(), name="kws")


@pytest.mark.parametrize("board", BOARDS)
def test_engine_on_board_equals_the_host_engine_and_counts_agree(board, kws_plan):
    """Self-consistency over the raw link: the board's output equals the host engine's (the same
    model on every board against TFLM is tests/boards/test_emulated_models.py), and the counts agree."""
    from hil.engine.host import HostEngine
    b = get_board(board)
    x = np.random.default_rng(0).integers(-128, 128, size=kws_plan.inputs[0].shape, dtype=np.int8)
    expected = HostEngine(kws_plan.blob).run([x])[0]
    with open_target(f"qemu-{board}") as t:
        link = Link.connect(t)
        assert link.boot.engine_present, f"{t.name}: the firmware was built without the engine"
        loaded = link.load_plan(kws_plan.blob)
        assert loaded.bulk and loaded.num_ops == len(kws_plan.ops)
        assert (loaded.slot, loaded.plan_address) == ("FLASH", b.plan.origin)   # read in place
        assert loaded.arena_address == link.boot.pool_address                    # the pool is all arena
        assert loaded.arena_bytes == kws_plan.arena_bytes
        assert link.tensor_info(0).shape == tuple(kws_plan.inputs[0].shape)
        link.set_input(0, x.tobytes())
        result = link.invoke(profile=True, measure_stack=True)
        counted = t.invoke_instructions()
        out = np.frombuffer(link.get_output(0), dtype=np.int8).reshape(expected.shape)
        np.testing.assert_array_equal(out, expected)

        ops = link.op_counts()
        assert [o.op_type for o in ops] and len(ops) == len(counted.per_op) == loaded.num_ops
        assert sum(counted.functions.values()) == counted.total
        assert 0 < result.stack_bytes < b.firmware.stack_bytes
        counter = b.counters[result.counter_index]
        if counter.instructions_per_tick == 1:
            # One tick per instruction: the plugin and the timer differ by the
            # same few instructions of marker and timer-read code everywhere.
            assert len({c - o.ticks for c, o in zip(counted.per_op, ops)}) == 1
            assert 0 <= counted.total - result.ticks < 50
        else:
            ipt = counter.instructions_per_tick
            for c, o in zip(counted.per_op, ops):
                assert abs(c - o.ticks * ipt) <= 2 * ipt + 200
            assert abs(counted.total - result.ticks * ipt) <= 2 * ipt + 200

        memory = link.memory_figures()
        assert memory["plan_bytes"] == kws_plan.plan_bytes
        assert memory["arena_bytes"] == kws_plan.arena_bytes
        assert memory["last_invoke_stack_bytes"] == result.stack_bytes
        assert (memory["plan_slot"], memory["plan_address"]) == (link.p.slots["FLASH"], b.plan.origin)
        assert memory["plan_loaded"] == 1


def test_uart_and_bulk_loads_agree(kws_plan):
    with open_target("qemu-mps2-an386") as t:
        link = Link.connect(t)
        assert link.boot.engine_present, f"{t.name}: the firmware was built without the engine"
        over_uart = link.load_plan(kws_plan.blob, bulk=False)
        over_gdb = link.load_plan(kws_plan.blob, bulk=True)
        # Which path each took, not which was faster: that is a benchmark, not a correctness check.
        assert not over_uart.bulk and over_gdb.bulk
        assert (over_uart.slot, over_gdb.slot) == ("RAM", "FLASH")   # chunks can only go to RAM
        assert (over_uart.arena_bytes, over_uart.num_ops) == (over_gdb.arena_bytes, over_gdb.num_ops)


def _memory_after_one_invoke(link, plan, slot: str) -> dict:
    from hil.runners.firmware_backend import memory_summary
    x = np.random.default_rng(1).integers(-128, 128, size=plan.inputs[0].shape, dtype=np.int8)
    loaded = link.load_plan(plan.blob, slot=slot)
    assert loaded.slot == slot
    link.set_input(0, x.tobytes())
    link.invoke(measure_stack=True)
    return memory_summary(link.memory_figures(), link.p)


def test_memory_figures_follow_the_plan(kws_plan):
    """The plan counts as flash in the flash slot and as RAM in the RAM slot;
    a board takes one after the other."""
    with open_target("qemu-netduinoplus2") as t:
        link = Link.connect(t)
        assert link.boot.engine_present, f"{t.name}: the firmware was built without the engine"
        code = link.memory_figures()["code_used_bytes"]
        in_flash = _memory_after_one_invoke(link, kws_plan, "FLASH")
        in_ram = _memory_after_one_invoke(link, kws_plan, "RAM")
        assert in_flash["plan_location"] == "flash" and in_ram["plan_location"] == "ram"
        assert in_flash["flash_bytes"] == code + kws_plan.plan_bytes
        assert in_ram["flash_bytes"] == code
        assert in_ram["ram_bytes"] - in_flash["ram_bytes"] == kws_plan.plan_bytes
        assert _memory_after_one_invoke(link, kws_plan, "FLASH") == in_flash


def test_board_without_a_plan_region_keeps_plans_in_ram(kws_plan):
    from dataclasses import replace
    board = replace(get_board("mps2-an386"), plan=None)
    with QemuTarget(board, elf=build_firmware(board)) as t:
        link = Link.connect(t)
        assert link.boot.flash_slot_bytes == 0
        p = link.p
        with pytest.raises(BoardReportedError, match="NO_SLOT"):
            link.request("LOAD_BEGIN", p.layouts["LOAD_BEGIN"].pack(total_bytes=256, crc32=0,
                                                                     slot=p.slots["FLASH"]))
        with pytest.raises(LinkError, match="the board has no flash plan slot"):
            link.load_plan(kws_plan.blob, slot="FLASH")
        assert link.boot.engine_present, f"{t.name}: the firmware was built without the engine"
        loaded = link.load_plan(kws_plan.blob)   # a MemoryWriter, but no flash slot: RAM
        assert loaded.bulk and loaded.slot == "RAM" and loaded.plan_address == link.boot.pool_address
        with pytest.raises(PlanTooBig, match="no flash slot on this board"):
            link.load_plan(_fake_plan(link.boot.pool_bytes + 16))
        assert link.memory_figures()["code_region_bytes"] == board.code.size


@pytest.mark.slow
def test_vww_in_the_stm32f4_flash_slot(tmp_path):
    """The MLPerf Tiny VWW model on the STM32F4 image: its plan (246 KB) does
    not fit 128 KiB of RAM, so it is kept in the flash slot; byte-equal with
    TFLM, and flash and RAM within what an STM32F407 has."""
    from hil.session import SessionOptions, run_model
    from tests.conftest import shared_model
    model = shared_model("vww_96_int8.tflite")
    board = get_board("netduinoplus2")
    result = run_model("qemu-netduinoplus2", model, inputs=2,
                       options=SessionOptions(profile_ops=False, run_dir=tmp_path / "run"))
    assert result["byte_equal"] == result["inferences"] == 2
    assert result["plan_location"] == "flash"
    assert result["plan_bytes"] > board.ram.size          # it could not be anywhere else
    assert result["plan_bytes"] < result["flash_bytes"] <= board.code.size == 1 << 20
    assert result["arena_bytes"] < result["ram_bytes"] <= board.ram.size == 128 << 10
    assert 0 < result["stack_bytes"] < board.firmware.stack_bytes


# --- errors that name things, and cleanup ------------------------------------

class _DeafConsole:
    """Passes reads through, swallows writes: a board that never hears us."""

    def __init__(self, console):
        self.console = console

    def write(self, data: bytes) -> None:
        pass

    def read(self, max_bytes: int, timeout: float) -> bytes:
        return self.console.read(max_bytes, timeout)


def test_timeout_names_board_command_and_what_arrived():
    with open_target("qemu-netduinoplus2", plugin=False, gdb=False) as t:
        link = Link(_DeafConsole(t.console), t.name, timeout=0.5, retries=0)
        link.wait_boot()
        with pytest.raises(LinkTimeout, match=r"qemu-netduinoplus2: no reply to INFO within 0.5 s; "
                                              r"last received: .*build="):
            link.info()   # what arrived last is the BOOT event


def test_lost_connection_names_board_command_and_what_arrived():
    # The fault check firmware does not speak the protocol: once it says
    # "ready" (its UART receiver is on: QEMU drops bytes before that), it
    # takes the first byte it gets as a command and ends QEMU.
    with QemuTarget(get_board("netduinoplus2"), elf=build_firmware("netduinoplus2", "fault_check"), plugin=False, gdb=False) as t:
        _read_until(t, b"ready\n")
        link = Link(t.console, t.name, timeout=15, retries=0)
        with pytest.raises(ConnectionLost, match=r"qemu-netduinoplus2: connection lost during PING .*"
                                                 r"last received: "):
            link.ping(b"x")
        assert t.wait_exit(5) == 7


def test_unexpected_reset_is_reported():
    with open_target("qemu-mps2-an386") as t:
        link = Link.connect(t)
        link._send(link.p.commands["RESET"], 200, b"")    # a reset the link does not expect
        with pytest.raises(UnexpectedReset, match="qemu-mps2-an386: the board reset during PING"):
            link.ping(b"x", timeout=10)


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_no_qemu_left_after_an_exception(exc):
    with pytest.raises(exc):
        with open_target("qemu-netduinoplus2") as t:
            pid = t.pid
            Link.connect(t)
            raise exc()
    assert not process_alive(pid)
    assert (t.run_dir / "qemu.log").exists() and (t.run_dir / "qemu.cmd").exists()


def test_no_qemu_left_when_python_is_killed(tmp_path):
    code = ("import sys, time; from hil.runners import open_target\n"
            "t = open_target('qemu-netduinoplus2')\n"
            "print(t.pid, flush=True)\n"
            "time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(child.stdout.readline())
        assert process_alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 5
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not process_alive(pid)
    finally:
        child.kill()


def test_session_runs_a_model_on_an_emulated_board(tmp_path):
    from hil.modelgen import mlperf
    from hil.session import SessionOptions, run_model
    model = tmp_path / "kws.tflite"
    model.write_bytes(mlperf.kws())
    result = run_model("qemu-netduinoplus2", model, inputs=2, options=SessionOptions(run_dir=tmp_path / "run"))
    assert result["byte_equal"] == 2
    # TIM2 ticks once per instruction under QEMU: the plugin's count exceeds it by the few
    # instructions of marker and timer-read code, never by less than zero.
    assert len(result["instructions"]) == len(result["counter_ticks"]) == 2
    assert all(0 <= c - t < 50 for c, t in zip(result["instructions"], result["counter_ticks"]))
    assert [op["type"] for op in result["per_op"]][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    assert 0 < result["stack_bytes"] < 8192 and result["flash_bytes"] > 10_000
    assert (tmp_path / "run" / "qemu.log").exists() and (tmp_path / "run" / "link.log").exists()


@needs_emulator
def test_hil_firmware_with_a_model_links_only_its_ops(capsys):
    """`hil firmware --model ad`: the engine with FULLY_CONNECTED alone, far smaller than every op."""
    from hil.cli import main
    assert main(["firmware", "--board", "netduinoplus2", "--model", "ad"]) == 0
    out = capsys.readouterr().out
    assert "engine op set of ad: FULLY_CONNECTED" in out
    only_fc = size_report(Path(out.splitlines()[0])).by_owner["engine"]["text"]
    every_op = size_report(build_firmware("netduinoplus2")).by_owner["engine"]["text"]
    assert 1000 < only_fc < every_op / 2, (only_fc, every_op)


def test_one_board_runs_each_of_its_kernel_builds(tmp_path):
    """The Cortex-M55 runs its Helium build by default and the Cortex-M4 DSP build when
    asked; both byte-equal with TFLM, Helium in fewer instructions."""
    from hil.modelgen import mlperf
    from hil.session import SessionOptions, run_model
    model = tmp_path / "kws.tflite"
    model.write_bytes(mlperf.kws())
    counts = {}
    for kernels in ("mve", "dsp"):
        result = run_model("qemu-mps3-an547", model, inputs=1,
                           options=SessionOptions(kernels=kernels, run_dir=tmp_path / kernels))
        assert result["byte_equal"] == 1, kernels
        counts[kernels] = result["instructions"][0]
    assert counts["mve"] < 0.6 * counts["dsp"], counts


def test_a_kernel_build_the_board_lacks_is_refused_by_name(tmp_path):
    from hil.errors import HilError
    from hil.session import Session, SessionOptions
    with pytest.raises(HilError, match="netduinoplus2 \\(cortex-m4\\) has no 'mve' kernel build"):
        with Session("qemu-netduinoplus2", SessionOptions(kernels="mve", run_dir=tmp_path)):
            pass
    with pytest.raises(HilError, match="the host runs the reference kernels"):
        with Session("host", SessionOptions(kernels="dsp")):
            pass
