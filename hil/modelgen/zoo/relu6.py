"""RELU6 op-zoo cases: int8; TFLM clamps in the input's quantization."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .activations import unary_model


def relu6_model(shape=(1, 8, 8, 16), in_scale=0.04, in_zp=-77, out_scale=0.04, out_zp=-77) -> bytes:
    return unary_model("RELU6", shape, in_scale, in_zp, out_scale, out_zp)


CASES: dict[str, Callable[[], bytes]] = {
    "same_quant": lambda: relu6_model(),
    "six_inside_range": lambda: relu6_model(in_scale=0.1, in_zp=0, out_scale=0.1, out_zp=0),
    "six_beyond_range": lambda: relu6_model(in_scale=0.01, in_zp=-10, out_scale=0.01, out_zp=-10),
    "zero_point_high": lambda: relu6_model(in_scale=0.05, in_zp=100, out_scale=0.05, out_zp=100),
    "different_output_quant": lambda: relu6_model(in_scale=0.03921, in_zp=-77, out_scale=0.02353, out_zp=-128),
    "rank1": lambda: relu6_model(shape=(50,), in_scale=0.03, in_zp=-128, out_scale=0.03, out_zp=-128),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random RELU6: rank 1-5, scales putting 6.0 inside and beyond the int8 range, any zero point,
    the output quantized like the input (as converters write it) or, a fifth of the time, differently."""
    in_scale, in_zp = R.scale(rng, 1e-3, 0.5), R.zero_point(rng)
    if R.chance(rng, 0.2):
        return relu6_model(R.any_shape(rng), in_scale, in_zp, in_scale * R.log_uniform(rng, 0.25, 4), R.zero_point(rng))
    return relu6_model(R.any_shape(rng), in_scale, in_zp, in_scale, in_zp)
