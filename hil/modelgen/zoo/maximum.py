"""MAXIMUM op-zoo cases: int8, one quantization for inputs and output, same shapes, constants, broadcasting up to 6-D."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .binary import binary_model


def maximum_model(shape1, shape2, scale: float = 0.05, zp: int = 0, const2: bool = False, seed: int = 0) -> bytes:
    return binary_model("MAXIMUM", shape1, shape2, scales=(scale, scale, scale), zero_points=(zp, zp, zp),
                        const2=const2, seed=seed)


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: maximum_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "same_shape": _case((1, 8, 8, 16), (1, 8, 8, 16), zp=-47, seed=1),
    "const_vector": _case((1, 8, 8, 16), (16,), const2=True, zp=12, seed=2),
    "scalar_const": _case((1, 4, 4, 8), (), const2=True, scale=0.1, zp=-128, seed=3),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), zp=51, seed=4),
    "broadcast_6d": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), seed=5),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random MAXIMUM: broadcast shapes up to 6-D (a constant scalar too), one shared scale and zero
    point; one case in ten quantizes the output differently (refused by the compiler)."""
    const2 = R.chance(rng, 0.4)
    shape1, shape2 = R.broadcast_pair(rng, allow_scalar=const2 or R.chance(rng, 0.1))
    s, zp = R.scale(rng), R.zero_point(rng)
    if R.chance(rng, 0.1):
        return binary_model("MAXIMUM", shape1, shape2, scales=(s, s, s * 2), zero_points=(zp, zp, zp),
                            const2=const2, seed=R.seed(rng))
    return maximum_model(shape1, shape2, scale=s, zp=zp, const2=const2, seed=R.seed(rng))
