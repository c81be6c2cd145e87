"""The MLPerf Tiny protocol image and the `hil mlperf-tiny` driver.

Works with the real models where ../shared/models has them and with the
generated stand-ins otherwise (the image is built for whichever model_source
picks)."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from tests.conftest import needs_emulator, process_alive
from hil.mlperf_tiny import get_model
from hil.mlperf_tiny.results_format import results_constants, results_line
from hil.mlperf_tiny.scoring import auc, top1_percent


# --- host-only ----------------------------------------------------------------

def test_results_line_is_the_dequantized_value_to_three_decimals():
    c = results_constants("dequantized", 0.5, 0, 1 / 256, -128)
    out = np.array([-128, -127, 127, 0], dtype=np.int8)
    assert results_line(c, np.zeros(4, np.int8), out) == "m-results-[0.000,0.004,0.996,0.500]"
    c = results_constants("dequantized", 1.0, 0, 0.1, 10)
    assert results_line(c, np.zeros(2, np.int8), np.array([0, 20], np.int8)) == "m-results-[-1.000,1.000]"


def test_mse_line_matches_the_float_formula():
    rng = np.random.default_rng(3)
    a = rng.integers(-128, 128, 640).astype(np.int8)
    b = rng.integers(-128, 128, 640).astype(np.int8)
    si, zi, so, zo = 0.3910152316093445, 89, 0.36449846625328064, 96
    c = results_constants("mse", si, zi, so, zo)
    expected = np.mean((si * (a.astype(float) - zi) - so * (b.astype(float) - zo)) ** 2)
    printed = float(results_line(c, a, b)[len("m-results-["):-1])
    assert printed == pytest.approx(expected, abs=0.0015)


def test_scoring_as_the_runner():
    y = np.array([0, 0, 1, 1])
    scores = np.array([[0.9, 0.1], [0.4, 0.6], [0.35, 0.65], [0.2, 0.8]])
    assert top1_percent(scores, y) == 75.0
    assert auc(scores, y) == 1.0        # every positive scores above every negative
    assert auc(np.array([[0.1], [0.5], [0.5], [0.9]]), np.array([0, 1, 0, 1])) == 0.875
    with pytest.raises(ValueError, match="every one of the 3 classes"):
        auc(np.array([[0.2, 0.3, 0.5], [0.5, 0.3, 0.2]]), np.array([0, 2]))


def test_dataset_layout(tmp_path):
    from hil.mlperf_tiny.dataset import read_dataset, write_dataset
    folder = write_dataset("ad", tmp_path, count=4)
    assert folder == tmp_path / "ad01"
    rows = read_dataset(folder)
    assert len(rows) == 4 and {r.label for r in rows} == {0, 1}
    assert all(len(r.segments()) == 4 and r.bytes_to_send == 640 and r.stride == 128 for r in rows)
    line = (folder / "y_labels.csv").read_text().splitlines()[0].split(",")
    assert line[1:] == ["2", line[2], "640", "128"]


def test_class_scores_rank_the_classes_as_tflm():
    """The pre-softmax scores the dataset search climbs: their top class is TFLM's top-1
    wherever TFLM's int8 output has a single maximum (the softmax is monotonic)."""
    from tests.conftest import shared_model
    from hil.mlperf_tiny.class_search import ClassScores
    from hil.model.golden import TflmReference, random_inputs
    data = shared_model("kws_ref_model.tflite").read_bytes()
    scores, golden = ClassScores(data), TflmReference(data)
    compared = 0
    for seed in range(30):
        x = random_inputs([(1, 49, 10, 1)], seed)[0]
        out = golden.run([x])[0].ravel()
        if np.sum(out == out.max()) == 1:
            assert int(np.argmax(scores.scores(x))) == int(np.argmax(out)), seed
            compared += 1
    assert compared >= 10


def test_kws_dataset_reaches_every_class_deterministically():
    """The official runner's one-vs-rest AUC needs all 12 classes of kws01 in the labels; the
    search is seeded, so the same seed gives the same files."""
    from tests.conftest import shared_model
    from hil.mlperf_tiny.dataset import make_samples
    shared_model("kws_ref_model.tflite")
    first = make_samples("kws", count=12)
    assert sorted(s.label for s in first) == list(range(12))
    assert [(s.file, s.data) for s in make_samples("kws", count=12)] == [(s.file, s.data) for s in first]


# --- on the emulated board ----------------------------------------------------

@pytest.fixture(scope="module")
def kws_device():
    from hil.mlperf_tiny.driver import open_device
    with open_device("qemu-netduinoplus2", get_model("kws")) as device:
        yield device


def _cmd(device, text, timeout=20.0):
    return device.client.command(text, timeout=timeout)


