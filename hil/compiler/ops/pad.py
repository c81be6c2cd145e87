"""PAD, PADV2 (int8, int16, int32; rank <= 5): constant int32 paddings, pad value = PADV2's constant or the int8 output zero point.

As TFLM's PadPrepare/PadEval: the paddings tensor must be constant and is read
as int32 (TFLM reads an INT64 paddings buffer as int32 words too, so the same
words are used here and its output-shape check decides); each output dim is
the input dim plus both paddings.  The pad value is PADV2's scalar constant
(for int8 with the output's scale and zero point) or, without one, the output
zero point for int8 and 0 for int16 and int32."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op, Tensor
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label, zero_point

MAX_RANK = 5                 # TFLM's PadKernelMaxDimensionCount
MOVABLE = ("INT8", "INT16", "INT32")
MAX_RANK_FIELDS = 6


def tflm_paddings(paddings: Tensor, rank: int) -> np.ndarray:
    """The 2 * rank int32 values TFLM's PadPrepare reads from the paddings buffer."""
    words = np.frombuffer(np.ascontiguousarray(paddings.data).astype(paddings.data.dtype.newbyteorder("<")).tobytes(),
                          "<i4")
    return words[:2 * rank].astype(np.int64)


def pad_value(op: Op, x: Tensor, y: Tensor, value: Tensor | None) -> int:
    if value is None:
        if x.type_name == "INT8":
            return zero_point(y)
        return 0   # TFLM pads int16 and int32 with 0 when there is no constant
    require(value.type_name == x.type_name, op,
            f"pad value {tensor_label(value)} is {value.type_name}, the input is {x.type_name}")
    require(value.is_constant, op, f"pad value {tensor_label(value)} is not constant; the engine needs it at load time")
    require(value.data.size == 1, op, f"pad value {tensor_label(value)} has {value.data.size} elements, not 1")
    if x.type_name == "INT8":
        require(value.scale is not None and y.scale is not None, op,
                f"pad value {tensor_label(value)} or the output has no quantization parameters")
        require(zero_point(value) == zero_point(y), op,
                f"pad value {tensor_label(value)} zero point {zero_point(value)} differs from the output's "
                f"{zero_point(y)} (TFLM requires them equal)")
        require(float(value.scale[0]) == float(y.scale[0]), op,
                f"pad value {tensor_label(value)} scale {float(value.scale[0])} differs from the output's "
                f"{float(y.scale[0])} (TFLM requires them equal)")
    return int(value.data.reshape(-1)[0])


@register("PAD", "PADV2")
def prepare_pad(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) in (2, 3), op, f"expected 2 or 3 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    paddings = input_tensor(graph, op, 1, "paddings")
    value = input_tensor(graph, op, 2, "constant value", optional=True)
    y = output_tensor(graph, op)
    require(x.type_name in MOVABLE, op,
            f"input {tensor_label(x)} is {x.type_name}, the engine pads {', '.join(MOVABLE)}")
    require(y.type_name == x.type_name, op, f"output {tensor_label(y)} is {y.type_name}, the input is {x.type_name}")
    rank = len(x.shape)
    require(rank <= MAX_RANK, op, f"input {tensor_label(x)} has rank {rank}; TFLM pads up to rank {MAX_RANK}")
    require(len(y.shape) == rank, op, f"output {tensor_label(y)} has rank {len(y.shape)}, the input {rank}")
    require(paddings.is_constant, op,
            f"paddings {tensor_label(paddings)} is not constant (TFLM: non-constant paddings are not supported)")
    require(paddings.type_name in ("INT32", "INT64"), op,
            f"paddings {tensor_label(paddings)} is {paddings.type_name}, expected INT32")
    require(paddings.data.size == 2 * rank, op,
            f"paddings {tensor_label(paddings)} has {paddings.data.size} values, TFLM wants 2 per output dim ({2 * rank})")
    pads = tflm_paddings(paddings, rank)
    before, after = pads[0::2], pads[1::2]
    for d in range(rank):
        require(before[d] >= 0 and after[d] >= 0, op,
                f"paddings {tensor_label(paddings)} dim {d} is [{before[d]}, {after[d]}]; negative padding is refused")
        require(y.shape[d] == x.shape[d] + before[d] + after[d], op,
                f"output {tensor_label(y)} dim {d} is {y.shape[d]}, but input dim {x.shape[d]} + paddings "
                f"[{before[d]}, {after[d]}] gives {x.shape[d] + before[d] + after[d]} (TFLM's PadPrepare check)")
    params = {"pad_value": pad_value(op, x, y, value)}
    for d in range(MAX_RANK_FIELDS):
        params[f"before{d}"] = int(before[d]) if d < rank else 0
        params[f"after{d}"] = int(after[d]) if d < rank else 0
    return PreparedOp(op.type, [x.index], y.index, params=params)
