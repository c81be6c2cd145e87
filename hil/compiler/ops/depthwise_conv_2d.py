"""DEPTHWISE_CONV_2D (int8): TFLM's DepthwiseConvPrepare.

The filter is [1, H, W, input_channels * depth_multiplier]; output channel
c * depth_multiplier + m filters input channel c.  Quantization is along the
last filter dimension, with the same arithmetic as CONV_2D."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_rank, tensor_label
from .conv_2d import (MAX_ACCUM_DEPTH, activation_params, output_multipliers, require_bias, require_filter,
                      require_quantized_activation, spatial_params)


@register("DEPTHWISE_CONV_2D")
def prepare_depthwise_conv_2d(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) in (2, 3), op, f"expected 2 or 3 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    w = input_tensor(graph, op, 1, "filter")
    bias = input_tensor(graph, op, 2, "bias", optional=True)
    y = output_tensor(graph, op)
    require_quantized_activation(op, x, "input")
    require_quantized_activation(op, y, "output")
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
    require_bias(op, bias, out_c)

    arrays = output_multipliers(op, x, w, y)
    params = {**activation_params(op, x, y), **spatial_params(op, x, y, filter_h, filter_w),
              "depth_multiplier": depth_multiplier, "quant_count": len(arrays["multipliers"])}
    macs = int(np.prod(y.shape, dtype=np.int64)) * filter_h * filter_w
    return PreparedOp("DEPTHWISE_CONV_2D", [x.index, w.index, bias.index if bias is not None else -1], y.index,
                      params=params, arrays=arrays, macs=macs)