@needs_emulator
def test_replies_as_the_reference(kws_device):
    assert kws_device.info.name == "tinyhil" and kws_device.info.model == "kws01"
    assert kws_device.info.profile == "ULPMark for tinyML Firmware V0.0.1"
    help_lines = _cmd(kws_device, "help")
    assert help_lines[0] == "ULPMark for tinyML Firmware V0.0.1" and help_lines[-1].startswith("results ")
    assert _cmd(kws_device, "db load 10") == ["m-[Expecting 10 bytes]"]
    assert _cmd(kws_device, "db 0001020304") == []
    assert _cmd(kws_device, "db 05060708090a0b") == ["m-load-done"]   # the rest is disregarded
    # The reference's layout: 8 a line, and an empty line when the count is not a multiple of 8.
    assert _cmd(kws_device, "db print") == ["m-buffer-00-01-02-03-04-05-06-07", "m-buffer-08-09"]
    stamp = _cmd(kws_device, "timestamp")
    assert len(stamp) == 1 and stamp[0].startswith("m-lap-us-") and stamp[0][9:].isdigit()


@needs_emulator
@pytest.mark.parametrize("line, error", [
    ("x" * 81, "e-[Command longer than 80 characters]"),
    ("db load 4", None), ("db 123", "e-[Insufficent number of hex digits]"),
    ("db zz", "e-[Invalid hex digit 'zz']"),
    ("db load 27649", "e-[Supplied buffer size 27649 exceeds maximum of 27648]"),
    ("db 00", "e-[Command 'db' with data needs 'db load N' first]"),
    ("frobnicate 1", "e-[Unknown command: frobnicate]"),
    ("na\xe9me", "e-[Command has a byte that is not printable ASCII: 0xe9]"),
    ("", "e-[Empty command]"), ("infer 0", "e-[Inference iterations must be >0]"),
    ("infer 1 -1", "e-[Inference warmup must be >=0]"),
    ("infer 1000000 0", "e-[Inference iterations and warmup must be <=100000]"),
    ("db load 5", None), ("infer 1 0", "e-[Input needs 490 bytes loaded with 'db load'; loaded 0]"),
])
def test_bad_input_gets_an_error_line_and_the_device_still_answers(kws_device, line, error):
    kws_device.client.write(line.encode("latin-1") + b"%")
    reply = []
    while (l := kws_device.client.read_line(20.0)) != "m-ready":
        reply.append(l)
    if error is not None:
        assert reply == [error]
    assert _cmd(kws_device, "name") == ["m-name-dut-[tinyhil]"]


@needs_emulator
def test_thousands_of_random_lines_no_hang_no_fault(kws_device):
    rng = random.Random(1234)
    words = ["db", "load", "print", "infer", "name", "profile", "results", "help", "timestamp",
             "0", "1", "2", "-3", "490", "ff", "0g", "abcdef", "99999999999999999999"]
    for i in range(3000):
        kind = rng.random()
        if kind < 0.5:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 4))).encode()
        elif kind < 0.8:
            text = bytes(rng.randrange(256) for _ in range(rng.randint(0, 120)))
        else:
            text = bytes(rng.choice(b"0123456789abcdefXY ") for _ in range(rng.randint(1, 100)))
        text = text.replace(b"%", b"")
        if text.startswith(b"infer") or b" infer" in text:
            text = b"db print"   # an inference per line would make this test minutes long
        kws_device.client.write(text + b"%")
        while kws_device.client.read_line(20.0) != "m-ready":
            pass
    assert _cmd(kws_device, "name") == ["m-name-dut-[tinyhil]"]
    assert process_alive(kws_device.target._proc.pid)


@needs_emulator
def test_results_equal_tflm_and_latency_equals_instructions(kws_device):
    from hil.model.golden import TflmReference, random_inputs
    from hil.mlperf_tiny.dataset import _to_bytes
    from hil.mlperf_tiny.firmware import compiled_plan, constants_for, model_bytes
    m = get_model("kws")
    plan = compiled_plan(m)
    x = random_inputs([plan.inputs[0].shape], 7)[0]
    golden = TflmReference(model_bytes(m)[0]).run([x])[0]
    kws_device.client.load(_to_bytes(m, x))
    kws_device.invoke_instructions()
    reply = kws_device.client.infer(4, 1)
    counts = kws_device.invoke_instructions()
    assert reply.results_text == results_line(constants_for(m, plan), x, golden)
    assert reply.lines[:3] == ["m-warmup-start-1", "m-warmup-done", "m-infer-start-4"]
    assert reply.lines[5:] == ["m-infer-done", reply.results_text]
    # Same counter: virtual time under -icount is instructions at 1 ns each.
    assert len(counts) == 5
    assert abs(reply.elapsed_us - sum(counts[1:]) / 1000) <= 1.0


