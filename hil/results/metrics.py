"""Metrics as a registry: each metric is described once (name, unit, which way is
better, default regression tolerance, how to read it from a run result), and
the store, the regression gates, the report table and the dashboard all work
from that description, so adding a metric is adding one entry here."""
from __future__ import annotations

import math
import numbers
import statistics
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ..errors import HilError

Number = int | float
# Tolerance comparisons allow for float noise in derived metrics (percentages).
_TOLERANCE_EPSILON = 1e-9


class Direction(Enum):
    LOWER_IS_BETTER = "lower is better"
    HIGHER_IS_BETTER = "higher is better"
    MUST_EQUAL = "must equal"


@dataclass(frozen=True)
class Metric:
    """One measured quantity of a run.

    `tolerance_percent` is the default regression tolerance; None means the
    metric is recorded and shown but never gated.  `reader` computes the value
    from a run result (a `hil.results.run.RunResult`, or its dict from `hil run --json`); a dict
    that already holds the metric under its own name is read directly, so
    stored runs and baselines read back the same way."""

    name: str
    unit: str
    direction: Direction
    tolerance_percent: float | None
    label: str
    description: str
    reader: Callable[[Mapping[str, Any]], Any] | None = None
    in_report: bool = True

    def read(self, result: Mapping[str, Any]) -> Number | None:
        value = result[self.name] if self.name in result else (self.reader(result) if self.reader else None)
        return None if value is None else as_number(value, self.name)

    def format(self, value: Number | None) -> str:
        if value is None:
            return "-"
        text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"
        return text + "%" if self.unit == "%" else text

    @property
    def gated(self) -> bool:
        return self.tolerance_percent is not None

    def regressed(self, old: Number, new: Number, tolerance_percent: float) -> bool:
        """True when `new` is worse than `old` by more than the tolerance."""
        change = change_percent(old, new)
        limit = tolerance_percent + _TOLERANCE_EPSILON
        if self.direction is Direction.LOWER_IS_BETTER:
            return change > limit
        if self.direction is Direction.HIGHER_IS_BETTER:
            return change < -limit
        return abs(change) > limit


