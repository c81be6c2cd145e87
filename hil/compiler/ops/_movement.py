"""Checks shared by the data-movement ops (SPLIT, PACK, DEPTH_TO_SPACE, RESIZE_*, ...)."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op, Tensor
from ..common import input_tensor, require, tensor_label


def require_dtype(op: Op, t: Tensor, role: str, dtypes: tuple[str, ...]) -> None:
    require(t.type_name in dtypes, op,
            f"{role} {tensor_label(t)} is {t.type_name}; the engine supports {' or '.join(dtypes)} here")


def require_same_dtype(op: Op, t: Tensor, role: str, like: Tensor) -> None:
    require(t.type_name == like.type_name, op,
            f"{role} {tensor_label(t)} is {t.type_name}, but {tensor_label(like)} is {like.type_name}")


def constant_ints(graph: Graph, op: Op, position: int, role: str, count: int | None = None) -> list[int]:
    """The values of a constant int32 input (a scalar or a 1-D vector), e.g. an axis or sizes."""
    t = input_tensor(graph, op, position, role)
    require(t.is_constant, op, f"{role} {tensor_label(t)} is not a constant; the engine needs it at compile time")
    require(t.type_name in ("INT32", "INT64"), op, f"{role} {tensor_label(t)} is {t.type_name}, expected INT32")
    values = [int(v) for v in np.asarray(t.data).reshape(-1)]
    if count is not None:
        require(len(values) == count, op, f"{role} {tensor_label(t)} has {len(values)} values, expected {count}")
    return values


def resolve_axis(op: Op, axis: int, rank: int, role: str) -> int:
    """A TFLite axis in [-rank, rank) made non-negative."""
    require(-rank <= axis < rank, op, f"{role} {axis} is outside [{-rank}, {rank}) for rank {rank}")
    return axis + rank if axis < 0 else axis
