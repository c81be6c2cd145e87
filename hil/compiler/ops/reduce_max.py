"""REDUCE_MAX, REDUCE_MIN (int8) over any set of axes (constant INT32 axis tensor, negative axes, keep_dims or not), rank 1-6; output quantization equal to the input's.

TFLM's int8 reduce max/min (reference_ops::ReduceGeneric) compares the raw
int8 values and writes the winner as it is; its Eval refuses an output whose
scale or zero point differs from the input's (TF_LITE_ENSURE_EQ), so the
compiler refuses such a model too, and the kernel never requantizes."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_int8, tensor_label, zero_point
from .mean import axes_mask, reduction_axes


@register("REDUCE_MAX", "REDUCE_MIN")
def prepare_reduce_max(op: Op, graph: Graph) -> PreparedOp:
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require_int8(op, x, "input")
    require_int8(op, y, "output")
    axes = reduction_axes(op, graph, x, y)
    # TFLM compares the float32 scales (as doubles) and the zero points for equality.
    x_scale, y_scale = np.float32(x.scale[0]), np.float32(y.scale[0])
    require(x_scale == y_scale and zero_point(x) == zero_point(y), op,
            f"output {tensor_label(y)} has scale {np.format_float_positional(y_scale)}, zero point {zero_point(y)}; "
            f"TFLM requires the input's ({np.format_float_positional(x_scale)}, {zero_point(x)}) for int8 {op.type}")
    return PreparedOp(op.type, [x.index], y.index, params={"axes": axes_mask(axes)}, macs=0)
