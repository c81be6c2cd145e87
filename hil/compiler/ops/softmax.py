"""SOFTMAX (int8 -> int8): TFLM's CalculateSoftmaxParams for the int8 path.

The kernel works on input differences (x - row max) rescaled into gemmlowp's
Q5.26 format, so the only parameters are that rescaling (a multiplier greater
than one and a left shift) and diff_min, below which exp() is taken as zero."""
from __future__ import annotations


import numpy as np

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_int8, tensor_label, zero_point

SCALED_DIFF_INTEGER_BITS = 5     # kScaledDiffIntegerBits: exp() input is Q5.26
ACCUMULATION_INTEGER_BITS = 12   # kAccumulationIntegerBits: the sum of exps is Q12.19
# Each exp is at most 1.0 and the Q12.19 sum stays below 2^12, so at most 4095 values.
MAX_DEPTH = (1 << ACCUMULATION_INTEGER_BITS) - 1
OUTPUT_ZERO_POINT = -128
OUTPUT_SCALE = np.float32(1.0 / 256)


def preprocess_softmax_scaling(beta: float, input_scale: float,
                               input_integer_bits: int = SCALED_DIFF_INTEGER_BITS) -> tuple[int, int]:
    """PreprocessSoftmaxScaling: (input_multiplier, input_left_shift).

    beta and input_scale are the model's float32 values; the product is taken in
    double, in TFLite's order, and capped at 2^31 - 1."""
    max_real_multiplier = float((1 << 31) - 1)
    real = min(float(beta) * float(input_scale) * float(1 << (31 - input_integer_bits)), max_real_multiplier)
    if not real > 1.0:  # QuantizeMultiplierGreaterThanOne's TFLITE_CHECK_GT(multiplier, 1.)
        raise ValueError(f"softmax input multiplier {real!r} is not greater than 1")
    multiplier, left_shift = quantize_multiplier(real)
    assert left_shift >= 0, (real, left_shift)
    return multiplier, left_shift


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    """CalculateInputRadius: the largest |input difference| that still fits after rescaling.

    TFLite computes it in double and floors; every term is a power of two times
    a small integer, so the double arithmetic is exact and this integer form equal."""
    return (((1 << input_integer_bits) - 1) << (total_signed_bits - input_integer_bits)) >> input_left_shift


def softmax_params(beta: float, input_scale: float) -> dict[str, int]:
    """The th_softmax_params fields for one beta and input scale."""
    multiplier, left_shift = preprocess_softmax_scaling(beta, input_scale)
    return {
        "input_multiplier": multiplier,
        "input_left_shift": left_shift,
        "diff_min": -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift),
    }


@register("SOFTMAX")
def prepare_softmax(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require_int8(op, x, "input")
    require_int8(op, y, "output")
    require(1 <= len(x.shape) <= 4, op,
            f"input {tensor_label(x)} has rank {len(x.shape)}, the engine supports ranks 1 to 4")
    require(tuple(x.shape) == tuple(y.shape), op,
            f"output {tensor_label(y)} shape {list(y.shape)} differs from input shape {list(x.shape)}")
    require(zero_point(y) == OUTPUT_ZERO_POINT and np.float32(y.scale[0]) == OUTPUT_SCALE, op,
            f"output {tensor_label(y)} has scale {float(y.scale[0])!r} and zero point {zero_point(y)}; "
            f"TFLM's int8 softmax requires scale 1/256 and zero point -128")
    depth = int(x.shape[-1])
    require(depth <= MAX_DEPTH, op,
            f"softmax over {depth} values: TFLM's int8 kernel sums exps in Q12.19, "
            f"which holds at most {MAX_DEPTH} values")
    beta = np.float32(op.options.get("beta", 1.0))
    input_scale = np.float32(x.scale[0])
    product = float(beta) * float(input_scale) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS))
    require(product > 1.0, op,
            f"beta {float(beta)!r} times input scale {float(input_scale)!r} is too small (or not positive): "
            f"TFLM needs beta * scale * 2^26 > 1")
    params = softmax_params(float(beta), float(input_scale))
    return PreparedOp("SOFTMAX", [x.index], y.index, params=params, macs=0)
