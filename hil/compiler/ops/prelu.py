"""PRELU (int8): TFLM's CalculatePreluParams (identity and alpha multipliers); per-tensor alpha, constant or input, broadcast over the input up to 6-D.

Alpha's values may differ per channel (a [C] or [1, 1, C] tensor broadcast
over H and W); its quantization must be per-tensor, as TFLM reads one scale."""
from __future__ import annotations

import numpy as np

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .add import require_broadcast, require_quantized
from ..common import input_tensor, output_tensor, require, tensor_label, zero_point


def prelu_params(input_scale: float, input_zero_point: int, alpha_scale: float, alpha_zero_point: int,
                 output_scale: float, output_zero_point: int) -> dict[str, int]:
    """The th_prelu_params fields: float32 scales widened to double, as TFLM's CalculatePreluParams."""
    si, sa, so = (float(np.float32(s)) for s in (input_scale, alpha_scale, output_scale))
    m1, sh1 = quantize_multiplier(si / so)
    m2, sh2 = quantize_multiplier(si * sa / so)
    return {
        "input_offset": -int(input_zero_point), "alpha_offset": -int(alpha_zero_point),
        "output_offset": int(output_zero_point),
        "identity_multiplier": m1, "identity_shift": sh1, "alpha_multiplier": m2, "alpha_shift": sh2,
    }


@register("PRELU")
def prepare_prelu(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "data")
    alpha = input_tensor(graph, op, 1, "alpha")
    y = output_tensor(graph, op)
    require_quantized(op, ((x, "input"), (alpha, "alpha"), (y, "output")))
    require_broadcast(op, x, alpha, y, roles=("input", "alpha"))
    params = prelu_params(x.scale[0], zero_point(x), alpha.scale[0], zero_point(alpha), y.scale[0], zero_point(y))
    for field in ("identity_shift", "alpha_shift"):
        require(params[field] <= 30, op,
                f"output {tensor_label(y)} scale {float(y.scale[0])!r} is too small for the input and alpha scales "
                f"({field.replace('_', ' ')} {params[field]} > 30)")
    return PreparedOp("PRELU", [x.index, alpha.index], y.index, params=params, macs=0)
