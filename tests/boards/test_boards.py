"""Boards as data: the board files, their loader, and the driver registry."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hil.errors import HilError
from hil.boards import BoardError, BoardRegistry, all_boards, board_names, get_board, parse_board
from hil.boards.firmware import cmake_definitions
from hil.paths import BOARDS_DIR
from hil.runners import TargetError, open_target, target_names

EXPECTED_BOARDS = {"netduinoplus2", "mps2-an386", "mps3-an547"}


def test_every_board_file_loads():
    assert EXPECTED_BOARDS <= set(board_names())
    for board in all_boards():
        assert board.source == BOARDS_DIR / f"{board.name}.toml"
        assert board.cpu.flags and any(f.startswith("-mcpu=") for f in board.cpu.flags)
        assert board.ram.size > board.firmware.stack_bytes
        assert board.counters, board.name


def test_stm32f4_image_fits_every_stm32f405_f407():
    # The same ELF must run on QEMU (192 KiB), Renode and a real F4-Discovery (128 KiB + CCM).
    b = get_board("netduinoplus2")
    assert (b.code.origin, b.code.size) == (0x08000000, 1 << 20)
    assert (b.ram.origin, b.ram.size) == (0x20000000, 128 << 10)
    # Plans are kept in the upper 512 KiB of flash: sectors 8-11, erasable on their own.
    assert (b.plan.origin, b.plan.size) == (0x08080000, 512 << 10)
    assert (b.image_code.origin, b.image_code.size) == (0x08000000, 512 << 10)
    assert b.qemu.machine == "netduinoplus2"
    assert b.renode.platform == "stm32f4_discovery"
    assert b.pyocd.target == "stm32f407vgtx"
    assert b.uart.kind == "stm32_usart" and b.uart.base == 0x40004400   # USART2
    assert [c.kind for c in b.counters] == ["dwt_cyccnt", "stm32_timer32"]


def test_mps_boards():
    an386, an547 = get_board("mps2-an386"), get_board("mps3-an547")
    assert an386.uart.kind == an547.uart.kind == "cmsdk_apb_uart"
    assert an547.code.origin == 0x10000000 and an547.ram.origin == 0x30000000
    assert "-mcpu=cortex-m55" in an547.cpu.flags
    assert an547.counters[-1].instructions_per_tick == pytest.approx(31.25)
    for b in (an386, an547):   # plan regions: the top of code memory, leaving plenty for the image
        assert b.plan.end == b.code.end and b.image_code.end == b.plan.origin
        assert b.image_code.size >= 128 << 10 and b.plan.size >= 384 << 10


def test_every_board_keeps_its_plan_region_out_of_the_image():
    for board in all_boards():
        d = cmake_definitions(board)
        if board.plan is None:
            assert board.image_code == board.code and int(d["TH_PLAN_SIZE"], 16) == 0
            continue
        assert int(d["TH_CODE_ORIGIN"], 16) + int(d["TH_CODE_SIZE"], 16) == int(d["TH_PLAN_ORIGIN"], 16)
        assert int(d["TH_PLAN_ORIGIN"], 16) + int(d["TH_PLAN_SIZE"], 16) == board.code.end


def test_unknown_board_names_the_known_ones():
    with pytest.raises(BoardError, match="unknown board 'nope'.*netduinoplus2"):
        get_board("nope")


def test_adding_a_board_is_adding_a_file(tmp_path: Path):
    source = (BOARDS_DIR / "mps2-an386.toml").read_text()
    (tmp_path / "my-board.toml").write_text(source.replace('name = "mps2-an386"', 'name = "my-board"'))
    shutil.copy(BOARDS_DIR / "netduinoplus2.toml", tmp_path)
    registry = BoardRegistry(tmp_path)
    assert registry.names() == ["my-board", "netduinoplus2"]
    assert registry.get("my-board").uart.base == 0x40004000


def _base() -> dict:
    return {"name": "b", "cpu": {"core": "cortex-m4", "flags": ["-mcpu=cortex-m4"]},
            "memory": {"code": {"origin": 0, "size": 0x10000}, "ram": {"origin": 0x20000000, "size": 0x10000}},
            "firmware": {"stack_bytes": 4096},
            "uart": {"kind": "cmsdk_apb_uart", "base": 0x40004000, "clock_hz": 25000000, "baud": 115200},
            "counters": [{"kind": "systick", "unit": "instructions"}]}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["uart"].update(kind="nonexistent"), r"uart.kind 'nonexistent' has no driver"),
    (lambda d: d["counters"][0].update(kind="bogus"), r"counter kind 'bogus' has no driver"),
    (lambda d: d["uart"].pop("base"), r"\[uart\]: 'base' is missing"),
    (lambda d: d["memory"]["ram"].update(size="big"), r"'size' must be an integer"),
    (lambda d: d["memory"]["ram"].update(origin=0), r"overlap"),
    (lambda d: d["firmware"].update(stack_bytes=100), r"stack_bytes"),
    (lambda d: d.update(counters=[]), r"counters"),
    (lambda d: d["cpu"].update(fpu="yes"), r"'fpu' must be true or false"),
    (lambda d: d["memory"].update(plan={"origin": 0x8000, "size": 0x4000}), r"memory.plan must be the top"),
    (lambda d: d["memory"].update(plan={"origin": 0x8000, "size": 0x10000}), r"memory.plan must be the top"),
    (lambda d: d["memory"].update(plan={"origin": 0, "size": 0x10000}), r"memory.plan must be the top"),
    (lambda d: d["memory"].update(plan={"origin": 0x8004, "size": 0x7FFC}), r"multiples of 16"),
    (lambda d: d["memory"].update(plan={"origin": 0x10000, "size": 0}), r"memory.plan has size 0"),
    (lambda d: d["memory"].update(plan={"origin": 0x1000, "size": 0xF000}), r"leaves 4096 B of code memory"),
    (lambda d: d["cpu"].update(kernels=["avx"]), r"cpu.kernels must list distinct kernel builds of mve, dsp"),
    (lambda d: d["cpu"].update(kernels=["dsp", "dsp"]), r"cpu.kernels must list distinct"),
    (lambda d: d["cpu"].update(kernels=[]), r"cpu.kernels must list"),
])
def test_bad_board_files_say_what_is_wrong(change, message):
    data = _base()
    change(data)
    with pytest.raises(BoardError, match=message):
        parse_board(data, "boards/b.toml")


def test_a_plan_region_is_the_top_of_code_memory():
    data = _base()
    assert parse_board(data, "b.toml").plan is None
    data["memory"]["plan"] = {"origin": 0x8000, "size": 0x8000}
    board = parse_board(data, "b.toml")
    assert (board.plan.origin, board.plan.size) == (0x8000, 0x8000)
    assert (board.image_code.origin, board.image_code.size) == (0, 0x8000)
    assert board.code.size == 0x10000      # code memory itself is what the chip has
    d = cmake_definitions(board)
    assert (d["TH_CODE_SIZE"], d["TH_PLAN_ORIGIN"], d["TH_PLAN_SIZE"]) == ("0x00008000", "0x00008000", "0x00008000")


def test_file_name_must_match_board_name(tmp_path: Path):
    (tmp_path / "other.toml").write_text((BOARDS_DIR / "mps2-an386.toml").read_text())
    with pytest.raises(BoardError, match="must match the file name"):
        BoardRegistry(tmp_path).names()


def test_cmake_definitions_carry_the_board():
    d = cmake_definitions(get_board("netduinoplus2"))
    assert d["TH_RAM_SIZE"] == "0x00020000"
    assert d["TH_UART_KIND"] == "stm32_usart"
    assert d["TH_COUNTERS"] == "dwt_cyccnt:0x00000000;stm32_timer32:0x40000000"
    assert d["TH_INIT_WRITES"].startswith("0x40023830:0x00000000:0x00000001;")
    assert d["TH_CPU_FLAGS"].split(";")[0] == "-mcpu=cortex-m4"


def test_target_registry_lists_qemu_boards():
    assert {f"qemu-{b}" for b in EXPECTED_BOARDS} <= set(target_names())
    with pytest.raises(TargetError, match="unknown target 'sim-x'"):
        open_target("sim-x")


def test_a_board_names_its_kernel_builds_default_first():
    from hil.engine.kernel_builds import kernel_build_defines
    m55, m4 = get_board("mps3-an547"), get_board("netduinoplus2")
    assert m55.cpu.kernels == ("mve", "dsp", "reference") and m4.cpu.kernels == ("dsp", "reference")
    # The default build is what the compiler flags select: no definitions, one cached image.
    assert kernel_build_defines(m55, None) == kernel_build_defines(m55, "mve") == ()
    assert kernel_build_defines(m55, "dsp") == ("TH_KERNELS_NO_MVE",)
    assert kernel_build_defines(m4, "dsp") == ()
    assert kernel_build_defines(m4, "reference") == ("TH_KERNELS_REFERENCE",)
    with pytest.raises(HilError, match="netduinoplus2 \\(cortex-m4\\) has no 'mve' kernel build; it runs dsp, reference"):
        kernel_build_defines(m4, "mve")
    assert parse_board(_base(), "boards/b.toml").cpu.kernels == ("reference",)
