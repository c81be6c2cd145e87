"""SQUEEZE cases: every dim of 1 (no dims listed), listed dims, a negative dim,
rank 6 down to 2, and a squeeze after an EXPAND_DIMS (both aliasing one buffer)."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder

QUANT = (0.05, -3)


def squeeze_model(shape, squeeze_dims, out_shape) -> bytes:
    b = ModelBuilder(f"squeeze {list(shape)} dims {list(squeeze_dims)}")
    x = b.input("x", shape, *QUANT)
    y = b.tensor("y", out_shape, np.int8, *QUANT)
    b.op("SQUEEZE", [x], [y], "SqueezeOptions", squeeze_dims=list(squeeze_dims))
    b.mark_output(y)
    return b.build()


def expand_then_squeeze(shape, axis) -> bytes:
    rank = len(shape)
    a = axis + rank + 1 if axis < 0 else axis
    mid = list(shape[:a]) + [1] + list(shape[a:])
    b = ModelBuilder(f"expand_dims {list(shape)} at {axis}, then squeeze it")
    x = b.input("x", shape, *QUANT)
    e = b.tensor("expanded", mid, np.int8, *QUANT)
    b.op("EXPAND_DIMS", [x, b.const("axis", np.array([axis], np.int32))], [e])
    y = b.tensor("y", shape, np.int8, *QUANT)
    b.op("SQUEEZE", [e], [y], "SqueezeOptions", squeeze_dims=[a])
    b.mark_output(y)
    return b.build()


CASES = {
    "all_ones": functools.partial(squeeze_model, (1, 1, 1, 8), [], (8,)),
    "listed_dims": functools.partial(squeeze_model, (1, 4, 1, 6), [0, 2], (4, 6)),
    "negative_dim": functools.partial(squeeze_model, (3, 1, 5, 1), [-1], (3, 1, 5)),
    "rank6": functools.partial(squeeze_model, (1, 2, 1, 1, 3, 1), [], (2, 3)),
    "after_expand_dims": functools.partial(expand_then_squeeze, (2, 3, 4), -2),
}