def as_number(value: Any, what: str) -> Number:
    """A plain int or float (numpy scalars included); anything else is an error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise HilError(f"metric '{what}' must be a number, got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        raise HilError(f"metric '{what}' must be finite, got {value}")
    return value


def change_percent(old: Number, new: Number) -> float:
    """Relative change from `old` to `new` in percent (infinite when growing from 0)."""
    if old == new:
        return 0.0
    if old == 0:
        return math.copysign(math.inf, new)
    return (new - old) / abs(old) * 100.0


def _median_instructions(result: Mapping[str, Any]) -> Number | None:
    # Median, low: an observed count, robust to a first inference that warms caches.
    counts = [c for c in result.get("instructions") or () if c is not None]
    return statistics.median_low(counts) if counts else None


def _percent_of_inferences(count_key: str) -> Callable[[Mapping[str, Any]], float | None]:
    # A rate, not a count: baselines stay comparable when a run uses more or fewer inferences.
    def read(result: Mapping[str, Any]) -> float | None:
        inferences, count = result.get("inferences"), result.get(count_key)
        if not inferences or count is None:
            return None
        return round(100.0 * count / inferences, 4)
    return read


DEFAULT_METRICS: tuple[Metric, ...] = (
    Metric("instructions_per_inference", "instructions", Direction.LOWER_IS_BETTER, 1.0, "instr/inf",
           "instructions (cycles where the board counts cycles) per inference, median over the run",
           reader=_median_instructions),
    Metric("arena_bytes", "B", Direction.LOWER_IS_BETTER, 0.0, "arena B",
           "activation arena planned for the model"),
    Metric("stack_bytes", "B", Direction.LOWER_IS_BETTER, 5.0, "stack B",
           "peak stack the board measured during inference"),
    Metric("ram_bytes", "B", Direction.LOWER_IS_BETTER, 1.0, "RAM B",
           "RAM the firmware image uses (data, bss, stack, model pool)"),
    Metric("flash_bytes", "B", Direction.LOWER_IS_BETTER, 1.0, "flash B",
           "flash the firmware image uses (code, constants, plan)"),
    Metric("plan_bytes", "B", Direction.LOWER_IS_BETTER, 0.0, "plan B",
           "size of the compiled plan (weights included)"),
    Metric("macs", "MACs", Direction.MUST_EQUAL, 0.0, "MACs",
           "multiply-accumulates per inference; fixed by the model, so a change means a counting change"),
    Metric("inferences", "inferences", Direction.HIGHER_IS_BETTER, None, "inf",
           "inferences in the run"),
    Metric("byte_equal", "inferences", Direction.HIGHER_IS_BETTER, None, "byte-eq",
           "inferences whose outputs are byte-equal to TFLM", in_report=False),
    Metric("byte_equal_percent", "%", Direction.HIGHER_IS_BETTER, 0.0, "byte-eq %",
           "share of inferences byte-equal to TFLM; must not drop",
           reader=_percent_of_inferences("byte_equal")),
    Metric("top1_agree", "inferences", Direction.HIGHER_IS_BETTER, None, "top-1",
           "inferences whose top-1 class matches TFLM", in_report=False),
    Metric("top1_agree_percent", "%", Direction.HIGHER_IS_BETTER, 0.0, "top-1 %",
           "share of inferences whose top-1 class matches TFLM",
           reader=_percent_of_inferences("top1_agree")),
    Metric("max_abs_diff", "LSB", Direction.LOWER_IS_BETTER, 0.0, "max diff",
           "largest absolute difference from TFLM over all outputs, in int8 steps"),
)


class MetricRegistry:
    """An ordered set of metrics; the defaults plus whatever a caller registers."""

    def __init__(self, metrics: Iterable[Metric] = DEFAULT_METRICS):
        self._metrics: dict[str, Metric] = {}
        for metric in metrics:
            self.register(metric)

    def register(self, metric: Metric) -> Metric:
        if metric.name in self._metrics:
            raise HilError(f"metric '{metric.name}' is already registered")
        self._metrics[metric.name] = metric
        return metric

    def __getitem__(self, name: str) -> Metric:
        try:
            return self._metrics[name]
        except KeyError:
            raise HilError(f"unknown metric '{name}'; known metrics: {', '.join(self._metrics)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._metrics

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._metrics.values())

    def names(self) -> list[str]:
        return list(self._metrics)

    def read_all(self, result: Mapping[str, Any]) -> dict[str, Number]:
        """Every registered metric the result holds, by name (absent ones left out)."""
        values = {m.name: m.read(result) for m in self}
        return {name: value for name, value in values.items() if value is not None}


def _as_result(run: Any) -> Mapping[str, Any]:
    # Stored runs (RunRecord) turn into the same dict shape as a fresh run result.
    return run if isinstance(run, Mapping) else run.as_result()


def short_commit(commit: str | None, dirty: bool | None = None) -> str:
    """`1a2b3c4d`, with a `+` when the checkout had uncommitted changes."""
    if not commit:
        return ""
    return commit[:8] + ("+" if dirty else "")


_IDENTITY_COLUMNS: tuple[tuple[str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("when (UTC)", lambda r: (r.get("time_utc") or "")[:16].replace("T", " ")),
    ("commit", lambda r: short_commit(r.get("git_commit"), r.get("git_dirty"))),
    ("board", lambda r: r.get("board") or ""),
    ("model", lambda r: r.get("model") or ""),
)


def render_report(runs: Iterable[Any], registry: MetricRegistry | None = None,
                  metrics: Sequence[str] | None = None) -> str:
    """A plain-text table of runs (stored RunRecords or run-result dicts), one row
    each, with a column per metric that any of the runs has."""
    registry = registry or MetricRegistry()
    results = [_as_result(run) for run in runs]
    if metrics is None:
        chosen = [m for m in registry if m.in_report and any(m.read(r) is not None for r in results)]
    else:
        chosen = [registry[name] for name in metrics]
    identity = [(title, get) for title, get in _IDENTITY_COLUMNS if any(get(r) for r in results)]

    header = [title for title, _ in identity] + [m.label for m in chosen]
    rows = [[get(r) for _, get in identity] + [m.format(m.read(r)) for m in chosen] for r in results]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    left_aligned = len(identity)

    def line(cells: list[str]) -> str:
        parts = [cell.ljust(w) if i < left_aligned else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    return "\n".join(out)
