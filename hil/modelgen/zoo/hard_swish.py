"""HARD_SWISH op-zoo cases: int8, several input ranges and output quantizations."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .activations import unary_model


def hard_swish_model(shape=(1, 8, 8, 16), in_scale=0.04, in_zp=-1, out_scale=0.021, out_zp=-110) -> bytes:
    return unary_model("HARD_SWISH", shape, in_scale, in_zp, out_scale, out_zp)


CASES: dict[str, Callable[[], bytes]] = {
    "mobilenet_like": lambda: hard_swish_model(),
    "narrow_input": lambda: hard_swish_model(in_scale=0.01, in_zp=5, out_scale=0.006, out_zp=-80),
    "wide_input": lambda: hard_swish_model(in_scale=0.2, in_zp=-20, out_scale=0.1, out_zp=-100),
    "tiny_input_scale": lambda: hard_swish_model(in_scale=0.001, in_zp=0, out_scale=0.0008, out_zp=-50),
    "zp_high": lambda: hard_swish_model(in_scale=0.05, in_zp=100, out_scale=0.03, out_zp=10),
    "rank2": lambda: hard_swish_model(shape=(4, 33), in_scale=0.06, in_zp=-10, out_scale=0.04, out_zp=-90),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random HARD_SWISH: rank 1-5, input scales 1e-3 to 0.5, output scale 1/100 to 100x the input's
    (the far ends leave TFLM's int16 multiplier range and are refused), any zero points."""
    in_scale = R.scale(rng, 1e-3, 0.5)
    return hard_swish_model(R.any_shape(rng), in_scale, R.zero_point(rng), in_scale * R.log_uniform(rng, 1 / 100, 100),
                            R.zero_point(rng))
