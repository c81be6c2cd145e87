"""CONV_2D: int8, or 16x8 (int16 in/out, zero point 0; int8 weights; int64 or int32 bias), per-channel or per-tensor.

TFLM's ConvPrepare / PopulateConvolutionQuantizationParams.

Every output channel gets a multiplier and shift for
input_scale * filter_scale[c] / output_scale, taken in double from the
float32 scales.  A per-tensor filter scale is one multiplier for all channels
(TFLM broadcasts it; the plan stores it once).  The helpers here are shared
with DEPTHWISE_CONV_2D, whose Prepare does the same arithmetic."""
from __future__ import annotations

import numpy as np

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op, Tensor
from . import PreparedOp, dsp_scratch, register
from ..common import (activation_clamp, input_tensor, output_tensor, padding_and_output, require, require_int8,
                      require_rank, tensor_label, zero_point)

# The C kernels' limits (kernels/src/ops/conv_window.h): the
# int32 accumulator of TFLM's kernel is exact for up to 2^16 products.
MAX_STRIDE = 1024
MAX_DILATION = 1024
MAX_ACCUM_DEPTH = 65536
MAX_SHIFT = 30  # MultiplyByQuantizedMultiplier's left shift must stay below 31
MAX_SHIFT_S64 = 7  # its int64 form (the 16x8 kernels' int64 accumulator) takes shifts up to 7
MAX_ACC_S64 = 1 << 47  # TFLM asserts the int64 accumulator stays below this in magnitude


def require_quantized_activation(op: Op, t: Tensor, role: str) -> None:
    """An int8 per-tensor tensor with a positive scale and an int8 zero point."""
    require_int8(op, t, role)
    require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
    require(-128 <= zero_point(t) <= 127, op, f"{role} {tensor_label(t)} has zero point {zero_point(t)}, outside int8")


def activation_dtype(op: Op, x: Tensor, y: Tensor) -> str:
    """"INT8", or "INT16" for the 16x8 kernels (int16 input and output, per-tensor, zero point 0:
    TFLM's 16x8 kernels apply no zero points); checks both tensors' quantization."""
    if x.type_name != "INT16":
        require_quantized_activation(op, x, "input")
        require_quantized_activation(op, y, "output")
        return "INT8"
    for t, role in ((y, "output"), (x, "input")):
        require(t.type_name == "INT16", op, f"{role} {tensor_label(t)} is {t.type_name}; with an INT16 input "
                                            f"the output must be INT16 too (16x8)")
        require(t.scale is not None and t.scale.size == 1, op,
                f"{role} {tensor_label(t)} needs per-tensor quantization")
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        require(zero_point(t) == 0, op, f"{role} {tensor_label(t)} is INT16 with zero point {zero_point(t)}; "
                                        f"the 16x8 kernels need 0")
    return "INT16"


def int64_accumulator(bias: Tensor | None) -> bool:
    """TFLM's 16x8 kernels accumulate in int64 unless the bias is int32."""
    return bias is None or bias.type_name != "INT32"


def require_bias16(op: Op, bias: Tensor | None, channels: int, accum_depth: int, allow_int32: bool = True) -> None:
    """The bias of a 16x8 op: INT64 (what the converter makes) or INT32; with the int64 accumulator
    every sum must stay below the 2^47 TFLM asserts."""
    if bias is None:
        return
    allowed = ("INT64", "INT32") if allow_int32 else ("INT64",)
    require(bias.type_name in allowed, op, f"bias {tensor_label(bias)} is {bias.type_name}, expected "
                                           f"{' or '.join(allowed)} with INT16 activations")
    require(int(np.prod(bias.shape, dtype=np.int64)) == channels, op,
            f"bias {tensor_label(bias)} has shape {list(bias.shape)}, expected {channels} values")
    if bias.type_name == "INT64" and bias.data is not None:
        largest = int(np.max(np.abs(bias.data.astype(np.int64)))) if bias.data.size else 0
        require(largest + 32768 * 128 * accum_depth < MAX_ACC_S64, op,
                f"bias {tensor_label(bias)} has a value of magnitude {largest}: the int64 accumulator could "
                f"reach 2^47, which TFLM does not allow")


def require_filter(op: Op, w: Tensor, channels: int, quantized_dimension: int) -> None:
    """Symmetric int8 weights, per tensor or per channel along `quantized_dimension`."""
    require_int8(op, w, "filter", per_tensor=False)
    require(bool(np.all(w.zero_point == 0)), op,
            f"filter {tensor_label(w)} has non-zero zero points; only symmetric int8 weights are supported")
    require(bool(np.all(w.scale > 0)), op, f"filter {tensor_label(w)} has a scale that is not positive")
    if w.per_channel:
        require(w.scale.size == channels and w.quantized_dimension == quantized_dimension, op,
                f"filter {tensor_label(w)} has {w.scale.size} scales along dimension {w.quantized_dimension}; "
                f"per-channel quantization needs {channels} along dimension {quantized_dimension}")


def require_bias(op: Op, bias: Tensor | None, channels: int) -> None:
    if bias is None:
        return
    require(bias.type_name == "INT32", op, f"bias {tensor_label(bias)} is {bias.type_name}, expected INT32")
    require(int(np.prod(bias.shape, dtype=np.int64)) == channels, op,
            f"bias {tensor_label(bias)} has shape {list(bias.shape)}, expected {channels} values")


