"""LEAKY_RELU op-zoo cases: int8, several alphas and scale ratios."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .activations import unary_model


def leaky_relu_model(alpha=0.2, shape=(1, 8, 8, 16), in_scale=0.05, in_zp=-1, out_scale=0.03, out_zp=-80) -> bytes:
    return unary_model("LEAKY_RELU", shape, in_scale, in_zp, out_scale, out_zp, "LeakyReluOptions", alpha=alpha)


CASES: dict[str, Callable[[], bytes]] = {
    "alpha0.2": lambda: leaky_relu_model(),
    "alpha0.01": lambda: leaky_relu_model(alpha=0.01, in_zp=10, out_scale=0.04, out_zp=-120),
    "alpha0.5_same_quant": lambda: leaky_relu_model(alpha=0.5, in_scale=0.04, in_zp=3, out_scale=0.04, out_zp=3),
    "alpha0": lambda: leaky_relu_model(alpha=0.0, out_zp=-128),
    "alpha1": lambda: leaky_relu_model(alpha=1.0, in_zp=0, out_zp=0),
    "alpha1.5_gain": lambda: leaky_relu_model(alpha=1.5, in_scale=0.3, in_zp=20, out_scale=0.01, out_zp=5),
    "rank3": lambda: leaky_relu_model(alpha=0.3, shape=(2, 5, 7), in_zp=-50, out_scale=0.06, out_zp=30),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random LEAKY_RELU: alpha 0 to 2 (0, 1 and 0.5 exactly now and then; up to 20 one case in ten;
    negative one case in thirty,
    refused), rank 1-5, any zero points, output scale 1/64 to 64x the input's."""
    alpha = float(R.choice(rng, (0.0, 0.5, 1.0))) if R.chance(rng, 0.15) else float(rng.uniform(0, 2))
    if R.chance(rng, 0.1):
        alpha = R.log_uniform(rng, 2, 20)
    if R.chance(rng, 1 / 30):
        alpha = -alpha - 0.1
    in_scale = R.scale(rng)
    return leaky_relu_model(alpha, R.any_shape(rng), in_scale, R.zero_point(rng),
                            in_scale * R.log_uniform(rng, 1 / 64, 64), R.zero_point(rng))
