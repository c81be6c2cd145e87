"""GATHER cases: an embedding-style lookup on axis 0, channels picked (with
repeats) on the last axis, a negative axis, 2-D indices, batch_dims 1, and a
constant params table."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def gather_model(shape, indices, axis=0, batch_dims=0, const_params=False) -> bytes:
    indices = np.asarray(indices, np.int32)
    rank = len(shape)
    a = axis + rank if axis < 0 else axis
    bd = batch_dims + indices.ndim if batch_dims < 0 else batch_dims
    out_shape = list(shape[:a]) + list(indices.shape[bd:]) + list(shape[a + 1:])
    b = ModelBuilder(f"gather {list(shape)} axis {axis} batch_dims {batch_dims} indices {indices.tolist()}")
    if const_params:
        table = np.random.default_rng(5).integers(-128, 128, size=shape).astype(np.int8)
        x = b.const("table", table, *QUANT)
        # something must be an input: the table is gathered, then concatenated with it
        z = b.input("z", out_shape, *QUANT)
    else:
        x = b.input("x", shape, *QUANT)
    y = b.tensor("y", out_shape, np.int8, *QUANT)
    b.op("GATHER", [x, b.const("indices", indices)], [y], "GatherOptions", axis=axis, batch_dims=batch_dims)
    if const_params:
        both = list(out_shape)
        both[0] *= 2
        out = b.tensor("out", both, np.int8, *QUANT)
        b.op("CONCATENATION", [y, z], [out], "ConcatenationOptions", axis=0, fused_activation_function=0)
        y = out
    b.mark_output(y)
    return b.build()


CASES = {
    "rows_axis0": functools.partial(gather_model, (6, 8), [5, 0, 3]),
    "channels_repeated": functools.partial(gather_model, (1, 4, 4, 8), [7, 7, 0, 2, 5], axis=3),
    "negative_axis_2d_indices": functools.partial(gather_model, (3, 5, 4), [[4, 0], [1, 1], [2, 3]], axis=-2),
    "batch_dims1": functools.partial(gather_model, (2, 5, 3), [[0, 4, 4], [3, 1, 2]], axis=1, batch_dims=1),
    "const_table": functools.partial(gather_model, (10, 4), [[9, 2], [0, 0]], const_params=True),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random GATHER: params rank 1-4, any axis (negative half the time), indices of rank 0-2 with
    repeats, batch_dims up to the axis, a constant table now and then; one case in thirty has an index
    out of range (refused by the compiler, and TFLM fails at invoke)."""
    rank = int(rng.integers(1, 5))
    shape = R.dims(rng, rank, 6, 800)
    axis = R.axis(rng, rank)
    a = axis % rank
    batch_dims = int(rng.integers(0, a + 1)) if R.chance(rng, 0.3) else 0
    idx_shape = tuple(shape[:batch_dims]) + R.dims(rng, int(rng.integers(0, 3)), 4)
    indices = rng.integers(0, shape[a], size=idx_shape)
    if R.chance(rng, 1 / 30):
        indices.reshape(-1)[:1] = shape[a] if indices.size else 0
    const = R.chance(rng, 0.1) and batch_dims == 0 and a == 0 and rank + len(idx_shape) >= 2   # output rank >= 1
    return gather_model(shape, indices, axis, batch_dims, const)
