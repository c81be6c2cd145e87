"""QUANTIZE between integer types: int8 -> int8/uint8/int16/int32, uint8 -> int8, int16 -> int8/int16/int32 (per-tensor; TFLM's requantize). float32 -> int8/int16 only at a model input (converted outside the engine).

The multiplier is TFLM's: QuantizeMultiplier(double(input scale) / double(output
scale)).  A QUANTIZE from float32 that is not at a model input would put float
inside the graph, which the integer-only engine refuses."""
from __future__ import annotations

import numpy as np

from ...errors import UnsupportedModelError
from ...model.tflite import Graph, Op
from ..common import input_tensor, output_tensor, require, tensor_label, zero_point
from ..quant import quantize_multiplier
from . import PreparedOp, register

# TFLM's PrepareQuantizeReference pairs, integer ones (float32 in is the boundary's).
PAIRS = {("INT8", "INT8"), ("INT8", "UINT8"), ("INT8", "INT16"), ("INT8", "INT32"), ("UINT8", "INT8"),
         ("INT16", "INT8"), ("INT16", "INT16"), ("INT16", "INT32")}
RANGES = {"INT8": (-128, 127), "UINT8": (0, 255), "INT16": (-32768, 32767), "INT32": (-2 ** 31, 2 ** 31 - 1)}


def quantize_params(input_scale, input_zero_point: int, output_scale, output_zero_point: int) -> dict[str, int]:
    multiplier, shift = quantize_multiplier(float(input_scale) / float(output_scale))
    return {"input_zero_point": int(input_zero_point), "output_zero_point": int(output_zero_point),
            "multiplier": multiplier, "shift": shift, "output_scale_f32": 0}


@register("QUANTIZE")
def prepare_quantize(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require(x.type_name != "FLOAT32", op,
            f"input {tensor_label(x)} is float32 inside the graph (only a model input's QUANTIZE may read "
            "float32: the engine is integer-only)")
    require((x.type_name, y.type_name) in PAIRS, op,
            f"{x.type_name.lower()} -> {y.type_name.lower()} is not a pair TFLM's QUANTIZE supports "
            f"({', '.join(f'{a.lower()}->{b.lower()}' for a, b in sorted(PAIRS))})")
    for t, role in ((x, "input"), (y, "output")):
        require(t.scale is not None and t.scale.size == 1, op,
                f"{role} {tensor_label(t)} must be per-tensor quantized")
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        lo, hi = RANGES[t.type_name]
        require(lo <= zero_point(t) <= hi, op,
                f"{role} {tensor_label(t)} has zero point {zero_point(t)}, outside {t.type_name.lower()}")
    require(int(np.prod(x.shape)) == int(np.prod(y.shape)), op,
            f"output {tensor_label(y)} shape {list(y.shape)} has a different element count from input shape "
            f"{list(x.shape)}")
    params = quantize_params(x.scale[0], zero_point(x), y.scale[0], zero_point(y))
    require(-31 <= params["shift"] <= 30, op,
            f"scale ratio {float(x.scale[0]) / float(y.scale[0]):g} needs shift {params['shift']}, outside [-31, 30]")
    return PreparedOp("QUANTIZE", [x.index], y.index, params=params)


@register("DEQUANTIZE")
def prepare_dequantize(op: Op, graph: Graph) -> PreparedOp:
    """Reached only for a DEQUANTIZE that is not a model output's (those are the float I/O boundary)."""
    y = output_tensor(graph, op)
    raise UnsupportedModelError(
        f"output {tensor_label(y)} is {y.type_name.lower()} inside the graph: the engine is integer-only, so only a "
        "DEQUANTIZE that makes a model output (converted on the host side of the link) is supported",
        op.index, op.type)
