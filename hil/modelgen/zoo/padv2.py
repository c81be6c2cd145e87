"""PADV2 cases: a constant pad value (quantized with the output's parameters),
at the int8 extremes, on H/W and on every dim of a rank-2 tensor."""
from __future__ import annotations

import functools

import numpy as np

from .pad import pad_model, random_paddings
from . import _random as R

CASES = {
    "hw_value_0.5": functools.partial(pad_model, (1, 8, 8, 8), [[0, 0], [1, 1], [1, 1], [0, 0]], op="PADV2",
                                      value=7, scale=0.0078, zp=-1),
    "value_min": functools.partial(pad_model, (1, 3, 3, 4), [[0, 0], [2, 0], [0, 2], [1, 1]], op="PADV2", value=-128),
    "value_max_rank2": functools.partial(pad_model, (3, 5), [[1, 2], [3, 0]], op="PADV2", value=127, zp=50),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random PADV2: rank 1-5, paddings 0-3, int8 (any zero point, any pad value incl. the extremes),
    int16 or int32."""
    rank = int(rng.integers(1, 6))
    shape = R.dims(rng, rank, 6, 600)
    dtype = R.choice(rng, (np.int8, np.int8, np.int16, np.int32))
    info = np.iinfo(dtype)
    value = int(R.choice(rng, (info.min, info.max))) if R.chance(rng, 0.3) else int(rng.integers(-128, 128))
    return pad_model(shape, random_paddings(rng, rank), R.scale(rng), R.zero_point(rng) if dtype == np.int8 else 0,
                     op="PADV2", value=value, dtype=dtype)
