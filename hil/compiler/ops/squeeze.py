"""SQUEEZE (any dtype, rank <= 6), EXPAND_DIMS (int8, int16; constant int32 axis): the output aliases the input, no copy.

As TFLM's squeeze.cc and expand_dims.cc: SQUEEZE drops the listed dims of 1
(negative indices counted from the input's rank) or, with none listed, every
dim of 1; EXPAND_DIMS inserts a 1 at its axis (a one-element constant int32
tensor; negative counts from rank + 1) and TFLM checks the output shape
against it.  Both only move bytes, so the output shares the input's buffer."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label

MAX_SQUEEZE_RANK = 8     # TFLM's max_squeeze_dims


@register("SQUEEZE")
def prepare_squeeze(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    rank = len(x.shape)
    require(rank <= MAX_SQUEEZE_RANK, op, f"input {tensor_label(x)} has rank {rank}; TFLM squeezes up to rank 8")
    require(y.type_name == x.type_name, op, f"output {tensor_label(y)} is {y.type_name}, the input is {x.type_name}")
    dims = op.options.get("squeeze_dims") or []
    if not dims:
        squeeze = {d for d in range(rank) if x.shape[d] == 1}
    else:
        squeeze = set()
        for d in dims:
            current = d + rank if d < 0 else d
            require(0 <= current < rank and x.shape[current] == 1, op,
                    f"squeeze dim {d} is not a dim of 1 of input {tensor_label(x)} shape {list(x.shape)}")
            squeeze.add(current)
    expected = [x.shape[d] for d in range(rank) if d not in squeeze]
    require(list(y.shape) == expected, op,
            f"output {tensor_label(y)} shape {list(y.shape)} is not input shape {list(x.shape)} without dims "
            f"{sorted(squeeze)} ({expected})")
    return PreparedOp("SQUEEZE", [x.index], y.index, output_aliases_input=True)


@register("EXPAND_DIMS")
def prepare_expand_dims(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    axis_t = input_tensor(graph, op, 1, "axis")
    y = output_tensor(graph, op)
    require(x.type_name in ("INT8", "INT16"), op,
            f"input {tensor_label(x)} is {x.type_name}; TFLM's EXPAND_DIMS copies int8, int16 (and float32)")
    require(y.type_name == x.type_name, op, f"output {tensor_label(y)} is {y.type_name}, the input is {x.type_name}")
    require(axis_t.is_constant, op, f"axis {tensor_label(axis_t)} is not constant (TFLM requires a constant axis)")
    require(axis_t.type_name == "INT32", op, f"axis {tensor_label(axis_t)} is {axis_t.type_name}; TFLM takes INT32")
    require(len(axis_t.shape) <= 1 and axis_t.data.size >= 1, op,
            f"axis {tensor_label(axis_t)} has shape {list(axis_t.shape)}; TFLM wants one element")
    rank = len(x.shape)
    axis = int(axis_t.data.reshape(-1)[0])
    axis = rank + 1 + axis if axis < 0 else axis
    require(0 <= axis <= rank, op, f"axis {int(axis_t.data.reshape(-1)[0])} is outside [-{rank + 1}, {rank}]")
    expected = list(x.shape[:axis]) + [1] + list(x.shape[axis:])
    require(list(y.shape) == expected, op,
            f"output {tensor_label(y)} shape {list(y.shape)} is not input shape {list(x.shape)} with a 1 at "
            f"axis {axis} ({expected})")
    return PreparedOp("EXPAND_DIMS", [x.index], y.index, output_aliases_input=True)
