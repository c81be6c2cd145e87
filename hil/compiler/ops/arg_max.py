"""ARG_MAX, ARG_MIN (int8 input, INT32 output) along one axis from a constant INT32 tensor (negative allowed), rank 1-6; ties give the first index.

TFLM's reference ArgMinMax keeps the first value and replaces it only with a
strictly greater (smaller) one, so ties resolve to the lowest index.  TFLM
refuses an INT64 output (and an INT64 axis tensor) at invoke ("Only int32_t
are supported currently"), so the compiler refuses them with that reason."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_int8, tensor_label

MAX_RANK = 6  # TH_MAX_RANK


@register("ARG_MAX", "ARG_MIN")
def prepare_arg_max(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs (data and axis), got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    axis = input_tensor(graph, op, 1, "axis")
    y = output_tensor(graph, op)
    require_int8(op, x, "input")
    require(y.type_name == "INT32", op,
            f"output {tensor_label(y)} is {y.type_name}; TFLM's {op.type} supports only an INT32 output "
            f"(it fails an INT64 one at invoke), and so does the engine")
    require(axis.type_name == "INT32" and axis.is_constant, op,
            f"axis {tensor_label(axis)} must be a constant INT32 tensor (it is {axis.type_name}"
            f"{'' if axis.is_constant else ', computed at run time'}; TFLM supports only INT32 axes)")
    require(axis.data.size == 1, op, f"axis {tensor_label(axis)} has {axis.data.size} values, expected one")
    rank = len(x.shape)
    require(1 <= rank <= MAX_RANK, op, f"input {tensor_label(x)} has rank {rank}; the engine supports ranks 1 to {MAX_RANK}")
    value = int(axis.data.reshape(-1)[0])
    require(-rank <= value < rank, op,
            f"axis {tensor_label(axis)} is {value}, outside [{-rank}, {rank - 1}] for the rank-{rank} input {tensor_label(x)}")
    resolved = value + rank if value < 0 else value
    expected = tuple(n for d, n in enumerate(x.shape) if d != resolved)
    require(tuple(y.shape) == expected, op,
            f"output {tensor_label(y)} has shape {list(y.shape)}, expected {list(expected)} (axis {value} removed)")
    return PreparedOp(op.type, [x.index], y.index, params={"axis": resolved}, macs=0)
