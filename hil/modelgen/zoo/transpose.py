"""TRANSPOSE cases: Keras Permute((2, 1, 3)) ([0, 2, 1, 3]), NHWC to NCHW,
a rank-2 matrix transpose, a full reversal of rank 5, rank 3 rotations."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def transpose_model(shape, perm, dtype=np.int8) -> bytes:
    b = ModelBuilder(f"transpose {list(shape)} by {list(perm)}")
    x = b.input("x", shape, *QUANT, dtype=dtype)
    y = b.tensor("y", [shape[p] for p in perm], dtype, *QUANT)
    b.op("TRANSPOSE", [x, b.const("perm", np.array(perm, np.int32))], [y], "TransposeOptions")
    b.mark_output(y)
    return b.build()


CASES = {
    "permute_0213": functools.partial(transpose_model, (1, 4, 6, 8), [0, 2, 1, 3]),
    "nhwc_to_nchw": functools.partial(transpose_model, (2, 3, 5, 4), [0, 3, 1, 2]),
    "matrix": functools.partial(transpose_model, (7, 9), [1, 0]),
    "rank5_reversed": functools.partial(transpose_model, (2, 3, 1, 4, 5), [4, 3, 2, 1, 0]),
    "rank3_rotate": functools.partial(transpose_model, (3, 4, 5), [2, 0, 1]),
    "identity_rank1": functools.partial(transpose_model, (11,), [0]),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random TRANSPOSE: rank 1-5, any permutation, int8 or int16."""
    rank = int(rng.integers(1, 6))
    return transpose_model(R.dims(rng, rank, 7, 1500), [int(p) for p in rng.permutation(rank)],
                           R.choice(rng, (np.int8, np.int16)))
