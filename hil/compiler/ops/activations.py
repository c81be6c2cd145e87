"""Elementwise int8 activations: RELU, RELU6, LEAKY_RELU, as TFLM's Prepare computes them.

RELU (CalculateReluOpData): requantize by input_scale / output_scale, clamp to
[quantized 0 of the output, 127].
RELU6: TFLM's int8 Relu6 only clamps each input byte to [zero_point, quantized
6.0] of the *input* quantization (no requantization, even if the output's
scale differs).
LEAKY_RELU (CalculateOpDataLeakyRelu): two multipliers, identity
(input_scale / output_scale) and alpha (input_scale * alpha / output_scale),
both computed in float32 as TFLM does and widened to double."""
from __future__ import annotations

import numpy as np

from ..quant import INT8_MAX, INT8_MIN, quantize_multiplier, round_half_away
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_int8, tensor_label, zero_point


def _unary(op: Op, graph: Graph):
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require_int8(op, x, "input")
    require_int8(op, y, "output")
    require(tuple(x.shape) == tuple(y.shape), op,
            f"output {tensor_label(y)} shape {list(y.shape)} differs from input shape {list(x.shape)}")
    for t, role in ((x, "input"), (y, "output")):
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        require(INT8_MIN <= zero_point(t) <= INT8_MAX, op,
                f"{role} {tensor_label(t)} has zero point {zero_point(t)}, outside int8")
    return x, y


def _quantize_f32(value: float, scale, zp: int) -> int:
    """zp + round(value / scale) with the division in float32, round half away."""
    return int(zp) + round_half_away(float(np.float32(value) / np.float32(scale)))


def relu_params(input_scale, input_zero_point: int, output_scale, output_zero_point: int) -> dict[str, int]:
    real = float(np.float32(input_scale)) / float(np.float32(output_scale))
    m, shift = quantize_multiplier(real)
    return {
        "input_offset": int(input_zero_point), "output_offset": int(output_zero_point),
        "multiplier": m, "shift": shift,
        "act_min": max(INT8_MIN, _quantize_f32(0.0, output_scale, output_zero_point)), "act_max": INT8_MAX,
    }


def relu6_params(input_scale, input_zero_point: int) -> dict[str, int]:
    six = min(INT8_MAX, max(INT8_MIN, _quantize_f32(6.0, input_scale, input_zero_point)))
    return {"act_min": int(input_zero_point), "act_max": six}


def leaky_relu_params(input_scale, input_zero_point: int, output_scale, output_zero_point: int,
                      alpha: float) -> dict[str, int]:
    si, so, a = np.float32(input_scale), np.float32(output_scale), np.float32(alpha)
    ma, sha = quantize_multiplier(float(np.float32(si * a) / so))
    mi, shi = quantize_multiplier(float(si / so))
    return {
        "input_offset": int(input_zero_point), "output_offset": int(output_zero_point),
        "identity_multiplier": mi, "identity_shift": shi,
        "alpha_multiplier": ma, "alpha_shift": sha,
    }


def _check_shift(op: Op, name: str, shift: int) -> None:
    require(-31 <= shift <= 30, op, f"{name} multiplier shift {shift} is outside [-31, 30] (scale ratio out of range)")


@register("RELU")
def prepare_relu(op: Op, graph: Graph) -> PreparedOp:
    """RELU (int8 -> int8, per-tensor): TFLM's ReluQuantized, requantized to the output scale, clamped at its quantized 0."""
    x, y = _unary(op, graph)
    params = relu_params(x.scale[0], zero_point(x), y.scale[0], zero_point(y))
    _check_shift(op, "output", params["shift"])
    require(params["act_min"] <= params["act_max"], op,
            f"output {tensor_label(y)} cannot represent 0 (quantized 0 is {params['act_min']})")
    return PreparedOp("RELU", [x.index], y.index, params=params, macs=0)


@register("RELU6")
def prepare_relu6(op: Op, graph: Graph) -> PreparedOp:
    """RELU6 (int8 -> int8, per-tensor): TFLM's int8 Relu6 clamps to [0, 6] of the input quantization (no requantization)."""
    x, y = _unary(op, graph)
    params = relu6_params(x.scale[0], zero_point(x))
    return PreparedOp("RELU6", [x.index], y.index, params=params, macs=0)


@register("LEAKY_RELU")
def prepare_leaky_relu(op: Op, graph: Graph) -> PreparedOp:
    """LEAKY_RELU (int8 -> int8, per-tensor): TFLM's two multipliers (identity and alpha)."""
    x, y = _unary(op, graph)
    alpha = float(op.options.get("alpha", 0.0))
    require(alpha >= 0.0, op, f"alpha {alpha!r} is negative; the engine supports alpha >= 0")
    params = leaky_relu_params(x.scale[0], zero_point(x), y.scale[0], zero_point(y), alpha)
    _check_shift(op, "identity", params["identity_shift"])
    _check_shift(op, "alpha", params["alpha_shift"])
    return PreparedOp("LEAKY_RELU", [x.index], y.index, params=params, macs=0)


