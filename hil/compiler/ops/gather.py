"""GATHER (int8; constant int32 indices, each checked in range at load; any axis, batch_dims): slices picked along an axis.

As TFLM's gather.cc: int8 (or float32) params, INT32 positions, the axis and
batch_dims negative-relative to the input's and the indices' rank, batch_dims
<= axis and the leading batch_dims dims of both equal; the output shape is
input[:axis] + indices[batch_dims:] + input[axis + 1:].  TFLM checks each
index at every invoke and fails there; the engine's eval cannot fail, so the
indices must be constant and are checked once, at load time (a non-constant
indices tensor is refused)."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label


@register("GATHER")
def prepare_gather(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "params")
    idx = input_tensor(graph, op, 1, "indices")
    y = output_tensor(graph, op)
    require(x.type_name == "INT8", op, f"params {tensor_label(x)} is {x.type_name}; TFLM gathers int8 (and float32)")
    require(y.type_name == x.type_name, op, f"output {tensor_label(y)} is {y.type_name}, the params {x.type_name}")
    require(idx.type_name == "INT32", op,
            f"indices {tensor_label(idx)} is {idx.type_name}; TFLM takes INT32 positions only")
    require(idx.is_constant, op,
            f"indices {tensor_label(idx)} is not constant: TFLM checks positions at each invoke, but the engine's "
            "eval cannot fail, so it needs them at load time to check them")
    rank, idx_rank = len(x.shape), len(idx.shape)
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    require(0 <= axis < rank, op, f"axis {op.options.get('axis', 0)} is outside params rank {rank}")
    batch_dims = int(op.options.get("batch_dims", 0))
    batch_dims = batch_dims + idx_rank if batch_dims < 0 else batch_dims
    require(0 <= batch_dims <= axis and batch_dims < rank and batch_dims <= idx_rank, op,
            f"batch_dims {op.options.get('batch_dims', 0)} must be in [0, axis {axis}] and within both ranks (TFLM)")
    require(list(x.shape[:batch_dims]) == list(idx.shape[:batch_dims]), op,
            f"the first {batch_dims} dims of params {list(x.shape)} and indices {list(idx.shape)} differ")
    expected = list(x.shape[:axis]) + list(idx.shape[batch_dims:]) + list(x.shape[axis + 1:])
    require(list(y.shape) == expected, op,
            f"output {tensor_label(y)} shape {list(y.shape)} is not the gathered shape {expected}")
    indices = np.asarray(idx.data, dtype=np.int64).reshape(-1)
    bad = np.flatnonzero((indices < 0) | (indices >= x.shape[axis]))
    require(bad.size == 0, op,
            f"indices {tensor_label(idx)} holds {int(indices[bad[0]]) if bad.size else 0} at position "
            f"{int(bad[0]) if bad.size else 0}, outside [0, {x.shape[axis]}) (TFLM fails at invoke)")
    coords = int(np.prod(idx.shape[batch_dims:], dtype=np.int64))
    return PreparedOp("GATHER", [x.index], y.index,
                      params={"axis": axis, "batch_dims": batch_dims, "coords": coords,
                              "indices_count": int(indices.size)},
                      arrays={"indices": indices.astype(np.int32)})