def output_multipliers(op: Op, x: Tensor, w: Tensor, y: Tensor, max_shift: int = MAX_SHIFT) -> dict[str, np.ndarray]:
    """The "multipliers" and "shifts" arrays: one per filter scale (one for a per-tensor filter) of
    double(input_scale) * double(filter_scale) / double(output_scale), as PopulateConvolutionQuantizationParams;
    multipliers too large for the kernel's left shift are refused."""
    input_scale, output_scale = float(x.scale[0]), float(y.scale[0])
    multipliers, shifts = [], []
    for filter_scale in np.atleast_1d(w.scale):
        real = input_scale * float(filter_scale) / output_scale
        multiplier, shift = quantize_multiplier(real)
        require(shift <= max_shift, op, f"output multiplier {real!r} is too large (needs a shift of {shift}, "
                                        f"at most {max_shift} is supported)")
        multipliers.append(multiplier)
        shifts.append(shift)
    return {"multipliers": np.array(multipliers, np.int32), "shifts": np.array(shifts, np.int32)}


def spatial_params(op: Op, x: Tensor, y: Tensor, filter_h: int, filter_w: int) -> dict[str, int]:
    """Strides, dilations and TFLM's top/left padding; checks the output's height and width."""
    stride_h, stride_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
    dilation_h, dilation_w = int(op.options.get("dilation_h_factor", 1)), int(op.options.get("dilation_w_factor", 1))
    for name, value, limit in (("stride_h", stride_h, MAX_STRIDE), ("stride_w", stride_w, MAX_STRIDE),
                               ("dilation_h_factor", dilation_h, MAX_DILATION),
                               ("dilation_w_factor", dilation_w, MAX_DILATION)):
        require(1 <= value <= limit, op, f"{name} {value} is outside the supported range [1, {limit}]")
    pad_h, out_h = padding_and_output(op, x.shape[1], filter_h, stride_h, dilation_h)
    pad_w, out_w = padding_and_output(op, x.shape[2], filter_w, stride_w, dilation_w)
    require(out_h >= 1 and out_w >= 1, op,
            f"the {filter_h}x{filter_w} filter (dilation {dilation_h}x{dilation_w}) does not fit the "
            f"{x.shape[1]}x{x.shape[2]} input")
    require(tuple(y.shape[:3]) == (x.shape[0], out_h, out_w), op,
            f"output {tensor_label(y)} has shape {list(y.shape)}; the options give "
            f"{[x.shape[0], out_h, out_w, y.shape[3]]}")
    return {"stride_h": stride_h, "stride_w": stride_w, "dilation_h": dilation_h, "dilation_w": dilation_w,
            "pad_h": pad_h, "pad_w": pad_w}


def activation_params(op: Op, x: Tensor, y: Tensor) -> dict[str, int]:
    act_min, act_max = activation_clamp(op, y)
    require(act_min <= act_max, op, f"fused activation leaves an empty output range [{act_min}, {act_max}]")
    return {"input_offset": -zero_point(x), "output_offset": zero_point(y), "act_min": act_min, "act_max": act_max}


@register("CONV_2D")
def prepare_conv_2d(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) in (2, 3), op, f"expected 2 or 3 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    w = input_tensor(graph, op, 1, "filter")
    bias = input_tensor(graph, op, 2, "bias", optional=True)
    y = output_tensor(graph, op)
    dtype = activation_dtype(op, x, y)
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        require_rank(op, t, role, 4)
    out_c, filter_h, filter_w, filter_c = w.shape
    in_c = x.shape[3]
    require(y.shape[3] == out_c, op, f"output {tensor_label(y)} has {y.shape[3]} channels, the filter {out_c}")
    require(in_c % filter_c == 0 and out_c % (in_c // filter_c) == 0, op,
            f"filter depth {filter_c} does not divide the input depth {in_c} into groups that divide "
            f"the {out_c} output channels")
    require(filter_h * filter_w * filter_c <= MAX_ACCUM_DEPTH, op,
            f"filter {tensor_label(w)} accumulates {filter_h * filter_w * filter_c} products per output, "
            f"more than {MAX_ACCUM_DEPTH}")
    require_filter(op, w, out_c, quantized_dimension=0)
    wide = False
    if dtype == "INT16":
        require_bias16(op, bias, out_c, filter_h * filter_w * filter_c)
        wide = int64_accumulator(bias)
    else:
        require_bias(op, bias, out_c)

    arrays = output_multipliers(op, x, w, y, MAX_SHIFT_S64 if wide else MAX_SHIFT)
    params = {**activation_params(op, x, y), **spatial_params(op, x, y, filter_h, filter_w),
              "depth_multiplier": 1, "quant_count": len(arrays["multipliers"])}
    macs = int(np.prod(y.shape, dtype=np.int64)) * filter_h * filter_w * filter_c
    scratch = 0  # the 16x8 kernels are the reference loops
    if dtype == "INT8":
        scratch = dsp_scratch.conv_2d_s8(params, bias is not None, tuple(int(v) for v in x.shape[1:]),
                                         (int(filter_h), int(filter_w), int(filter_c)),
                                         tuple(int(v) for v in y.shape[1:]))
    return PreparedOp("CONV_2D", [x.index, w.index, bias.index if bias is not None else -1], y.index,
                      params=params, arrays=arrays, macs=macs, scratch_bytes=scratch)
