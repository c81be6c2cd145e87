"""LOGISTIC op-zoo cases: int8 (and int16, s16_*: zero points 0, output scale 2^-15), output fixed at scale 1/256 zero point -128."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .activations import lut16_model, unary_model


def logistic_model(shape=(1, 8, 8, 16), in_scale=0.047, in_zp=0) -> bytes:
    return unary_model("LOGISTIC", shape, in_scale, in_zp, 1.0 / 256, -128)


CASES: dict[str, Callable[[], bytes]] = {
    "range6": lambda: logistic_model(),
    "range1": lambda: logistic_model(in_scale=0.008, in_zp=-10),
    "range20": lambda: logistic_model(in_scale=0.16, in_zp=30),
    "zp_min": lambda: logistic_model(in_scale=0.03, in_zp=-128),
    "rank2": lambda: logistic_model(shape=(5, 31), in_scale=0.05, in_zp=5),
    # int16: TFLM's LUT kernel, power-of-two input scales (its special case) and others
    "s16_pot_scale": lambda: lut16_model("LOGISTIC", in_scale=2.0 ** -12),
    "s16_converter_scale": lambda: lut16_model("LOGISTIC", in_scale=3.1e-4),
    "s16_fine_scale_rank2": lambda: lut16_model("LOGISTIC", shape=(5, 31), in_scale=1.0 / 32768),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random LOGISTIC: rank 1-5, input scales 1e-4 to 1 (inputs from near 0 to far in saturation),
    any input zero point."""
    return logistic_model(R.any_shape(rng), R.scale(rng, 1e-4, 1.0), R.zero_point(rng))
