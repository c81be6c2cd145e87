"""MAXIMUM, MINIMUM (int8): inputs and output of one quantization (TFLM compares raw values), broadcasting up to 6-D.

TFLM's int8 kernels take the larger/smaller stored value with no
requantization and do not check the quantizations agree; the engine refuses
models where they differ, whose TFLM results would not be the max/min of the
real values."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .add import binary_operands
from ..common import require, tensor_label, zero_point


@register("MAXIMUM", "MINIMUM")
def prepare_maximum_minimum(op: Op, graph: Graph) -> PreparedOp:
    a, b, y, _ = binary_operands(op, graph)
    for t, role in ((b, "second input"), (y, "output")):
        same = np.float32(t.scale[0]) == np.float32(a.scale[0]) and zero_point(t) == zero_point(a)
        require(same, op,
                f"{role} {tensor_label(t)} is quantized (scale {float(t.scale[0])!r}, zero point {zero_point(t)}) "
                f"unlike the first input {tensor_label(a)} (scale {float(a.scale[0])!r}, zero point {zero_point(a)}); "
                f"TFLM compares int8 values without requantizing, so all three must match")
    return PreparedOp(op.type, [a.index, b.index], y.index, macs=0)
