"""PACK, UNPACK: int8, int16, int32; N tensors of one shape stacked along a new axis (negative allowed) and back; up to 24 inputs / 16 outputs.

Byte copies in TFLM (pack.cc, unpack.cc: no requantization); the axis is the
stacked tensor's (rank + 1 of a piece), made non-negative for the params."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label
from ._movement import require_dtype, require_same_dtype, resolve_axis

DTYPES = ("INT8", "INT16", "INT32")
MAX_INPUTS = 24
MAX_OUTPUTS = 16
MAX_RANK = 6


def _check_pieces(op: Op, graph: Graph, stacked, pieces: list[int], role: str, axis: int) -> None:
    want = list(stacked.shape[:axis]) + list(stacked.shape[axis + 1:])
    for k, t in enumerate(pieces):
        piece = graph.tensors[t]
        require_same_dtype(op, piece, f"{role} {k}", stacked)
        require(list(piece.shape) == want, op,
                f"{role} {k} {tensor_label(piece)} has shape {list(piece.shape)}, expected {want}")


@register("PACK")
def prepare_pack(op: Op, graph: Graph) -> PreparedOp:
    count = int(op.options.get("values_count", 0))
    require(count == len(op.inputs) >= 1, op, f"values_count {count} for {len(op.inputs)} inputs")
    require(count <= MAX_INPUTS, op, f"{count} inputs; the engine supports up to {MAX_INPUTS}")
    for k in range(count):
        input_tensor(graph, op, k, f"value {k}")
    y = output_tensor(graph, op)
    require_dtype(op, y, "output", DTYPES)
    require(2 <= len(y.shape) <= MAX_RANK, op,
            f"output {tensor_label(y)} has rank {len(y.shape)}; the engine supports 2 to {MAX_RANK}")
    axis = resolve_axis(op, int(op.options.get("axis", 0)), len(y.shape), "axis")
    require(y.shape[axis] == count, op,
            f"output {tensor_label(y)} dimension {axis} is {y.shape[axis]}, expected {count} (the inputs)")
    _check_pieces(op, graph, y, list(op.inputs), "input", axis)
    return PreparedOp("PACK", list(op.inputs), y.index, params={"axis": axis})


@register("UNPACK")
def prepare_unpack(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    require_dtype(op, x, "input", DTYPES)
    require(2 <= len(x.shape) <= MAX_RANK, op,
            f"input {tensor_label(x)} has rank {len(x.shape)}; the engine supports 2 to {MAX_RANK}")
    axis = resolve_axis(op, int(op.options.get("axis", 0)), len(x.shape), "axis")
    num = int(op.options.get("num", 0))
    require(num == len(op.outputs) == x.shape[axis], op,
            f"num {num} and {len(op.outputs)} outputs, but input {tensor_label(x)} dimension {axis} is {x.shape[axis]}")
    require(num <= MAX_OUTPUTS, op, f"{num} outputs; the engine supports up to {MAX_OUTPUTS}")
    _check_pieces(op, graph, x, list(op.outputs), "output", axis)
    return PreparedOp("UNPACK", [x.index], list(op.outputs), params={"axis": axis})
