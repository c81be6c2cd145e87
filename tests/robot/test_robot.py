"""The Robot Framework suites and their keyword library: the smoke and robustness
suites pass on the host and on the default emulated board, the library's
documentation renders, and a violated threshold or an injected regression makes
a suite fail."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from robot.api import ExecutionResult

from hil.paths import REPO_ROOT, SHARED_MODELS_DIR
from hil.runners.qemu import QEMU_BINARY

SUITES_DIR = REPO_ROOT / "robot_suites"
COMMON_RESOURCE = SUITES_DIR / "resources" / "common.resource"
QEMU_BOARD = "qemu-netduinoplus2"   # the suites' default board
SMALL_MODEL = "fully_connected/per_tensor_relu"
ROBOT_TIMEOUT_S = 600

needs_qemu = pytest.mark.skipif(shutil.which(QEMU_BINARY) is None,
                                reason=f"{QEMU_BINARY} is not installed (the README's setup command installs it)")


def run_robot(tmp_path: Path, *suites: Path, **variables: str):
    """Run suites with `python -m robot` in a fresh process; returns (exit code, result, output dir)."""
    out = tmp_path / "robot"
    variables.setdefault("RESULTS_DB", str(tmp_path / "results.sqlite"))
    cmd = [sys.executable, "-m", "robot", "--outputdir", str(out), "--console", "dotted"]
    for name, value in variables.items():
        cmd += ["--variable", f"{name}:{value}"]
    done = subprocess.run(cmd + [str(s) for s in suites], cwd=tmp_path, capture_output=True, text=True,
                          timeout=ROBOT_TIMEOUT_S)
    assert (out / "output.xml").exists(), f"robot wrote no output:\n{done.stdout}\n{done.stderr}"
    return done.returncode, ExecutionResult(str(out / "output.xml")), out


def outcomes(result) -> dict[str, tuple[str, str]]:
    """'Suite.Test' -> (status, message) for every test."""
    return {f"{t.parent.name}.{t.name}": (t.status, t.message) for t in result.suite.all_tests}


def write_suite(tmp_path: Path, name: str, test_cases: str, setup: str = f"Open Board And Load Model    {SMALL_MODEL}") -> Path:
    path = tmp_path / f"{name}.robot"
    path.write_text(f"*** Settings ***\nResource    {COMMON_RESOURCE}\nSuite Setup    {setup}\n"
                    f"Suite Teardown    Close Board\n\n*** Test Cases ***\n{test_cases}")
    return path


# --- the suites --------------------------------------------------------------------------------

# On the host, these need what only a board with firmware has.
HOST_SKIPS = {
    "Smoke.Instructions Within Budget": "the host does not count instructions",
    "Smoke.Stack Within Budget": "the host does not measure stack",
    "Robustness.Model Too Big For The Board Is Reported": "the host has no RAM limit",
    "Robustness.Garbage On The Link Is Refused": "it has no link",
}


def test_smoke_and_robustness_pass_on_the_host(tmp_path):
    code, result, _ = run_robot(tmp_path, SUITES_DIR / "smoke.robot", SUITES_DIR / "robustness.robot", BOARD="host")
    tests = outcomes(result)
    assert code == 0, tests
    assert set(HOST_SKIPS) <= set(tests)
    for name, (status, message) in tests.items():
        if name in HOST_SKIPS:
            assert status == "SKIP" and HOST_SKIPS[name] in message, (name, status, message)
        else:
            assert status == "PASS", (name, status, message)


@pytest.mark.slow
@needs_qemu
def test_smoke_and_robustness_pass_on_the_default_emulated_board(tmp_path):
    code, result, out = run_robot(tmp_path, SUITES_DIR / "smoke.robot", SUITES_DIR / "robustness.robot")
    tests = outcomes(result)
    assert code == 0, tests
    assert all(status == "PASS" for status, _ in tests.values()), tests
    assert result.suite.suites[0].metadata["Board"] == QEMU_BOARD
    assert not _processes_mentioning(str(out)), "an emulator was left running after the suites ended"


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains `text` (each board's run directory is in it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


# --- failures are failures ---------------------------------------------------------------------

THRESHOLD_CASES = """\
Arena Over Budget
    Run Inference
    Arena Should Be Below    1

Instructions Over Budget
    Run Inference
    Instructions Should Be Below    1
