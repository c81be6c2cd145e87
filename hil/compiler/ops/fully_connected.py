"""FULLY_CONNECTED: int8, or 16x8 (int16 in/out, zero point 0; int8 weights; int64 or int32 bias), per-channel or per-tensor.

TFLM's CalculateOpDataFullyConnected.

Per-tensor filters (the MLPerf Tiny models) take GetQuantizedConvolutionMultipler:
double(input_scale) * double(filter_scale) / double(output_scale).  The pinned
TFLM multiplies in double (its objdump shows mulsd); older TFLM releases
multiplied the float32 scales in float32 first, which changes the multiplier's
low bits and about one ad01_int8 inference in 200.  TFLM also refuses a bias
whose scale differs from the product by more than 2% of the output scale.
Per-channel filters (current TensorFlow) take the same expression per output
channel, as convolutions do.

The input is read as [batches, accum_depth] whatever its rank (TFLM takes the
batches from the output shape), so a 4-D input needs no RESHAPE."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, dsp_scratch, register
from ..common import input_tensor, output_tensor, require, require_rank, tensor_label
from .conv_2d import (MAX_ACCUM_DEPTH, MAX_SHIFT, MAX_SHIFT_S64, activation_dtype, activation_params,
                      int64_accumulator, output_multipliers, require_bias, require_bias16, require_filter)

BIAS_SCALE_TOLERANCE = 0.02  # GetQuantizedConvolutionMultipler's check, relative to the output scale


@register("FULLY_CONNECTED")
def prepare_fully_connected(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) in (2, 3), op, f"expected 2 or 3 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    w = input_tensor(graph, op, 1, "filter")
    bias = input_tensor(graph, op, 2, "bias", optional=True)
    y = output_tensor(graph, op)
    require(op.options.get("weights_format", 0) == 0, op,
            f"weights_format {op.options.get('weights_format')} is not supported (only DEFAULT)")
    dtype = activation_dtype(op, x, y)
    require_rank(op, w, "filter", 2)
    require(len(y.shape) >= 1, op, f"output {tensor_label(y)} is a scalar")
    units, accum_depth = w.shape
    in_elements = int(np.prod(x.shape, dtype=np.int64))
    out_elements = int(np.prod(y.shape, dtype=np.int64))
    require(in_elements % accum_depth == 0, op,
            f"input {tensor_label(x)} has {in_elements} values, not a multiple of the filter's depth {accum_depth}")
    batches = in_elements // accum_depth
    require(y.shape[-1] == units and out_elements == batches * units, op,
            f"output {tensor_label(y)} has shape {list(y.shape)}; {batches} batch(es) of {units} are expected")
    require(accum_depth <= MAX_ACCUM_DEPTH, op,
            f"filter {tensor_label(w)} accumulates {accum_depth} products per output, more than {MAX_ACCUM_DEPTH}")
    require_filter(op, w, units, quantized_dimension=0)
    wide = False
    if dtype == "INT16":
        require_bias16(op, bias, units, accum_depth)
        wide = int64_accumulator(bias)
    else:
        require_bias(op, bias, units)

    if bias is not None and not w.per_channel:
        product = float(x.scale[0]) * float(w.scale[0])
        bias_scale = float(bias.scale[0]) if bias.scale is not None else 0.0
        require(abs(product - bias_scale) / float(y.scale[0]) <= BIAS_SCALE_TOLERANCE, op,
                f"bias {tensor_label(bias)} scale {bias_scale!r} is not input scale * filter scale "
                f"({product!r}); TFLM refuses this model")
    arrays = output_multipliers(op, x, w, y, MAX_SHIFT_S64 if wide else MAX_SHIFT)
    params = {**activation_params(op, x, y), "filter_offset": 0, "quant_count": len(arrays["multipliers"])}
    scratch = 0  # the 16x8 kernel is the reference loop
    if dtype == "INT8":
        scratch = dsp_scratch.fully_connected_s8(params, params["quant_count"], bias is not None, int(accum_depth),
                                                 int(units))
    return PreparedOp("FULLY_CONNECTED", [x.index, w.index, bias.index if bias is not None else -1], y.index,
                      params=params, arrays=arrays, macs=batches * units * accum_depth, scratch_bytes=scratch)
