"""SUM (int8) over any set of axes (constant INT32 axis tensor, negative axes, keep_dims or not), rank 1-6; at most 4,194,304 values per output.

TFLM's int8 SUM is its MEAN's path (reference_ops::QuantizedMeanOrSum) with
compute_sum true: the raw values are summed, input_zero_point * count is
subtracted, and the sum is requantized once with
QuantizeMultiplier(input_scale / output_scale), without MEAN's 1 / count
adjustment.  The engine runs MEAN's kernel with that multiplier."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .mean import prepare_mean_or_sum


@register("SUM")
def prepare_sum(op: Op, graph: Graph) -> PreparedOp:
    return prepare_mean_or_sum(op, graph, compute_sum=True)