"""


def test_a_violated_threshold_fails_the_suite_on_the_host(tmp_path):
    code, result, _ = run_robot(tmp_path, write_suite(tmp_path, "thresholds", THRESHOLD_CASES), BOARD="host")
    tests = outcomes(result)
    assert code == 1
    status, message = tests["Thresholds.Arena Over Budget"]
    assert status == "FAIL" and "arena 80 B, limit 1 B: 79 B over" in message
    assert tests["Thresholds.Instructions Over Budget"][0] == "SKIP"


@pytest.mark.slow
@needs_qemu
def test_a_violated_threshold_fails_the_suite_on_the_default_emulated_board(tmp_path):
    code, result, _ = run_robot(tmp_path, write_suite(tmp_path, "thresholds", THRESHOLD_CASES))
    tests = outcomes(result)
    assert code == 2
    status, message = tests["Thresholds.Instructions Over Budget"]
    assert status == "FAIL" and "instructions per inference" in message and "limit 1:" in message


def test_the_gate_fails_on_an_injected_regression(tmp_path):
    from hil.compiler import compile_model
    from hil.model import resolve_model

    plan = compile_model(resolve_model(SMALL_MODEL).path)
    own = {"arena_bytes": plan.arena_bytes, "macs": plan.macs, "plan_bytes": plan.plan_bytes,
           "byte_equal_percent": 100.0}
    injected = own | {"arena_bytes": plan.arena_bytes - 8}   # as if the arena had grown since the baseline
    paths = {}
    for name, metrics in (("own", own), ("injected", injected)):
        paths[name] = tmp_path / f"{name}.json"
        baseline = {"commit": "0" * 40, "dirty": False, "time_utc": "2025-01-01T00:00:00.000000Z", "metrics": metrics}
        paths[name].write_text(json.dumps({"format": 1, "tolerances": {},
                                           "baselines": {"host": {plan.name: baseline}}}))
    cases = ("Gate Passes Against The Run's Own Figures\n    Run Seeded Inferences    count=2\n"
             "    Record Result\n    Metrics Should Not Regress\n\n"
             "Gate Fails On An Injected Regression\n    Run Seeded Inferences    count=2\n"
             f"    Metrics Should Not Regress    {paths['injected']}\n")
    code, result, _ = run_robot(tmp_path, write_suite(tmp_path, "gate", cases), BOARD="host",
                                BASELINES=str(paths["own"]))
    tests = outcomes(result)
    assert code == 1
    assert tests["Gate.Gate Passes Against The Run's Own Figures"][0] == "PASS"
    status, message = tests["Gate.Gate Fails On An Injected Regression"]
    expected = (f"arena_bytes regressed on host/{plan.name}: {plan.arena_bytes - 8:,} -> {plan.arena_bytes:,} "
                f"(+{800 / (plan.arena_bytes - 8):.2f}%, tolerance 0.00%)")
    assert status == "FAIL" and expected in message, message
    assert (tmp_path / "results.sqlite").exists()


BASELINE_CASES = """\
Budget From The Baseline
    Run Seeded Inferences    count=2
    Instructions Should Be Within Baseline

Gate
    Run Seeded Inferences    count=2
    Record Result
    Metrics Should Not Regress
