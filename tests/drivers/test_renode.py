"""The Renode driver against Renode itself: where Renode is found, its monitor's
framing, the firmware end to end, Renode's instruction counts against the QEMU
plugin's for the same ELF and inputs, and the faults (Renode killed mid-run, a
hung guest, a failing monitor command).

These need Renode (see hil.runners.renode.find_renode: $TINYHIL_RENODE, PATH,
or the ../shared/renode build scripts/setup.sh unpacks) and skip with the
reason where it is absent.  Renode takes seconds to start (Mono), so the tests
that only talk to a running board share one."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hil.boards import get_board
from hil.boards.firmware import build_firmware, elf_symbols
from hil.link import Link, LinkTimeout
from hil.paths import REPO_ROOT
from hil.runners import TargetError, open_target
from hil.runners import renode as renode_driver
from hil.runners.renode import NOT_INSTALLED, RENODE_ENV, RenodeTarget, find_renode, parse_number
from tests.conftest import SHARED_MODELS_DIR, needs_emulator, process_alive

needs_renode = pytest.mark.skipif(find_renode() is None, reason=NOT_INSTALLED)
# Renode's platforms/cpus/stm32f4.repl: timer2 `frequency: 10000000`; the CPU's default performance.
RENODE_STM32F4_TIM2_HZ = 10_000_000
RENODE_CPU_MIPS = 100


def _wait_gone(pids, timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if process_alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if process_alive(p)]


def _renode_processes() -> set[int]:
    """Every running Renode (Mono running Renode.exe) this test process started."""
    found = set()
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"Renode.exe" in f.read() and process_alive(pid):
                    found.add(pid)
        except OSError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().split(") ")[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _model(tmp_path, shared_name: str, generated: str) -> Path:
    """The MLPerf Tiny model from ../shared/models, else its generated stand-in."""
    path = SHARED_MODELS_DIR / shared_name
    if path.exists():
        return path
    from hil.modelgen import mlperf
    out = tmp_path / f"{generated}.tflite"
    out.write_bytes(getattr(mlperf, generated)())
    return out


# --- where Renode is found (no Renode needed) ---------------------------------

def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def renode_places(tmp_path, monkeypatch):
    """An empty PATH, a ../shared/renode with its SHA256SUMS and a cache, all under tmp_path."""
    shared = tmp_path / "shared" / "renode"
    shared.mkdir(parents=True)
    sha = "ab" * 32
    (shared / "SHA256SUMS").write_text(f"{sha}  renode.tar.xz\n")
    monkeypatch.setattr(renode_driver, "SHARED_RENODE_DIR", shared)
    monkeypatch.setenv("TINYHIL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv(RENODE_ENV, raising=False)
    return {"unpacked": tmp_path / "cache" / "renode" / sha[:16], "bin": tmp_path / "bin"}


def test_renode_found_in_order_env_path_shared(renode_places, monkeypatch, tmp_path):
    assert find_renode() is None
    with pytest.raises(TargetError) as err:
        open_target("renode-netduinoplus2", elf=tmp_path / "x.elf")
    assert str(err.value) == NOT_INSTALLED
    unpacked = renode_places["unpacked"]
    launcher = _executable(unpacked / "renode" / "renode")
    assert find_renode() is None, "an unpack without its .unpacked mark (interrupted) is not used"
    (unpacked / ".unpacked").touch()
    assert find_renode() == (str(launcher), f"unpacked from {renode_driver.SHARED_RENODE_DIR}")
    on_path = _executable(renode_places["bin"] / "renode")
    assert find_renode() == (str(on_path), "PATH")
    chosen = _executable(tmp_path / "elsewhere" / "my-renode")
    monkeypatch.setenv(RENODE_ENV, str(chosen))
    assert find_renode() == (str(chosen), f"${RENODE_ENV}")
    # An explicit choice that does not exist is not silently replaced by another Renode.
    monkeypatch.setenv(RENODE_ENV, str(tmp_path / "missing"))
    assert find_renode() is None
    with pytest.raises(TargetError) as err:
        open_target("renode-netduinoplus2", elf=tmp_path / "x.elf")
    assert str(err.value) == (f"${RENODE_ENV}={str(tmp_path / 'missing')!r} is not an executable Renode "
                              f"(unset it to look on PATH and in the cache)")


# --- one Renode, shared by the tests that only talk to it ----------------------

@pytest.fixture(scope="module")
def renode_board(tmp_path_factory):
    if find_renode() is None:
        pytest.skip(NOT_INSTALLED)
    if needs_emulator.args[0]:
        pytest.skip(needs_emulator.kwargs["reason"])
    run_dir = tmp_path_factory.mktemp("renode-board")
    target = open_target("renode-netduinoplus2", run_dir=run_dir)
    try:
        link = Link.connect(target, boot_timeout=60)
        yield target, link
    finally:
        target.close()
    assert _wait_gone([target.pid] if target.pid else []) == []


def test_monitor_framing_on_renode(renode_board):
    target, _ = renode_board
    monitor = target.monitor
    assert monitor.prompt == "tinyhil-netduinoplus2"
    first = target.executed_instructions()
    assert first > 0 and target.executed_instructions() >= first    # the machine runs
    with pytest.raises(TargetError) as err:
        monitor.command("bogus 1")
    assert str(err.value) == "Renode: `bogus 1` failed: No such command or device: bogus"
    missing = target.run_dir / "no-such-file.bin"
    with pytest.raises(TargetError) as err:
        monitor.command(f"sysbus LoadBinary @{missing} 0x20000000")
    assert str(err.value) == (f"Renode: `sysbus LoadBinary @{missing} 0x20000000` failed: "
                              f"File does not exist: {missing}")
    assert "\n" not in str(err.value)
    assert monitor.command("bogus 2", check=False) == "No such command or device: bogus"
    assert target.executed_instructions() > first                  # the monitor carries on after errors
    log = (target.run_dir / "monitor.log").read_text()
    assert log.startswith("Renode, version ") and "(tinyhil-netduinoplus2) bogus 2" in log


def test_link_memory_and_reset_on_renode(renode_board):
    target, link = renode_board
    assert link.boot.board == "netduinoplus2"
    assert link.info().protocol_version == link.boot.protocol_version
    assert link.ping(b"renode") == b"renode"
    data = bytes(range(256)) * 4
    target.memory.write_memory(link.boot.pool_address, data)
    last = link.boot.pool_address + len(data) - 4
    assert parse_number(target.monitor.command(f"sysbus ReadDoubleWord 0x{last:08x}")) == \
        int.from_bytes(data[-4:], "little")
    before = target.executed_instructions()
    target.power.hard_reset()                       # machine Reset: the ELF is loaded again and boots
    assert link.wait_boot(30).board == "netduinoplus2"
    assert target.executed_instructions() < before  # the counter restarted with the machine
    assert link.ping(b"again") == b"again"
    for name in ("renode.resc", "counting.resc", "renode.log", "renode.cmd", "monitor.log", "link.log"):
        assert (target.run_dir / name).exists(), name


# --- counts: Renode's against the QEMU plugin's, same ELF, same inputs ---------

@needs_renode
@needs_emulator
@pytest.mark.parametrize("board", ["netduinoplus2", "mps2-an386"])
def test_renode_counts_equal_the_qemu_plugin(tmp_path, board):
    """Both count the instructions executed before each th_mark_* function is
    entered (the plugin at its first instruction, Renode's hook before it
    runs), so per invoke and per op they are equal, not merely close."""
    from hil.session import SessionOptions, run_model
    model = _model(tmp_path, "kws_ref_model.tflite", "kws")
    results = {}
    for driver in ("qemu", "renode"):
        results[driver] = run_model(f"{driver}-{board}", model, inputs=2, seed=7,
                                    save_outputs=str(tmp_path / f"{driver}.npy"),
                                    options=SessionOptions(run_dir=tmp_path / driver, boot_timeout_s=60))
    qemu, renode = results["qemu"], results["renode"]
    assert renode["byte_equal"] == qemu["byte_equal"] == 2
    assert (tmp_path / "renode.npy").read_bytes() == (tmp_path / "qemu.npy").read_bytes()
    assert renode["instructions"] == qemu["instructions"] and all(n > 100_000 for n in qemu["instructions"])
    assert [op["instructions"] for op in renode["per_op"]] == [op["instructions"] for op in qemu["per_op"]]
    assert [op["type"] for op in renode["per_op"]] == [op["type"] for op in qemu["per_op"]]
    if board == "netduinoplus2":
        # The on-target counter (TIM2) is not one tick per instruction on Renode: its
        # stm32f4 platform clocks TIM2 at 10 MHz and runs the CPU at 100 MIPS.
        per_tick = RENODE_CPU_MIPS * 1_000_000 // RENODE_STM32F4_TIM2_HZ
        for op in renode["per_op"]:
            assert abs(op["instructions"] - per_tick * op["counter_ticks"]) < 60 + per_tick, op


# --- faults --------------------------------------------------------------------

@needs_renode
@needs_emulator
def test_renode_killed_mid_run(tmp_path):
    """`hil run` whose Renode is killed during an invoke: a one-line error naming
    what happened, exit 1, nothing on stdout, no --save-outputs file, no Renode left."""
    model = _model(tmp_path, "vww_96_int8.tflite", "vww")
    outputs = tmp_path / "outputs.npy"
    before = _renode_processes()
    child = subprocess.Popen([sys.executable, "-m", "hil.cli", "run", "--board", "renode-netduinoplus2",
                              "--model", str(model), "--inputs", "50", "--json", "--save-outputs", str(outputs)],
                             cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        renode, marks = None, None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if renode is None:
                mine = [p for p in _descendants(child.pid) if p in _renode_processes()]
                renode = mine[0] if mine else None
                if renode is not None:
                    marks = Path(os.readlink(f"/proc/{renode}/cwd")) / renode_driver.MARKS_NAME
            elif marks.exists() and "M invoke_begin" in marks.read_text():
                break          # the firmware is inside an invoke
            time.sleep(0.05)
        assert renode is not None and child.poll() is None, "the run never reached an invoke"
        os.kill(renode, signal.SIGKILL)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 1
    assert stdout == ""
    # (a first run also says that it builds the firmware)
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("[firmware] building")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hil: error: renode-netduinoplus2: connection lost during ")
    assert f"Renode (pid {renode}) was killed by SIGKILL" in lines[0]
    assert not outputs.exists()
    assert _wait_gone(list(_renode_processes() - before)) == []


@needs_renode
@needs_emulator
def test_hung_guest_times_out_in_one_line(tmp_path):
    """The guest spins (a two-instruction loop written over the invoke's first marker): the invoke
    gets no reply within its timeout, one line says so, and Renode is stopped."""
    from hil.compiler import compile_model
    from hil.session import Session, SessionOptions
    model = _model(tmp_path, "kws_ref_model.tflite", "kws")
    plan = compile_model(model.read_bytes(), name="kws")
    session = Session("renode-netduinoplus2", SessionOptions(run_dir=tmp_path / "run", invoke_timeout_s=3,
                                                             boot_timeout_s=60))
    session.open()
    try:
        session.load(plan)
        target = session.backend.target
        pid = target.pid
        spin = elf_symbols(target.elf)["th_mark_invoke_begin"][0] & ~1
        # Thumb `nop; b <the nop>` (a bare `b .` is taken by Renode for an idle loop)
        target.monitor.command(f"sysbus WriteDoubleWord 0x{spin:08x} 0xe7fdbf00")
        with pytest.raises(LinkTimeout) as err:
            session.infer([np.zeros(t.shape, np.int8) for t in plan.inputs])
        message = str(err.value)
        assert message.startswith("renode-netduinoplus2: no reply to INVOKE within 3 s") and "\n" not in message
        # Hung where it was made to hang (the monitor still answers).
        assert parse_number(target.monitor.command("sysbus.cpu PC")) in (spin, spin + 2)
    finally:
        session.close()
    assert _wait_gone([pid]) == []


@needs_renode
@needs_emulator
def test_failing_monitor_command_at_start(tmp_path):
    """A platform Renode cannot load: Renode's own error, in one line, and no Renode left."""
    board = get_board("netduinoplus2")
    board = replace(board, renode=replace(board.renode, platform="no_such_board"))
    before = _renode_processes()
    with pytest.raises(TargetError) as err:
        RenodeTarget(board, elf=build_firmware(board), run_dir=tmp_path / "run", start_timeout=60)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("renode-netduinoplus2: Renode did not start (Renode: `include @")
    assert "failed: Could not find file 'platforms/boards/no_such_board.repl'" in message
    assert _wait_gone(list(_renode_processes() - before)) == []


@needs_renode
@needs_emulator
def test_failing_monitor_command_mid_run(tmp_path, monkeypatch):
    """The plan's LoadBinary fails in Renode (its file is gone): one line naming
    the command and Renode's reason, and the session stops Renode."""
    from hil.compiler import compile_model
    from hil.session import Session, SessionOptions
    real_command = renode_driver.RenodeMonitor.command

    def losing_the_file(monitor, command, *args, **kwargs):
        if command.startswith("sysbus LoadBinary @"):
            Path(command.split()[2][1:]).unlink()
        return real_command(monitor, command, *args, **kwargs)
    monkeypatch.setattr(renode_driver.RenodeMonitor, "command", losing_the_file)
    plan = compile_model(_model(tmp_path, "kws_ref_model.tflite", "kws").read_bytes(), name="kws")
    session = Session("renode-netduinoplus2", SessionOptions(run_dir=tmp_path / "run", boot_timeout_s=60))
    session.open()
    pid = session.backend.target.pid
    try:
        with pytest.raises(TargetError) as err:
            session.load(plan)
    finally:
        session.close()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("Renode: `sysbus LoadBinary @") and "failed: File does not exist: " in message
    assert _wait_gone([pid]) == []


@needs_renode
@needs_emulator
def test_no_renode_left_when_python_is_killed(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from hil.link import Link
        from hil.runners import open_target
        t = open_target('renode-netduinoplus2', run_dir={str(tmp_path / 'run')!r})
        Link.connect(t, boot_timeout=60)
        print(t.pid, flush=True)
        time.sleep(120)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(child.stdout.readline())
        assert process_alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert _wait_gone([pid]) == []
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


@needs_renode
@needs_emulator
def test_no_renode_left_after_ctrl_c(tmp_path):
    pid = None
    with pytest.raises(KeyboardInterrupt):
        with open_target("renode-netduinoplus2", run_dir=tmp_path / "run") as t:
            pid = t.pid
            raise KeyboardInterrupt
    assert pid and _wait_gone([pid]) == []


# --- setup: unpacking ../shared/renode -------------------------------------------

@pytest.mark.skipif(not (renode_driver.SHARED_RENODE_DIR / "renode.tar.xz").is_file(),
                    reason=f"no Renode build in {renode_driver.SHARED_RENODE_DIR}")
@pytest.mark.skipif(shutil.which("mono") is None,
                    reason="Mono is not installed (scripts/setup.sh installs it, as root)")
def test_setup_unpacks_the_shared_renode_once(tmp_path, monkeypatch):
    """scripts/setup.sh with no Renode installed: checks, unpacks into the cache,
    says so; run again, it finds the unpacked build; find_renode then returns it."""
    env = {k: v for k, v in os.environ.items() if k != RENODE_ENV}
    env["TINYHIL_CACHE"] = str(tmp_path / "cache")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not (Path(p) / "renode").exists())
    runs = [subprocess.run(["bash", "scripts/setup.sh"], cwd=REPO_ROOT, env=env, capture_output=True,
                           text=True, timeout=600) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    first = [ln for ln in runs[0].stdout.splitlines() if "Renode" in ln]
    second = [ln for ln in runs[1].stdout.splitlines() if "Renode" in ln]
    assert first[0].startswith("[setup] Renode: unpacking ../shared/renode/renode.tar.xz into "), first
    assert "unpacking" not in "".join(second)
    (launcher_line,) = [ln for ln in second if "(unpacked from ../shared/renode)" in ln]
    launcher = launcher_line.split("Renode: ")[1].split(" (")[0]
    assert Path(launcher).is_file() and not Path(launcher).resolve().is_relative_to(REPO_ROOT.resolve())
    assert not list((tmp_path / "cache" / "renode").glob("*.partial"))
    monkeypatch.delenv(RENODE_ENV, raising=False)
    monkeypatch.setenv("TINYHIL_CACHE", env["TINYHIL_CACHE"])
    monkeypatch.setenv("PATH", env["PATH"])
    assert find_renode() == (launcher, f"unpacked from {renode_driver.SHARED_RENODE_DIR}")
