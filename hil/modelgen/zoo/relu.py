"""RELU op-zoo cases: int8, requantizing (input and output quantization differ) and same-quantization."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .activations import unary_model


def relu_model(shape=(1, 8, 8, 16), in_scale=0.05, in_zp=-3, out_scale=0.03, out_zp=-128) -> bytes:
    return unary_model("RELU", shape, in_scale, in_zp, out_scale, out_zp)


CASES: dict[str, Callable[[], bytes]] = {
    "requant": lambda: relu_model(),
    "same_quant": lambda: relu_model(in_scale=0.04, in_zp=5, out_scale=0.04, out_zp=5),
    "upscale": lambda: relu_model(in_scale=0.01, in_zp=10, out_scale=0.2, out_zp=-100),
    "output_zp_positive": lambda: relu_model(in_scale=0.02, in_zp=-20, out_scale=0.015, out_zp=40),
    "gain_large": lambda: relu_model(in_scale=0.5, in_zp=0, out_scale=0.004, out_zp=-128),
    "rank2": lambda: relu_model(shape=(3, 37), in_scale=0.05, in_zp=7, out_scale=0.025, out_zp=-120),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random RELU: rank 1-5, any zero points, output scale 1/64 to 64x the input's (the same a third of
    the time)."""
    in_scale, in_zp = R.scale(rng), R.zero_point(rng)
    same = R.chance(rng, 0.3)
    out_scale = in_scale if same else in_scale * R.log_uniform(rng, 1 / 64, 64)
    return relu_model(R.any_shape(rng), in_scale, in_zp, out_scale, in_zp if same else R.zero_point(rng))
