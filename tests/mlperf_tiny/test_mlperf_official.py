"""The official MLPerf Tiny runner (unmodified, in ../shared/mlperf-tiny-runner)
against our image on QEMU: its performance and accuracy modes complete and
their results.txt agrees with `hil mlperf-tiny` on the same board, model and
dataset (window runtimes to the microsecond, accuracy exactly)."""
from __future__ import annotations

import pytest

from tests.conftest import needs_emulator
from hil.mlperf_tiny.official import runner_dir

pytestmark = [
    needs_emulator,
    pytest.mark.skipif(not (runner_dir() / "main.py").exists(),
                       reason=f"{runner_dir()} not present: the official MLPerf Tiny runner lives beside the "
                              "repository (../shared/mlperf-tiny-runner), not in it"),
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from hil.mlperf_tiny.dataset import write_dataset
    root = tmp_path_factory.mktemp("mlperf")
    write_dataset("kws", root, count=5, cover=False)
    write_dataset("ad", root, count=6)
    return root


def test_official_performance_agrees_to_the_microsecond(dataset):
    from hil.mlperf_tiny.driver import run
    from hil.mlperf_tiny.official import run_official
    ours = run("qemu-netduinoplus2", "kws", "performance", dataset=str(dataset), count=False)
    assert ours["meets_min_seconds"]
    theirs = run_official("qemu-netduinoplus2", "kws", "performance", dataset, iterations=ours["iterations"])
    assert not theirs["errors"], theirs["results_text"]
    assert [round(s * 1e6) for s in theirs["window_runtimes_s"]] == [w["elapsed_us"] for w in ours["windows"]]
    assert theirs["median_throughput"] == round(ours["median_throughput"], 3)


def test_official_accuracy_agrees_exactly(dataset):
    from hil.mlperf_tiny.driver import run
    from hil.mlperf_tiny.official import run_official
    ours = run("qemu-netduinoplus2", "ad", "accuracy", dataset=str(dataset), count=False)
    theirs = run_official("qemu-netduinoplus2", "ad", "accuracy", dataset)
    assert theirs["top1_percent"] == round(ours["top1_percent"], 1)
    assert theirs["auc"] == round(ours["auc"], 3)


@pytest.fixture(scope="module")
def kws_every_class(tmp_path_factory):
    from hil.mlperf_tiny.dataset import read_dataset, write_dataset
    from tests.conftest import shared_model
    shared_model("kws_ref_model.tflite")     # the stand-in's classes need not all be reachable
    root = tmp_path_factory.mktemp("mlperf-kws")
    write_dataset("kws", root, count=12)
    assert sorted(r.label for r in read_dataset(root / "kws01")) == list(range(12))
    return root


def test_official_kws_accuracy_completes_and_agrees(kws_every_class):
    """kws01 accuracy needs every one of its 12 classes in the labels (the runner's AUC), which
    the dataset's search provides; the runner's figures then equal ours."""
    from hil.mlperf_tiny.driver import run
    from hil.mlperf_tiny.official import run_official
    ours = run("qemu-netduinoplus2", "kws", "accuracy", dataset=str(kws_every_class), count=False)
    theirs = run_official("qemu-netduinoplus2", "kws", "accuracy", kws_every_class)
    assert not theirs["errors"], theirs["results_text"]
    assert "top1_percent" in theirs and "auc" in theirs, theirs["results_text"]
    assert theirs["top1_percent"] == round(ours["top1_percent"], 1)
    assert theirs["auc"] == round(ours["auc"], 3)
