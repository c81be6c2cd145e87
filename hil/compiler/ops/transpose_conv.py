"""TRANSPOSE_CONV (int8, OHWI per-channel or per-tensor filter, optional int32 bias, SAME/VALID, fused activation): TFLM's Prepare.

TFLite's inputs are output_shape (a constant int32 vector, which TFLM ignores
and which must equal the output's shape), the filter, the input and the
optional bias.  The plan passes the kernel [input, filter, bias].  The
multipliers are PopulateConvolutionQuantizationParams's, as for CONV_2D:
double(input_scale) * double(filter_scale) / double(output_scale), one per
filter scale.  The pads are ComputePaddingHeightWidth run on the *output*
size (dilation 1), as TFLM's Prepare does; the pinned TFLM applies the op's
fused activation to int8 outputs.  The kernel accumulates into one int32 per
output value, so the op wants 4 * output elements of scratch."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import PADDINGS, input_tensor, output_tensor, require, require_rank, tensor_label
from .conv_2d import (MAX_ACCUM_DEPTH, MAX_STRIDE, activation_params, output_multipliers, require_bias,
                      require_filter, require_quantized_activation)


def _trunc_div(a: int, b: int) -> int:
    """C's integer division (towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def tflm_pad(padding: str, out_size: int, filter_size: int, stride: int) -> int:
    """ComputePaddingHeightWidth for one axis with the output's size as the image size."""
    if padding == "SAME":
        windows = _trunc_div(out_size + stride - 1, stride)
    else:
        windows = _trunc_div(out_size - filter_size + stride, stride)
    total = (windows - 1) * stride + filter_size - out_size
    return max(total, 0) // 2


@register("TRANSPOSE_CONV")
def prepare_transpose_conv(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) in (3, 4), op, f"expected 3 or 4 inputs, got {len(op.inputs)}")
    shape_t = input_tensor(graph, op, 0, "output_shape")
    w = input_tensor(graph, op, 1, "filter")
    x = input_tensor(graph, op, 2, "input")
    bias = input_tensor(graph, op, 3, "bias", optional=True)
    y = output_tensor(graph, op)
    require_quantized_activation(op, x, "input")
    require_quantized_activation(op, y, "output")
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        require_rank(op, t, role, 4)
    require(shape_t.is_constant and shape_t.type_name == "INT32", op,
            f"output_shape {tensor_label(shape_t)} must be a constant INT32 tensor "
            f"(is {'constant' if shape_t.is_constant else 'not constant'} {shape_t.type_name})")
    require([int(v) for v in shape_t.data.reshape(-1)] == list(y.shape), op,
            f"output_shape {tensor_label(shape_t)} holds {shape_t.data.reshape(-1).tolist()}, "
            f"but output {tensor_label(y)} has shape {list(y.shape)}")
    out_c, filter_h, filter_w, filter_c = w.shape
    batches, in_h, in_w, in_c = x.shape
    require(y.shape[0] == batches, op, f"output {tensor_label(y)} has {y.shape[0]} batches, the input {batches}")
    require(y.shape[3] == out_c, op, f"output {tensor_label(y)} has {y.shape[3]} channels, the filter {out_c}")
    require(filter_c == in_c, op, f"filter {tensor_label(w)} has depth {filter_c}, the input {in_c} channels")
    require(filter_h * filter_w * filter_c <= MAX_ACCUM_DEPTH, op,
            f"filter {tensor_label(w)} has {filter_h * filter_w * filter_c} taps per output channel, "
            f"more than {MAX_ACCUM_DEPTH}")
    require_filter(op, w, out_c, quantized_dimension=0)
    require_bias(op, bias, out_c)

    padding = PADDINGS.get(op.options.get("padding", 0))
    require(padding is not None, op, f"padding {op.options.get('padding')} is not SAME or VALID")
    stride_h, stride_w = int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))
    for name, value in (("stride_h", stride_h), ("stride_w", stride_w)):
        require(1 <= value <= MAX_STRIDE, op, f"{name} {value} is outside the supported range [1, {MAX_STRIDE}]")
    out_h, out_w = y.shape[1], y.shape[2]
    pad_h = tflm_pad(padding, out_h, filter_h, stride_h)
    pad_w = tflm_pad(padding, out_w, filter_w, stride_w)

    arrays = output_multipliers(op, x, w, y)
    params = {**activation_params(op, x, y), "stride_h": stride_h, "stride_w": stride_w,
              "pad_h": pad_h, "pad_w": pad_w, "quant_count": len(arrays["multipliers"])}
    # Every input value meets every filter tap of its channel, as CONV_2D counts taps over the
    # padding too (TFLM skips the products that land outside the output).
    macs = int(np.prod(x.shape, dtype=np.int64)) * filter_h * filter_w * out_c
    scratch = int(np.prod(y.shape, dtype=np.int64)) * 4
    return PreparedOp("TRANSPOSE_CONV", [x.index, w.index, bias.index if bias is not None else -1], y.index,
                      params=params, arrays=arrays, macs=macs, scratch_bytes=scratch)
