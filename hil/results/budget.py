"""Budgets read from the baselines file: the most a metric may reach on a board and model is its
checked-in baseline plus that board and model's tolerance.  The suites take their instruction
budgets from here, so a budget and the regression gate cannot disagree and no comment in a suite
goes stale when a baseline moves."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .baseline import BaselineFile


@dataclass(frozen=True)
class Budget:
    metric: str
    board: str
    model: str
    baseline: float
    tolerance_percent: float
    commit: str | None

    @property
    def limit(self) -> int:
        """The smallest integer above baseline * (1 + tolerance): values below it are within budget."""
        return math.floor(self.baseline * (1 + self.tolerance_percent / 100)) + 1

    def describe(self) -> str:
        return (f"{self.metric} budget for {self.board}/{self.model}: baseline {self.baseline:,.0f} "
                f"(commit {(self.commit or '(none)')[:12]}) + {self.tolerance_percent:g}% tolerance")


class NoBudget(Exception):
    """Why there is no budget for a board and model (no baseline, or the gate is off)."""


def metric_budget(baselines: BaselineFile, metric: str, board: str, model: str) -> Budget:
    """The budget of `metric` on (board, model); NoBudget says why there is none."""
    baseline = baselines.baseline(board, model)
    if baseline is None or metric not in baseline.metrics:
        what = "no baseline" if baseline is None else f"no {metric} in the baseline"
        raise NoBudget(f"{what} for {board}/{model} in {baselines.path}: record a run and move the "
                       "baselines with `hil baseline update`")
    tolerance = baselines.tolerance(metric, board, model)
    if tolerance is None:
        raise NoBudget(f"the {metric} gate is off for {board}/{model} in {baselines.path}")
    return Budget(metric, board, model, float(baseline.metrics[metric]), float(tolerance), baseline.commit)
