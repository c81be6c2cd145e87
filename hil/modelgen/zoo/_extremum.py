"""MAXIMUM and MINIMUM op-zoo cases (maximum.py, minimum.py): int8, one quantization for inputs and
output, same shapes, constants, broadcasting up to 6-D.  The two ops take the same cases."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .binary import binary_model


def extremum_model(op: str, shape1, shape2, scale: float = 0.05, zp: int = 0, const2: bool = False,
                   seed: int = 0) -> bytes:
    return binary_model(op, shape1, shape2, scales=(scale, scale, scale), zero_points=(zp, zp, zp),
                        const2=const2, seed=seed)


def extremum_cases(op: str) -> dict[str, Callable[[], bytes]]:
    def case(*args, **kwargs) -> Callable[[], bytes]:
        return lambda: extremum_model(op, *args, **kwargs)

    return {
        "same_shape": case((1, 8, 8, 16), (1, 8, 8, 16), zp=-47, seed=1),
        "const_vector": case((1, 8, 8, 16), (16,), const2=True, zp=12, seed=2),
        "scalar_const": case((1, 4, 4, 8), (), const2=True, scale=0.1, zp=-128, seed=3),
        "broadcast_5d": case((2, 3, 1, 4, 5), (3, 2, 1, 5), zp=51, seed=4),
        "broadcast_6d": case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), seed=5),
    }


def extremum_random_case(op: str, rng: np.random.Generator) -> bytes:
    """A random MAXIMUM or MINIMUM: broadcast shapes up to 6-D (a constant scalar too), one shared scale
    and zero point; one case in ten quantizes the output differently (refused by the compiler)."""
    const2 = R.chance(rng, 0.4)
    shape1, shape2 = R.broadcast_pair(rng, allow_scalar=const2 or R.chance(rng, 0.1))
    s, zp = R.scale(rng), R.zero_point(rng)
    if R.chance(rng, 0.1):
        return binary_model(op, shape1, shape2, scales=(s, s, s * 2), zero_points=(zp, zp, zp),
                            const2=const2, seed=R.seed(rng))
    return extremum_model(op, shape1, shape2, scale=s, zp=zp, const2=const2, seed=R.seed(rng))
