"""SLICE cases: tf.slice of a 4-D tensor, size -1 (the rest of a dim), int64
begin/size, rank 1 and rank 5, the whole tensor."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def slice_model(shape, begin, size, dtype=np.int8, index_dtype=np.int32) -> bytes:
    out_shape = [d - b if s == -1 else s for d, b, s in zip(shape, begin, size)]
    b = ModelBuilder(f"slice {list(shape)} begin {begin} size {size}")
    x = b.input("x", shape, *QUANT, dtype=dtype)
    y = b.tensor("y", out_shape, dtype, *QUANT)
    b.op("SLICE", [x, b.const("begin", np.array(begin, index_dtype)), b.const("size", np.array(size, index_dtype))],
         [y], "SliceOptions")
    b.mark_output(y)
    return b.build()


CASES = {
    "tf_slice_4d": functools.partial(slice_model, (1, 8, 8, 8), [0, 1, 2, 0], [1, 4, 5, 6]),
    "size_minus_one": functools.partial(slice_model, (3, 6, 5), [1, 2, 0], [-1, 3, -1]),
    "int64_indices": functools.partial(slice_model, (4, 9), [2, 3], [2, -1], index_dtype=np.int64),
    "rank1": functools.partial(slice_model, (17,), [5], [9]),
    "rank5": functools.partial(slice_model, (2, 3, 2, 4, 3), [1, 0, 1, 1, 0], [1, 2, 1, 3, -1]),
    "whole": functools.partial(slice_model, (2, 3), [0, 0], [-1, -1]),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random SLICE: rank 1-5, int8/int16/int32, any begin, sizes to the end or -1, int32 or int64
    begin/size."""
    shape = R.dims(rng, int(rng.integers(1, 6)), 7, 1000)
    begin = [int(rng.integers(0, d)) for d in shape]
    size = [-1 if R.chance(rng, 0.2) else int(rng.integers(1, d - b + 1)) for d, b in zip(shape, begin)]
    dtype = R.choice(rng, (np.int8, np.int8, np.int16, np.int32))
    return slice_model(shape, begin, size, dtype, np.int64 if R.chance(rng, 0.3) else np.int32)
