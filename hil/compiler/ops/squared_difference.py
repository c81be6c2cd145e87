"""SQUARED_DIFFERENCE (int8): TFLM's quantized path (left shift 7, per-input multipliers, output QuantizeMultiplier), broadcasting up to 6-D.

(x1 - x2)^2 with both inputs rescaled to twice the larger input scale; the
output is clamped to the int8 range (the op has no fused activation)."""
from __future__ import annotations

import numpy as np

from ..quant import INT8_MAX, INT8_MIN, quantize_multiplier, quantize_multiplier_smaller_than_one_exp
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .add import binary_operands
from ..common import require, zero_point

LEFT_SHIFT = 7  # TFLM's headroom for int8: 255^2 * 2^14 fits int32


def squared_difference_params(input1_scale: float, input1_zero_point: int, input2_scale: float,
                              input2_zero_point: int, output_scale: float, output_zero_point: int) -> dict[str, int]:
    """The th_squared_difference_params fields, as TFLM's PrepareQuantized computes them: the larger float32
    input scale doubled in double; 2^14 * output scale in float32, then widened."""
    s1, s2, so = np.float32(input1_scale), np.float32(input2_scale), np.float32(output_scale)
    twice_max_input_scale = 2.0 * float(max(s1, s2))
    m1, sh1 = quantize_multiplier_smaller_than_one_exp(float(s1) / twice_max_input_scale)
    m2, sh2 = quantize_multiplier_smaller_than_one_exp(float(s2) / twice_max_input_scale)
    mo, sho = quantize_multiplier(twice_max_input_scale * twice_max_input_scale /
                                  float(np.float32(1 << (2 * LEFT_SHIFT)) * so))
    return {
        "left_shift": LEFT_SHIFT,
        "input1_offset": -int(input1_zero_point), "input1_multiplier": m1, "input1_shift": sh1,
        "input2_offset": -int(input2_zero_point), "input2_multiplier": m2, "input2_shift": sh2,
        "output_offset": int(output_zero_point), "output_multiplier": mo, "output_shift": sho,
        "act_min": INT8_MIN, "act_max": INT8_MAX,
    }


@register("SQUARED_DIFFERENCE")
def prepare_squared_difference(op: Op, graph: Graph) -> PreparedOp:
    a, b, y, _ = binary_operands(op, graph)
    params = squared_difference_params(a.scale[0], zero_point(a), b.scale[0], zero_point(b), y.scale[0],
                                       zero_point(y))
    require(params["output_shift"] <= 30, op,
            f"output scale {float(y.scale[0])!r} is too small for input scales {float(a.scale[0])!r} and "
            f"{float(b.scale[0])!r} (output shift {params['output_shift']} > 30)")
    return PreparedOp("SQUARED_DIFFERENCE", [a.index, b.index], y.index, params=params, macs=0)
