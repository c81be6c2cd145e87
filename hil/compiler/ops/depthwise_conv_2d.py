"""DEPTHWISE_CONV_2D: int8, or 16x8 (int16 in/out, zero point 0; int8 weights; int64 bias), per-channel or per-tensor.

TFLM's DepthwiseConvPrepare.  TFLM's 16x8 kernel reads the bias as int64 whatever its type, so an
int32 bias is refused there.

The filter is [1, H, W, input_channels * depth_multiplier]; output channel
c * depth_multiplier + m filters input channel c.  Quantization is along the
last filter dimension, with the same arithmetic as CONV_2D."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_rank, tensor_label
from .conv_2d import (MAX_ACCUM_DEPTH, MAX_SHIFT, MAX_SHIFT_S64, activation_dtype, activation_params,
                      output_multipliers, require_bias, require_bias16, require_filter, spatial_params)


@register("DEPTHWISE_CONV_2D")
def prepare_depthwise_conv_2d(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) in (2, 3), op, f"expected 2 or 3 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    w = input_tensor(graph, op, 1, "filter")
    bias = input_tensor(graph, op, 2, "bias", optional=True)
    y = output_tensor(graph, op)
    dtype = activation_dtype(op, x, y)
    for t, role in ((x, "input"), (w, "filter"), (y, "output")):
        require_rank(op, t, role, 4)
    one, filter_h, filter_w, out_c = w.shape
    in_c = x.shape[3]
    require(one == 1, op, f"filter {tensor_label(w)} has shape {list(w.shape)}; a depthwise filter is [1, H, W, C]")
    require(y.shape[3] == out_c, op, f"output {tensor_label(y)} has {y.shape[3]} channels, the filter {out_c}")
    # TFLM's kernel loops over the option's depth_multiplier, so it must agree with the shapes.
    depth_multiplier = int(op.options.get("depth_multiplier", 1))
    require(depth_multiplier >= 1 and in_c * depth_multiplier == out_c, op,
            f"depth_multiplier {depth_multiplier} does not turn {in_c} input channels into {out_c} output channels")
    require(filter_h * filter_w <= MAX_ACCUM_DEPTH, op,
            f"filter {tensor_label(w)} accumulates {filter_h * filter_w} products per output, more than {MAX_ACCUM_DEPTH}")
    require_filter(op, w, out_c, quantized_dimension=3)
    if dtype == "INT16":
        require_bias16(op, bias, out_c, filter_h * filter_w, allow_int32=False)
    else:
        require_bias(op, bias, out_c)

    arrays = output_multipliers(op, x, w, y, MAX_SHIFT_S64 if dtype == "INT16" else MAX_SHIFT)
    params = {**activation_params(op, x, y), **spatial_params(op, x, y, filter_h, filter_w),
              "depth_multiplier": depth_multiplier, "quant_count": len(arrays["multipliers"])}
    macs = int(np.prod(y.shape, dtype=np.int64)) * filter_h * filter_w
    # No scratch: every kernel variant keeps its buffers on the stack (th_depthwise_conv2d_s8_scratch_bytes).
    return PreparedOp("DEPTHWISE_CONV_2D", [x.index, w.index, bias.index if bias is not None else -1], y.index,
                      params=params, arrays=arrays, macs=macs)
