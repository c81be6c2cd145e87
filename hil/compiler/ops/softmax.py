"""SOFTMAX: int8 -> int8 (scale 1/256, zero point -128) or int16 -> int16 (scale 1/32768, zero point 0; TFLM's LUTs).

TFLM's CalculateSoftmaxParams.  The int8 kernel works on input differences
(x - row max) rescaled into gemmlowp's Q5.26 format, so the only parameters
are that rescaling (a multiplier greater than one and a left shift) and
diff_min, below which exp() is taken as zero.

The int16 kernel rescales the differences so that [-65535, 0] stands for
[-10, 0] and interpolates two 513-entry int16 tables that TFLM's Prepare fills
with gen_lut<float, int16_t, int16_t>: exp on [-10, 0] and 1/(1+x) on [0, 1].
The compiler generates them here with the same float32 arithmetic and puts
them in the plan's constant region."""
from __future__ import annotations

import math

import numpy as np

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op, Tensor
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


# --- int16 -----------------------------------------------------------------------------

LUT_STEPS = 512                  # gen_lut's steps for an int16-input table; one more value for the slope
LUT_SIZE = LUT_STEPS + 1         # kInt16LUTArraySize
LUT_WORDS = (LUT_SIZE + 1) // 2  # int32 words the plan stores a table in
INT16_OUTPUT_SCALE = np.float32(1.0) / np.float32(32768)
INT16_OUTPUT_SCALE_TOLERANCE = np.float32(0.001) * np.float32(1.0) / np.float32(32768)
# The int32 sum of up to 32767 per value: TFLM's kernel holds 65536 of them.
MAX_DEPTH_S16 = 65536
MAX_INPUT_SHIFT_S16 = 30


def _round(x: np.float32) -> np.float32:
    """TfLiteRound on a float: std::round, halves away from zero (exact in double for a float32)."""
    v = float(x)
    return np.float32(math.copysign(math.floor(abs(v) + 0.5), v))


def expf(x: np.float32) -> np.float32:
    """std::exp on a float, as the exact exp rounded to float32.  glibc's expf (what TFLM calls)
    differs by one ulp on one of gen_lut's 1537 points (-2.2167969); the table is the same either
    way (tests compare it with one built on libm's expf), and this form does not depend on the host."""
    return np.float32(math.exp(float(x)))


def one_over_one_plus_x(x: np.float32) -> np.float32:
    return np.float32(1.0) / (np.float32(1.0) + x)


def gen_lut_int16(func, input_min: float, input_max: float, output_min: float, output_max: float) -> np.ndarray:
    """TFLM's gen_lut<float, int16_t, int16_t>: 512 samples of func over [input_min, input_max], each
    nudged by half the error of interpolating its midpoint, and the value at input_max; float32 throughout."""
    f32 = np.float32
    lo, hi = f32(input_min), f32(input_max)
    step = (hi - lo) / f32(LUT_STEPS)
    half_step = step / f32(2)
    scaling_inv = f32(65536) / (f32(output_max) - f32(output_min))
    lut = np.empty(LUT_SIZE, np.int16)
    for i in range(LUT_STEPS):
        val = func(lo + f32(i) * step)
        val_midpoint = func((lo + f32(i) * step) + half_step)
        val_next = func(lo + f32(i + 1) * step)
        sample_val = _round(val * scaling_inv)
        midpoint_interp_val = _round((val_next * scaling_inv + _round(val * scaling_inv)) / f32(2))
        midpoint_val = _round(val_midpoint * scaling_inv)
        bias = _round((midpoint_interp_val - midpoint_val) / f32(2))
        lut[i] = int(min(max(float(sample_val - bias), -32768.0), 32767.0))
    lut[LUT_STEPS] = int(min(max(float(_round(func(hi) * scaling_inv)), -32768.0), 32767.0))
    return lut


def softmax_luts() -> tuple[np.ndarray, np.ndarray]:
    """The exp LUT (on [-10, 0]) and the 1/(1+x) LUT (on [0, 1]), outputs over [-1, 1]."""
    return (gen_lut_int16(expf, -10.0, 0.0, -1.0, 1.0),
            gen_lut_int16(one_over_one_plus_x, 0.0, 1.0, -1.0, 1.0))


def lut_words(lut: np.ndarray) -> np.ndarray:
    """A 513-entry int16 table as the plan stores it: little-endian pairs in 257 int32 words."""
    padded = np.zeros(LUT_WORDS * 2, "<i2")
    padded[:lut.size] = lut
    return padded.view("<i4").astype(np.int32)


def prepare_softmax_s16(op: Op, x: Tensor, y: Tensor) -> PreparedOp:
    require(y.type_name == "INT16", op, f"output {tensor_label(y)} is {y.type_name}; an INT16 softmax has an "
                                        f"INT16 output")
    for t, role in ((x, "input"), (y, "output")):
        require(t.scale is not None and t.scale.size == 1, op, f"{role} {tensor_label(t)} needs per-tensor "
                                                               f"quantization")
    output_scale = np.float32(y.scale[0])
    require(zero_point(y) == 0 and abs(output_scale - INT16_OUTPUT_SCALE) <= INT16_OUTPUT_SCALE_TOLERANCE, op,
            f"output {tensor_label(y)} has scale {float(output_scale)!r} and zero point {zero_point(y)}; "
            f"TFLM's int16 softmax requires scale 1/32768 (within 0.1%) and zero point 0")
    depth = int(x.shape[-1])
    require(depth <= MAX_DEPTH_S16, op, f"softmax over {depth} values: TFLM's int16 kernel sums up to 32767 per "
                                        f"value in int32, which holds at most {MAX_DEPTH_S16}")
    beta = np.float32(op.options.get("beta", 1.0))
    input_scale = np.float32(x.scale[0])
    real = float(input_scale) * float(beta) / (10.0 / 65535.0)
    require(real > 0.0, op, f"beta {float(beta)!r} times input scale {float(input_scale)!r} is not positive")
    multiplier, shift = quantize_multiplier(real)
    require(shift <= MAX_INPUT_SHIFT_S16, op, f"beta {float(beta)!r} times input scale {float(input_scale)!r} "
                                              f"needs a shift of {shift}; at most {MAX_INPUT_SHIFT_S16} is supported")
    exp_lut, recip_lut = softmax_luts()
    params = {"input_multiplier": multiplier, "input_left_shift": shift, "diff_min": 0}
    arrays = {"exp_lut": lut_words(exp_lut), "one_over_one_plus_x_lut": lut_words(recip_lut)}
    return PreparedOp("SOFTMAX", [x.index], y.index, params=params, arrays=arrays, macs=0)


@register("SOFTMAX")
def prepare_softmax(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require(len(x.shape) >= 1, op, f"input {tensor_label(x)} has rank 0 (a scalar)")
    require(tuple(x.shape) == tuple(y.shape), op,
            f"output {tensor_label(y)} shape {list(y.shape)} differs from input shape {list(x.shape)}")
    if x.type_name == "INT16":
        return prepare_softmax_s16(op, x, y)
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
    params = {**softmax_params(float(beta), float(input_scale)), "exp_lut_offset": 0,
              "one_over_one_plus_x_lut_offset": 0}
    return PreparedOp("SOFTMAX", [x.index], y.index, params=params, macs=0)
