"""The pyOCD driver against fake pyOCD sessions (no probe needed): memory routing,
flash writes, options, errors.  Through a real pyOCD and the probe server:
test_pyocd_bench_path.py."""
from __future__ import annotations

import sys

import pytest

from hil.boards import get_board
from hil.runners import TargetError, open_target

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
