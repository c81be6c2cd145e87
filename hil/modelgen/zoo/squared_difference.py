"""SQUARED_DIFFERENCE op-zoo cases: int8 (x1 - x2)^2, same shapes, constants, broadcasting up to 6-D, output multipliers above and below 1."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .binary import binary_model


def squared_difference_model(shape1, shape2, scales=(0.0078, 0.0078, 0.024), const2: bool = False,
                             zero_points=None, seed: int = 0) -> bytes:
    return binary_model("SQUARED_DIFFERENCE", shape1, shape2, scales=scales, zero_points=zero_points,
                        const2=const2, seed=seed)


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: squared_difference_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "same_shape": _case((1, 8, 8, 8), (1, 8, 8, 8), zero_points=(-64, 0, -128), seed=1),
    "const_vector": _case((1, 4, 4, 16), (16,), const2=True, scales=(0.05, 0.02, 0.5), seed=2),
    "different_scales": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.3, 0.011, 0.7), seed=3),
    "output_multiplier_above_one": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.1, 0.1, 0.001), seed=4),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), scales=(0.02, 0.03, 0.01), seed=5),
    "broadcast_6d": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), seed=6),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random SQUARED_DIFFERENCE: broadcast shapes up to 6-D (a constant scalar too), any zero points,
    input scales up to 100x apart, output scale around the squared input range (multipliers above and below 1)."""
    const2 = R.chance(rng, 0.4)
    shape1, shape2 = R.broadcast_pair(rng, allow_scalar=const2 or R.chance(rng, 0.1))
    s1 = R.scale(rng)
    s2 = s1 * R.log_uniform(rng, 0.01, 100) if R.chance(rng, 0.5) else s1
    out = (255 * max(s1, s2)) ** 2 / 255 * R.log_uniform(rng, 1e-3, 4)
    return squared_difference_model(shape1, shape2, (s1, s2, out), const2=const2,
                                     zero_points=[R.zero_point(rng) for _ in range(3)], seed=R.seed(rng))