def downscale_int32_to_int16_multiplier(multiplier: int) -> int:
    """TFLM's DownScaleInt32ToInt16Multiplier: round a Q31 multiplier to Q15."""
    rounding = 1 << 15
    if multiplier >= (1 << 31) - 1 - rounding:
        return (1 << 15) - 1
    return (multiplier + rounding) >> 16


def hard_swish_params(input_scale, input_zero_point: int, output_scale, output_zero_point: int) -> dict[str, int]:
    """HardSwishPrepare: scales in float32, each ratio widened to double."""
    hires = np.float32(1.0 / 128.0) * np.float32(input_scale)
    reluish_scale = np.float32(3.0) / np.float32(32768.0)
    mo, so = quantize_multiplier(float(np.float32(hires / np.float32(output_scale))))
    mr, sr = quantize_multiplier(float(np.float32(hires / reluish_scale)))
    return {
        "input_zero_point": int(input_zero_point), "output_zero_point": int(output_zero_point),
        "output_multiplier": downscale_int32_to_int16_multiplier(mo), "output_shift": so,
        "reluish_multiplier": downscale_int32_to_int16_multiplier(mr), "reluish_shift": sr,
    }


@register("HARD_SWISH")
def prepare_hard_swish(op: Op, graph: Graph) -> PreparedOp:
    """HARD_SWISH (int8 -> int8, per-tensor): TFLM's int16 fixed-point reference."""
    x, y = _unary(op, graph)
    params = hard_swish_params(x.scale[0], zero_point(x), y.scale[0], zero_point(y))
    require(-15 <= params["output_shift"] <= 0, op,
            f"output multiplier exponent {params['output_shift']} is outside [-15, 0] "
            f"(input scale {float(x.scale[0])!r} vs output scale {float(y.scale[0])!r})")
    require(-15 <= params["reluish_shift"] <= 15, op,
            f"reluish multiplier exponent {params['reluish_shift']} is outside [-15, 15] "
            f"(input scale {float(x.scale[0])!r})")
    return PreparedOp("HARD_SWISH", [x.index], y.index, params=params, macs=0)


LOGISTIC_INPUT_INTEGER_BITS = 4


def logistic_params(input_scale, input_zero_point: int) -> dict[str, int]:
    """CalculateArithmeticOpData (int8 LOGISTIC): input scale * 2^27 as frexp mantissa and exponent."""
    import math
    real = float(np.float32(input_scale)) * float(1 << (31 - LOGISTIC_INPUT_INTEGER_BITS))
    q, shift = math.frexp(real)
    multiplier = round_half_away(q * (1 << 31))
    max_rescaled = 1.0 * ((1 << LOGISTIC_INPUT_INTEGER_BITS) - 1) * (1 << (31 - LOGISTIC_INPUT_INTEGER_BITS)) / (1 << shift) \
        if shift >= 0 else 1.0 * ((1 << LOGISTIC_INPUT_INTEGER_BITS) - 1) * (1 << (31 - LOGISTIC_INPUT_INTEGER_BITS)) * (1 << -shift)
    return {"input_zero_point": int(input_zero_point), "input_range_radius": int(math.floor(max_rescaled)),
            "input_multiplier": int(multiplier), "input_left_shift": int(shift)}


def checked_log2(x) -> tuple[bool, int]:
    """TFLM's CheckedLog2 in float32: (log2 x within 1e-3 of an integer, that integer rounded half away)."""
    x_log2 = np.float32(np.log(np.float32(x))) * (np.float32(1.0) / np.float32(np.log(np.float32(2.0))))
    rounded = round_half_away(float(x_log2))
    return bool(abs(np.float32(x_log2 - np.float32(rounded))) < np.float32(1e-3)), int(rounded)


LUT16_INPUT_INTEGER_BITS = 3


def lut16_params(input_scale, pot_left_shifts: tuple[int, ...]) -> dict[str, int]:
    """TFLM's int16 LOGISTIC/TANH Prepare, as the kernel then uses it: the table input is
    (x * multiplier + round) >> shift.  A power-of-two input scale (CheckedLog2) whose left shift
    12 + log2(scale) is in pot_left_shifts (0 for LOGISTIC, 0 or 1 for TANH) gives 3 << left_shift,
    no shift; otherwise scale * 4096 * 3 (double) is doubled while <= 32767 / 2, at most 31 times,
    and truncated."""
    pot, log2_rounded = checked_log2(input_scale)
    left_shift = (15 - LUT16_INPUT_INTEGER_BITS) + log2_rounded
    if pot and left_shift in pot_left_shifts:
        return {"input_zero_point": 0, "input_range_radius": 0, "input_multiplier": 3 << left_shift,
                "input_left_shift": 0}
    multiplier = float(np.float32(input_scale)) * 4096.0 * 3.0
    left_shift = 0
    while multiplier <= 32767.0 / 2.0 and left_shift <= 30:
        left_shift += 1
        multiplier *= 2.0
    return {"input_zero_point": 0, "input_range_radius": 0, "input_multiplier": int(multiplier),
            "input_left_shift": left_shift}