@needs_emulator
def test_cli_performance_and_accuracy_record_runs(tmp_path, capsys):
    from hil.cli import main
    from hil.mlperf_tiny.driver import registry
    from hil.results import ResultsStore
    db = tmp_path / "runs.sqlite"
    assert main(["mlperf-tiny", "--model", "kws", "--mode", "performance", "--iterations", "3",
                 "--results-db", str(db), "--json"]) == 0
    perf = json.loads(capsys.readouterr().out)
    assert len(perf["windows"]) == 5 and all(w["iterations"] == 3 for w in perf["windows"])
    assert abs(perf["median_latency_us"] - np.median(perf["instructions"]) / 1000) < 1.0
    assert main(["mlperf-tiny", "dataset", "--model", "ad", "--count", "4", str(tmp_path / "ds")]) == 0
    capsys.readouterr()
    assert main(["mlperf-tiny", "--model", "ad", "--mode", "accuracy", "--dataset", str(tmp_path / "ds"),
                 "--results-db", str(db), "--json"]) == 0
    acc = json.loads(capsys.readouterr().out)
    # Labels come from TFLM's reconstruction errors and the engine is byte-exact with TFLM:
    # the device's errors rank the files exactly as TFLM's do.
    assert acc["files"] == 4 and acc["inferences"] == 16 and acc["auc"] == 1.0
    assert round(acc["top1_percent"], 1) == 100.0
    with ResultsStore(db, registry=registry()) as store:
        runs = store.runs()
    assert {r.runner for r in runs} == {"mlperf-tiny"}
    assert any("mlperf_latency_us" in r.metrics for r in runs)
    assert any(r.metrics.get("mlperf_auc") == 1.0 for r in runs)


def test_bad_arguments_are_one_line_errors(capsys, tmp_path):
    from hil.cli import main
    assert main(["mlperf-tiny", "--model", "lenet", "--mode", "accuracy"]) == 1
    assert "unknown MLPerf Tiny model 'lenet'" in capsys.readouterr().err
    assert main(["mlperf-tiny", "--model", "kws", "--mode", "accuracy", "--dataset", str(tmp_path / "no")]) == 1
    assert "is not a directory" in capsys.readouterr().err


@needs_emulator
def test_ad01_reconstruction_error_equals_tflm():
    from hil.model.golden import TflmReference, random_inputs
    from hil.mlperf_tiny.dataset import _to_bytes
    from hil.mlperf_tiny.driver import open_device
    from hil.mlperf_tiny.firmware import compiled_plan, constants_for, model_bytes
    m = get_model("ad")
    plan = compiled_plan(m)
    reference = TflmReference(model_bytes(m)[0])
    with open_device("qemu-netduinoplus2", m, count=False) as device:
        for seed in (1, 2):
            x = random_inputs([plan.inputs[0].shape], seed)[0]
            device.client.load(_to_bytes(m, x))
            reply = device.client.infer(3, 2)   # later inferences see the same input again
            assert reply.results_text == results_line(constants_for(m, plan), x, reference.run([x])[0])


def test_keywords_fail_with_the_figures():
    from hil.mlperf_tiny.keywords import MlperfTinyKeywords
    kw = MlperfTinyKeywords()
    with pytest.raises(AssertionError, match="no MLPerf Tiny device"):
        kw.run_mlperf_tiny_performance()
    kw._result = {"mode": "performance", "median_latency_us": 7663.057, "instructions": [7_000_000]}
    with pytest.raises(AssertionError, match="latency 7663.057 us per inference is not below 7000 us"):
        kw.latency_should_be_below(7000)
    kw.latency_should_be_below(8000)
    with pytest.raises(AssertionError, match="against 7000.000 us from the instruction count"):
        kw.latency_should_agree_with_instructions()
    with pytest.raises(AssertionError, match="no accuracy result"):
        kw.top_1_should_be_at_least(90)


@needs_emulator
def test_robot_suite_gates_latency_and_accuracy(tmp_path):
    from tests.robot.test_robot import SUITES_DIR, outcomes, run_robot
    code, result, _ = run_robot(tmp_path, SUITES_DIR / "mlperf_tiny.robot")
    assert code == 0, outcomes(result)
    assert {s for s, _ in outcomes(result).values()} == {"PASS"}


@needs_emulator
def test_image_has_no_allocation_printf_or_floating_point():
    import re
    import subprocess
    from hil.mlperf_tiny.firmware import build_mlperf_firmware
    elf = build_mlperf_firmware("netduinoplus2", "ad")
    symbols = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    assert not re.search(r" (malloc|free|_sbrk|printf|vfprintf|_dtoa_r)$", symbols, re.M)
    code = subprocess.run(["arm-none-eabi-objdump", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
    assert "th_mlperf_receive" in code
    assert not re.search(r"\tv[a-z0-9]+\.f(32|64)\b", code)
