"""pyOCD's bench path end to end, through `hil probe-server`: pyOCD programs
the ELF, writes the plan, resets, runs and reads DWT CYCCNT at the marker
breakpoints; outputs byte-equal, counts equal to QEMU's plugin.  And the
bench safety checks, each with the server told to misbehave."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_emulator, process_alive

pytest.importorskip("pyocd", reason="pyOCD is not installed (pip install 'tinyhil[hw]')")

from hil.model import resolve_model  # noqa: E402
from hil.boards import get_board  # noqa: E402
from hil.compiler import compile_model  # noqa: E402
from hil.errors import HilError  # noqa: E402
from hil.boards.firmware import build_firmware  # noqa: E402
from hil.model.golden import TflmReference, random_inputs  # noqa: E402
from hil.probe_server import Faults, ProbeServer  # noqa: E402
from hil.probe_server.server import idle_image  # noqa: E402
from hil.runners import TargetError, open_target  # noqa: E402
from hil.runners.pyocd_bench import PROBE_SERVERS_ENV  # noqa: E402
from hil.session import Session, SessionOptions  # noqa: E402

pytestmark = needs_emulator
BOARD = get_board("netduinoplus2")
HIL = str(Path(sys.executable).with_name("hil"))


@pytest.fixture(autouse=True)
def no_probe_from_the_environment(monkeypatch):
    monkeypatch.delenv("TINYHIL_PYOCD_PROBE", raising=False)
    monkeypatch.delenv("TINYHIL_PYOCD_SERIAL", raising=False)
    monkeypatch.delenv(PROBE_SERVERS_ENV, raising=False)


def flash_image(server: ProbeServer, length: int = 4096) -> bytes:
    return server.model.read_block(BOARD.code.origin, length)


def elf_start(elf: Path, length: int = 4096) -> bytes:
    from hil.runners.pyocd_bench import load_segments
    for address, data in load_segments(elf):
        if address == BOARD.code.origin:
            return data[:length]
    raise AssertionError(f"{elf} has nothing at 0x{BOARD.code.origin:08x}")


def test_model_through_pyocd_matches_golden_and_qemu_plugin_counts(tmp_path):
    """The server powers up holding only an idle loop: what runs is what pyOCD programmed."""
    model_bytes = resolve_model("ad").data
    plan = compile_model(model_bytes, name="ad")
    golden = TflmReference(model_bytes)
    link_elf = build_firmware(BOARD, "link")
    with ProbeServer("qemu-netduinoplus2", port=0, blank=True, run_dir=tmp_path / "server") as server:
        assert flash_image(server) != elf_start(link_elf)
        with Session("pyocd-netduinoplus2", SessionOptions(target_options={"probe": server.url})) as session:
            assert flash_image(server) == elf_start(link_elf)   # programmed through the probe
            session.load(plan)
            over_probe = []
            for seed in range(2):
                xs = random_inputs([t.shape for t in plan.inputs], seed)
                result = session.infer(xs)
                assert [o.tobytes() for o in result.outputs] == [o.tobytes() for o in golden.run(xs)]
                over_probe.append(result)
            assert session.memory()["plan_location"] == "flash"
    with Session("qemu-netduinoplus2") as session:
        session.load(plan)
        for seed, probed in enumerate(over_probe):
            counted = session.infer(random_inputs([t.shape for t in plan.inputs], seed))
            # CYCCNT at the marker breakpoints spans exactly what the plugin counts between the markers.
            assert probed.instructions == counted.instructions
            assert [op["instructions"] for op in probed.per_op] == [op["instructions"] for op in counted.per_op]
            assert [o.tobytes() for o in probed.outputs] == [o.tobytes() for o in counted.outputs]


def test_hil_run_with_probe_option(tmp_path):
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path / "server") as server:
        model = tmp_path / "ad.tflite"
        model.write_bytes(resolve_model("ad").data)
        done = subprocess.run([HIL, "run", "--board", "pyocd-netduinoplus2", "--probe", server.url,
                               "--model", str(model), "--inputs", "2", "--json"],
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["byte_equal"] == result["inferences"] == 2
    assert len(result["instructions"]) == 2 and all(result["instructions"])


def test_probe_option_on_another_board_is_one_line():
    done = subprocess.run([HIL, "run", "--board", "qemu-netduinoplus2", "--probe", "remote:127.0.0.1:1",
                           "--model", "x.tflite"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "hil: error: --probe selects a pyOCD debug probe; board 'qemu-netduinoplus2' is not a pyocd-* board"]


@pytest.mark.parametrize("faults, message", [
    (Faults(idcode=0x10006419), r"refusing to write: DBGMCU IDCODE at 0xe0042000 is 0x10006419 \(DEV_ID 0x419\), "
                                r"but board 'netduinoplus2' expects DEV_ID 0x413"),
    (Faults(cpuid=0x411FC272), r"refusing to write: the target's CPUID is 0x411fc272 \(part 0xc27\), "
                               r"but board 'netduinoplus2' is a cortex-m4 \(part 0xc24\)"),
])
def test_wrong_part_is_refused_before_anything_is_written(tmp_path, faults, message):
    with ProbeServer("qemu-netduinoplus2", port=0, blank=True, faults=faults, run_dir=tmp_path) as server:
        before = flash_image(server)
        with pytest.raises(TargetError, match=message) as err:
            open_target("pyocd-netduinoplus2", probe=server.url)
        assert "\n" not in str(err.value)
        assert flash_image(server) == before
        assert before.startswith(idle_image(BOARD))   # still only the idle loop


def test_two_probes_and_no_unique_id_is_refused_with_both_listed(tmp_path, monkeypatch):
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path / "a") as a, \
            ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path / "b") as b:
        monkeypatch.setenv(PROBE_SERVERS_ENV, f"{a.unique_id},{b.unique_id}")
        with pytest.raises(TargetError) as err:
            open_target("pyocd-netduinoplus2")
        text = str(err.value)
        assert text.startswith("pyocd-netduinoplus2: 2 debug probes match (")
        assert a.url in text and b.url in text and "TINYHIL_PYOCD_PROBE=<unique id>" in text
        # Naming one of them is enough.
        with open_target("pyocd-netduinoplus2", probe=b.url) as target:
            assert target.emulated == "netduinoplus2"


@pytest.mark.parametrize("when", ["between inferences", "during an invoke"])
def test_target_that_stops_answering_mid_run_is_one_line_error(tmp_path, when):
    model_bytes = resolve_model("ad").data
    plan = compile_model(model_bytes, name="ad")
    xs = random_inputs([t.shape for t in plan.inputs], 0)
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path) as server:
        with Session("pyocd-netduinoplus2", SessionOptions(target_options={"probe": server.url})) as session:
            session.load(plan)
            session.infer(xs)
            if when == "between inferences":
                server.stop_answering()
            else:   # silent from the third marker hit on: inside the first op of the next invoke
                server.model.silent_after_cyccnt_reads = server.model.cyccnt_reads + 2
            with pytest.raises(HilError) as err:
                session.infer(xs)
        assert server.model.dead
    text = str(err.value)
    assert "\n" not in text
    # It came from the probe at once, not from the link timing out much later.
    assert text.startswith("pyocd-netduinoplus2: "), text
    assert "no response from the target (SWD ACK timeout)" in text, text
    if when == "during an invoke":
        assert "during INVOKE (pyocd-netduinoplus2: the target stopped answering the debug probe" in text, text


def test_cli_server_stops_on_sigterm_and_takes_qemu_with_it(tmp_path):
    proc = subprocess.Popen([HIL, "probe-server", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert first.startswith("probe remote:127.0.0.1:"), first
        assert second.startswith("console socket://127.0.0.1:"), second
        url = first.split()[1]
        qemu_pid = int(first.split("pid ")[1].rstrip(")\n"))
        pyocd = str(Path(sys.executable).with_name("pyocd"))
        done = subprocess.run([pyocd, "commander", "-u", url, "-t", "cortex_m", "-c", "read32 0xE0042000"],
                              capture_output=True, text=True, timeout=60)
        assert f"e0042000:  {BOARD.pyocd.idcode:08x}" in done.stdout, done.stdout + done.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert not process_alive(qemu_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("suite", ["vww", "kws", "ic", "ad"])
def test_model_robot_suite_through_pyocd(tmp_path, suite):
    """The same suite the QEMU board runs, on pyocd-netduinoplus2 with PROBE naming the server."""
    from tests.robot.test_robot import SUITES_DIR, assert_only_expected_skips, outcomes, run_robot
    with ProbeServer("qemu-netduinoplus2", port=0, run_dir=tmp_path / "server") as server:
        code, result, _ = run_robot(tmp_path, SUITES_DIR / f"{suite}.robot", BOARD="pyocd-netduinoplus2",
                                    PROBE=server.url)
    statuses = outcomes(result)
    assert code == 0, statuses
    assert statuses, "the suite ran no test"
    # The baselines are the QEMU boards' (these counts equal theirs; see the counts test):
    # for pyocd-netduinoplus2 the gates say so, visibly.
    no_baseline = {f"{suite.capitalize()}.{test}": "pyocd-netduinoplus2"
                   for test in ("Instructions Within Budget", "Result Recorded And Not Regressed")}
    assert_only_expected_skips(statuses, no_baseline)


@pytest.mark.parametrize("misbehave, expect", [
    (["--fake-idcode", "0x10006419"], "refusing to write: DBGMCU IDCODE at 0xe0042000 is 0x10006419"),
    # Silent from the first request: what pyOCD says of a board without power.
    (["--stop-answering-after", "0"], "connecting to cortex_m failed: Target not detected."),
])
def test_cli_server_told_to_misbehave(tmp_path, misbehave, expect):
    proc = subprocess.Popen([HIL, "probe-server", "--port", "0", *misbehave], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[1]
        model = tmp_path / "ad.tflite"
        model.write_bytes(resolve_model("ad").data)
        done = subprocess.run([HIL, "run", "--board", "pyocd-netduinoplus2", "--probe", url, "--model", str(model),
                               "--inputs", "1"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hil: error: pyocd-netduinoplus2: "), done.stderr
        assert expect in lines[0], lines[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_robot_starts_its_own_probe_server(tmp_path):
    from tests.robot.test_robot import COMMON_RESOURCE, outcomes, run_robot
    suite = tmp_path / "bench_rehearsal.robot"
    suite.write_text(f"""*** Settings ***
Library           hil.robot.ProbeServerLibrary
Resource          {COMMON_RESOURCE}
Suite Setup       Run Keywords    Start Probe Server    AND    Open Board And Load Model    ad
Suite Teardown    Run Keywords    Close Board    AND    Stop Probe Server

*** Test Cases ***
Seeded Inputs Match Golden Through pyOCD
    Run Inference    seed=3
    Outputs Should Match Golden
""")
    code, result, _ = run_robot(tmp_path, suite)
    statuses = outcomes(result)
    assert code == 0, statuses
    assert list(statuses.values()) == [("PASS", "")], statuses
    assert result.suite.metadata["Board"] == "pyocd-netduinoplus2"
