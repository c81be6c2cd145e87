"""MUL (int8; int16, zero points 0): TFLM's CalculateOpDataMul (one multiplier s1*s2/so, may exceed 1), 6-D broadcasting.

Fused NONE/RELU/RELU6/RELU_N1_TO_1.  Either input may be a constant.  int16
runs TFLM's same MulElementwise (int32 product, zero points 0)."""
from __future__ import annotations

import numpy as np

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .add import binary_operands
from ..common import activation_clamp, require, zero_point


def mul_params(input1_scale: float, input1_zero_point: int, input2_scale: float, input2_zero_point: int,
               output_scale: float, output_zero_point: int, act_min: int, act_max: int) -> dict[str, int]:
    """The th_mul_params fields: the float32 scales widened to double, multiplied and divided in double."""
    s1, s2, so = (float(np.float32(s)) for s in (input1_scale, input2_scale, output_scale))
    multiplier, shift = quantize_multiplier(s1 * s2 / so)
    return {
        "input1_offset": -int(input1_zero_point), "input2_offset": -int(input2_zero_point),
        "output_offset": int(output_zero_point), "output_multiplier": multiplier, "output_shift": shift,
        "act_min": int(act_min), "act_max": int(act_max),
    }


@register("MUL")
def prepare_mul(op: Op, graph: Graph) -> PreparedOp:
    a, b, y, _ = binary_operands(op, graph, int16=True)
    act_min, act_max = activation_clamp(op, y)
    require(act_min <= act_max, op, f"fused activation leaves an empty output range [{act_min}, {act_max}]")
    params = mul_params(a.scale[0], zero_point(a), b.scale[0], zero_point(b), y.scale[0], zero_point(y),
                        act_min, act_max)
    require(params["output_shift"] <= 30, op,
            f"output multiplier {float(a.scale[0]) * float(b.scale[0]) / float(y.scale[0])!r} is too large "
            f"(shift {params['output_shift']} > 30)")
    return PreparedOp("MUL", [a.index, b.index], y.index, params=params, macs=0)