"""


def _baselines_file(tmp_path: Path, baselines: dict) -> Path:
    path = tmp_path / "baselines.json"
    path.write_text(json.dumps({"format": 1, "tolerances": {}, "baselines": baselines}))
    return path


def test_no_baseline_is_a_skip_saying_so_not_a_pass(tmp_path):
    empty = _baselines_file(tmp_path, {})
    code, result, _ = run_robot(tmp_path, write_suite(tmp_path, "baselines", BASELINE_CASES), BOARD="host",
                                BASELINES=str(empty))
    tests = outcomes(result)
    assert code == 0, tests
    status, message = tests["Baselines.Gate"]
    assert status == "SKIP" and "no baseline for host/per_tensor_relu" in message and str(empty) in message, message
    status, message = tests["Baselines.Budget From The Baseline"]
    assert status == "SKIP" and "the host does not count instructions" in message, message


@pytest.mark.slow
@needs_qemu
def test_the_instruction_budget_comes_from_the_baseline_and_its_tolerance(tmp_path):
    from hil.results import BaselineFile
    checked_in = BaselineFile().baseline(QEMU_BOARD, "per_tensor_relu")
    assert checked_in is not None, "robot_suites/baselines.json has no baseline for the smoke model"
    # A baseline of 1,000 instructions with a 10% tolerance: the budget is 1,101 and the run is over it.
    metrics = {"instructions_per_inference": 1000}
    baseline = {"commit": "0" * 40, "dirty": False, "time_utc": "2025-01-01T00:00:00.000000Z", "metrics": metrics}
    path = tmp_path / "tight.json"
    path.write_text(json.dumps({"format": 1, "baselines": {QEMU_BOARD: {"per_tensor_relu": baseline}},
                                "tolerances": {"board_models": {QEMU_BOARD: {"per_tensor_relu": {
                                    "instructions_per_inference": 10}}}}}))
    code, result, _ = run_robot(tmp_path, write_suite(tmp_path, "baselines", BASELINE_CASES), BASELINES=str(path))
    tests = outcomes(result)
    status, message = tests["Baselines.Budget From The Baseline"]
    assert status == "FAIL" and "instructions per inference" in message and "limit 1,101:" in message, message
    assert tests["Baselines.Gate"][0] == "FAIL" and "instructions_per_inference regressed" in tests["Baselines.Gate"][1]
    # Against the checked-in baselines both apply and pass.
    (tmp_path / "checked-in").mkdir()
    code, result, _ = run_robot(tmp_path / "checked-in", write_suite(tmp_path, "baselines", BASELINE_CASES))
    assert code == 0 and {s for s, _ in outcomes(result).values()} == {"PASS"}, outcomes(result)


def test_a_model_load_failure_in_setup_is_reported_not_crashed(tmp_path):
    suite = write_suite(tmp_path, "missing", "Anything\n    Run Inference\n", setup="Open Board And Load Model    no_such_model")
    code, result, _ = run_robot(tmp_path, suite, BOARD="host")
    status, message = outcomes(result)["Missing.Anything"]
    assert code == 1 and status == "FAIL"
    assert "no model 'no_such_model'" in message
    assert "HilError" not in message and "Traceback" not in message   # the message alone, not a crash


# --- the library -------------------------------------------------------------------------------

def test_libdoc_renders_every_keyword_documented(tmp_path):
    html_path, spec_path = tmp_path / "HilLibrary.html", tmp_path / "HilLibrary.json"
    for path in (html_path, spec_path):
        done = subprocess.run([sys.executable, "-m", "robot.libdoc", "hil.robot.HilLibrary", str(path)],
                              capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    spec = json.loads(spec_path.read_text())
    keywords = {k["name"]: k for k in spec["keywords"]}
    for name in ("Open Board", "Load Model", "Run Seeded Inferences", "Run Inference On Image",
                 "Outputs Should Match Golden", "Instructions Should Be Below", "Arena Should Be Below",
                 "Stack Should Be Below", "Model Should Fit Board", "Record Result", "Metrics Should Not Regress",
                 "Load Model Should Fail With", "Load Model With Arena", "Board Should Still Answer",
                 "Send Garbage To Board", "Close Board", "Instructions Should Be Within Baseline",
                 "Top Class Should Be"):
        assert name in keywords and keywords[name]["doc"].strip(), name
    assert spec["scope"] == "SUITE"
    assert "Load Model" in html_path.read_text()


def test_a_missing_reference_model_falls_back_to_the_generated_standin(tmp_path, monkeypatch):
    import hil.model as library
    monkeypatch.setattr(library, "SHARED_MODELS_DIR", tmp_path)
    source = library.resolve_model("kws")
    assert source.path == library.GENERATED_MODELS_DIR / "kws.tflite" and source.path.is_file()
    assert "generated stand-in" in source.origin and "not present" in source.origin


def test_a_grayscale_image_quantizes_like_the_vww_input():
    from hil.model.images import image_to_input
    gray = np.arange(96 * 96, dtype=np.int64).reshape(96, 96) % 256
    x = image_to_input(gray.astype(np.uint8), (1, 96, 96, 3), 1 / 255, -128)
    assert x.shape == (1, 96, 96, 3) and x.dtype == np.int8
    expected = (gray - 128).astype(np.int8)
    for channel in range(3):
        np.testing.assert_array_equal(x[0, :, :, channel], expected)


# --- every model suite, in parallel, on every emulated board -------------------------------------

MODEL_SUITES = ["vww.robot", "kws.robot", "ic.robot", "ad.robot"]
# The MLPerf vww model scores TFLM's grayscale person.bmp (replicated over RGB) as non-person, in
# TFLM as in the engine; the suite keeps the check visible as a skip (robot:skip-on-failure).
MODEL_SUITE_SKIPS = {"Vww.Person Image Is Classified As A Person": "top class 0, expected 1"}
# Without ../shared the images are not there (and the stand-in is not trained on them).
MODEL_SUITE_SKIPS_WITHOUT_SHARED = {
    f"Vww.{name}": "image " for name in ("Person Image Matches Golden", "No Person Image Matches Golden",
                                         "Person Image Is Classified As A Person",
                                         "No Person Image Is Classified As No Person")}


def assert_only_expected_skips(tests: dict, more: dict | None = None) -> None:
    """A skip is a check that did not apply: only the known ones (and `more`) may skip."""
    expected = dict(MODEL_SUITE_SKIPS, **(more or {}))
    if not SHARED_MODELS_DIR.is_dir():
        expected.update(MODEL_SUITE_SKIPS_WITHOUT_SHARED)
    for name, (status, message) in tests.items():
        if status == "SKIP":
            assert name in expected and expected[name] in message, (name, message)


@needs_qemu
@pytest.mark.parametrize("board", ["qemu-netduinoplus2", "qemu-mps2-an386", "qemu-mps3-an547"])
def test_model_suites_pass_in_parallel_with_pabot(tmp_path, board):
    """The README's `make suites BOARD=...` (`pabot --processes 2` over the four model suites,
    each on its own emulator), from a plain shell: no virtualenv on PATH, as a new user has it."""
    venv_bin = str(Path(sys.executable).parent)
    plain_path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = plain_path
    out = tmp_path / "pabot"
    done = subprocess.run(["make", "-C", str(REPO_ROOT), "suites", f"BOARD={board}", f"SUITES_OUT={out}",
                           f"ROBOT_ARGS=--variable RESULTS_DB:{tmp_path / 'results.sqlite'}"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=ROBOT_TIMEOUT_S)
    assert (out / "output.xml").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result = ExecutionResult(str(out / "output.xml"))
    tests = outcomes(result)
    failed = {name: message for name, (status, message) in tests.items() if status == "FAIL"}
    assert done.returncode == 0 and not failed, failed or done.stdout[-3000:]
    assert len(result.suite.suites) == len(MODEL_SUITES)
    # A skip is a check that did not apply: only the ones expected here may skip.
    assert_only_expected_skips(tests)
    # The budgets and the regression gate applied in every suite (they skip without a baseline).
    for suite in ("Vww", "Kws", "Ic", "Ad"):
        for test in ("Instructions Within Budget", "Result Recorded And Not Regressed"):
            assert tests[f"{suite}.{test}"][0] == "PASS", (suite, test, tests[f"{suite}.{test}"])


@pytest.mark.parametrize("board, counts, outcome", [("qemu-netduinoplus2", True, "fail"), ("host", False, "skip"),
                                                    ("pyocd-netduinoplus2", False, "skip")])
def test_no_instruction_count_fails_where_the_board_counts(board, counts, outcome):
    """A board with an instruction counter that counted nothing is a failure; boards without
    one (the host; a real board's cycle counter) skip."""
    from types import SimpleNamespace

    from robot.api import SkipExecution

    from hil.results.run import Inference, RunResult
    from hil.robot.HilLibrary import HilLibrary

    library = HilLibrary()
    # As after Open Board and Load Model: the session says whether the board counts.
    library._session = SimpleNamespace(board=board, counts_instructions=counts, description=board)
    library._model = SimpleNamespace(name="per_tensor_relu")    # has a baseline on every emulated board
    library._run = RunResult(board, SimpleNamespace(name="per_tensor_relu"), "one inference", ["seed 0"],
                             [Inference(outputs=[np.zeros(4, np.int8)])])
    expected = AssertionError if outcome == "fail" else SkipExecution
    with pytest.raises(expected, match="no instructions were counted" if outcome == "fail" else "does not count"):
        library.instructions_should_be_below(1000)
    with pytest.raises(expected, match="no instructions were counted" if outcome == "fail" else "does not count"):
        library.instructions_should_be_within_baseline()


def test_only_boards_with_an_instruction_counter_count():
    from hil.session import Session
    assert Session("host").counts_instructions is False


FLOAT_MODEL_CASES = """Float Model Matches Golden
    Run Seeded Inferences    3
    Outputs Should Match Golden
"""


@pytest.mark.parametrize("board, float_io, where", [
    ("host", "host", "on the host side of the link"),
    pytest.param("qemu-mps2-an386", "target", "on the target", marks=needs_qemu),
])
def test_a_float_model_matches_golden_with_its_conversions_where_asked(tmp_path, board, float_io, where):
    suite = write_suite(tmp_path, "floatio", FLOAT_MODEL_CASES, setup="Open Board And Load Model    quantize/float_io_relu")
    code, result, out = run_robot(tmp_path, suite, BOARD=board, FLOAT_IO=float_io)
    assert code == 0, outcomes(result)
    assert f"float I/O converted {where}" in (out / "output.xml").read_text()