def _prepare_lut16(op: Op, graph: Graph, op_type: str, pot_left_shifts: tuple[int, ...]) -> PreparedOp:
    """int16 LOGISTIC / TANH: zero points 0, output scale 2^-15 (TFLM's CheckedLog2 checks)."""
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    for t, role in ((x, "input"), (y, "output")):
        require(t.type_name == "INT16", op, f"{role} {tensor_label(t)} is {t.type_name}; with an INT16 input the "
                                            f"output must be INT16 too")
        require(t.scale is not None and t.scale.size == 1 and float(t.scale[0]) > 0.0, op,
                f"{role} {tensor_label(t)} needs a positive per-tensor scale")
        require(zero_point(t) == 0, op, f"{role} {tensor_label(t)} has zero point {zero_point(t)}; int16 needs 0")
    require(tuple(x.shape) == tuple(y.shape), op,
            f"output {tensor_label(y)} shape {list(y.shape)} differs from input shape {list(x.shape)}")
    pot, log2_rounded = checked_log2(y.scale[0])
    require(pot and log2_rounded == -15, op,
            f"output {tensor_label(y)} scale {float(y.scale[0])!r} is not 2^-15 (TFLM requires it)")
    params = lut16_params(x.scale[0], pot_left_shifts)
    require(1 <= params["input_multiplier"] <= 32767, op,
            f"input {tensor_label(x)} scale {float(x.scale[0])!r} gives table multiplier "
            f"{params['input_multiplier']}, outside TFLM's [1, 32767]")
    return PreparedOp(op_type, [x.index], y.index, params=params, macs=0)


def _input_is_int16(op: Op, graph: Graph) -> bool:
    return len(op.inputs) >= 1 and input_tensor(graph, op, 0, "input").type_name == "INT16"


@register("LOGISTIC")
def prepare_logistic(op: Op, graph: Graph) -> PreparedOp:
    """LOGISTIC: int8 (gemmlowp on Q4.27, output 1/256 zp -128) or int16 (TFLM's LUT, output 2^-15, zero points 0)."""
    if _input_is_int16(op, graph):
        return _prepare_lut16(op, graph, "LOGISTIC", (0,))
    x, y = _unary(op, graph)
    require(zero_point(y) == INT8_MIN, op, f"output {tensor_label(y)} zero point {zero_point(y)} is not -128 (TFLM requires it)")
    require(abs(float(y.scale[0]) - 1.0 / 256) < 0.001 / 256, op,
            f"output {tensor_label(y)} scale {float(y.scale[0])!r} is not 1/256 (TFLM requires it)")
    params = logistic_params(x.scale[0], zero_point(x))
    require(-31 <= params["input_left_shift"] <= 30 and params["input_multiplier"] < (1 << 31), op,
            f"input scale {float(x.scale[0])!r} is out of range")
    require(params["input_range_radius"] < (1 << 31), op, f"input scale {float(x.scale[0])!r} is too small")
    return PreparedOp("LOGISTIC", [x.index], y.index, params=params, macs=0)


@register("TANH")
def prepare_tanh(op: Op, graph: Graph) -> PreparedOp:
    """TANH: int8 (gemmlowp on Q4.27, output 1/128 zp 0) or int16 (TFLM's LUT, output 2^-15, zero points 0)."""
    if _input_is_int16(op, graph):
        return _prepare_lut16(op, graph, "TANH", (0, 1))
    x, y = _unary(op, graph)
    require(zero_point(y) == 0, op, f"output {tensor_label(y)} zero point {zero_point(y)} is not 0 (TFLM requires it)")
    require(abs(float(y.scale[0]) - 1.0 / 128) < 0.001 / 128, op,
            f"output {tensor_label(y)} scale {float(y.scale[0])!r} is not 1/128 (TFLM requires it)")
    params = logistic_params(x.scale[0], zero_point(x))  # same input rescaling (Q4.27) as LOGISTIC
    require(-31 <= params["input_left_shift"] <= 30 and params["input_multiplier"] < (1 << 31), op,
            f"input scale {float(x.scale[0])!r} is out of range")
    require(params["input_range_radius"] < (1 << 31), op, f"input scale {float(x.scale[0])!r} is too small")
    return PreparedOp("TANH", [x.index], y.index, params=params, macs=0)
