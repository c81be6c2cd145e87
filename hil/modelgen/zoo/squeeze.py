"""SQUEEZE cases: every dim of 1 (no dims listed), listed dims, a negative dim,
rank 6 down to 2, and a squeeze after an EXPAND_DIMS (both aliasing one buffer)."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

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


def random_case(rng: np.random.Generator) -> bytes:
    """A random SQUEEZE: rank 1-6 with some dims of 1, every 1 squeezed (no dims listed) or a listed
    subset (negative half the time); now and then after an EXPAND_DIMS."""
    if R.chance(rng, 0.15):
        rank = int(rng.integers(1, 5))
        return expand_then_squeeze(R.dims(rng, rank, 6), int(rng.integers(-rank - 1, rank + 1)))
    rank = int(rng.integers(1, 7))
    shape = [1 if R.chance(rng, 0.4) else d for d in R.dims(rng, rank, 6, 800)]
    ones = [d for d, n in enumerate(shape) if n == 1]
    if not ones or R.chance(rng, 0.3):
        listed, squeezed = [], ones
    else:
        squeezed = sorted(d for d in ones if R.chance(rng, 0.6)) or ones[:1]
        listed = [d - rank if R.chance(rng, 0.5) else d for d in squeezed]
    out_shape = [n for d, n in enumerate(shape) if d not in squeezed]
    return squeeze_model(tuple(shape), listed, tuple(out_shape))
