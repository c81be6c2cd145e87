"""Budgets from the baselines file, and the checked-in baselines covering every suite's model on
every board (without them a suite's gate and budget would skip on a fresh clone or the host)."""
import json

import pytest

from hil.modelgen.mlperf import REAL_MODEL_FILES, STANDINS
from hil.results import BaselineFile
from hil.results.budget import NoBudget, metric_budget

EMULATED_BOARDS = ["qemu-netduinoplus2", "qemu-mps2-an386", "qemu-mps3-an547"]
SMOKE_MODEL = "per_tensor_relu"          # robot_suites/smoke.robot's fully_connected/per_tensor_relu
SUITE_MODELS = sorted(STANDINS) + [name.removesuffix(".tflite") for name in REAL_MODEL_FILES.values()] + [SMOKE_MODEL]


def _baselines(tmp_path, metrics: dict, tolerances: dict | None = None) -> BaselineFile:
    path = tmp_path / "baselines.json"
    entry = {"commit": "1" * 40, "dirty": False, "time_utc": "2025-01-01T00:00:00.000000Z", "metrics": metrics}
    path.write_text(json.dumps({"format": 1, "tolerances": tolerances or {}, "baselines": {"b": {"m": entry}}}))
    return BaselineFile(path)


def test_budget_is_the_baseline_plus_the_tolerance(tmp_path):
    baselines = _baselines(tmp_path, {"instructions_per_inference": 1000},
                           {"board_models": {"b": {"m": {"instructions_per_inference": 10}}}})
    budget = metric_budget(baselines, "instructions_per_inference", "b", "m")
    assert budget.limit == 1101          # 1,100 is within budget, 1,101 is not
    assert "baseline 1,000 (commit 111111111111) + 10% tolerance" in budget.describe()


def test_budget_takes_the_registry_tolerance_by_default(tmp_path):
    baselines = _baselines(tmp_path, {"instructions_per_inference": 7_000_000})
    tolerance = baselines.registry["instructions_per_inference"].tolerance_percent
    assert metric_budget(baselines, "instructions_per_inference", "b", "m").limit == \
        int(7_000_000 * (1 + tolerance / 100)) + 1


def test_no_budget_says_why(tmp_path):
    baselines = _baselines(tmp_path, {"arena_bytes": 80}, {"metrics": {"arena_bytes": None}})
    with pytest.raises(NoBudget, match=r"no baseline for b/other in .*baselines.json: record a run"):
        metric_budget(baselines, "arena_bytes", "b", "other")
    with pytest.raises(NoBudget, match="no instructions_per_inference in the baseline for b/m"):
        metric_budget(baselines, "instructions_per_inference", "b", "m")
    with pytest.raises(NoBudget, match="the arena_bytes gate is off for b/m"):
        metric_budget(baselines, "arena_bytes", "b", "m")


@pytest.mark.parametrize("board", ["host"] + EMULATED_BOARDS)
def test_checked_in_baselines_cover_every_suite_model(board):
    baselines = BaselineFile()
    missing = [model for model in SUITE_MODELS if baselines.baseline(board, model) is None]
    assert not missing, f"{baselines.path} has no baseline for {board}/{', '.join(missing)}"
    if board in EMULATED_BOARDS:
        for model in SUITE_MODELS:
            metric_budget(baselines, "instructions_per_inference", board, model)   # raises NoBudget if none
