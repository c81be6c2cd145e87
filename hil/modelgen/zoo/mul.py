"""MUL op-zoo cases: int8 (and int16: s16_*) x1 * x2, same shapes and broadcasting up to 6-D, constants, multipliers > 1 and tiny, every fused activation."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .binary import ACTIVATIONS, binary_model


def mul_model(shape1, shape2, scales=(0.05, 0.05, 0.01), const2: bool = False, activation: str = "NONE",
              seed: int = 0, zero_points=None) -> bytes:
    return binary_model("MUL", shape1, shape2, scales=scales, zero_points=zero_points, const2=const2,
                        options_name="MulOptions", seed=seed,
                        fused_activation_function=ACTIVATIONS[activation])


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: mul_model(*args, **kwargs)


def _case16(shape1, shape2, scales, const2: bool = False, activation: str = "NONE", seed: int = 0):
    """int16 MUL (zero points 0): TFLM's MulElementwise on int16."""
    return lambda: binary_model("MUL", shape1, shape2, scales=scales, const2=const2, options_name="MulOptions",
                                seed=seed, dtype=np.int16, fused_activation_function=ACTIVATIONS[activation])


CASES: dict[str, Callable[[], bytes]] = {
    "same_shape": _case((1, 8, 8, 16), (1, 8, 8, 16), seed=1),
    "squeeze_excite": _case((1, 8, 8, 16), (1, 1, 1, 16), scales=(0.03, 0.0039, 0.02), activation="RELU", seed=2),
    "const_vector": _case((1, 4, 4, 8), (8,), const2=True, scales=(0.05, 0.02, 0.013), seed=3),
    "multiplier_above_one": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.5, 0.5, 0.01), activation="RELU6", seed=4),
    "tiny_multiplier": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.001, 0.002, 0.0004), seed=5),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), scales=(0.02, 0.3, 0.05), seed=6),
    "broadcast_6d_const": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), const2=True, activation="RELU_N1_TO_1",
                                scales=(0.1, 0.05, 0.01), seed=7),
    # int16 (16x8 mode): converter-like scales, power-of-two scales, a multiplier above one, broadcasting
    "s16_same_shape": _case16((1, 8, 8, 16), (1, 8, 8, 16), (3.1e-4, 1.7e-4, 2.0e-4), seed=10),
    "s16_pot_scales": _case16((1, 4, 4, 16), (1, 4, 4, 16), (2.0 ** -12, 2.0 ** -10, 2.0 ** -15), seed=11),
    "s16_squeeze_excite_relu": _case16((1, 8, 8, 16), (1, 1, 1, 16), (1.0e-3, 1.0 / 32768, 2.0e-5),
                                       activation="RELU", seed=12),
    "s16_multiplier_above_one_const_5d": _case16((2, 3, 1, 4, 5), (3, 2, 1, 5), (1.0e-2, 1.0e-3, 1.0e-6),
                                                 const2=True, activation="RELU6", seed=13),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random MUL: broadcast shapes up to 6-D (a constant scalar too), any zero points and fused activation,
    the multiplier s1 * s2 / so from about 1/1000 to 64 (above one half of the time)."""
    const2 = R.chance(rng, 0.4)
    shape1, shape2 = R.broadcast_pair(rng, allow_scalar=const2 or R.chance(rng, 0.1))
    s1, s2 = R.scale(rng), R.scale(rng)
    out = s1 * s2 / R.log_uniform(rng, 1e-3, 64)
    return mul_model(shape1, shape2, (s1, s2, out), const2=const2, activation=R.activation(rng), seed=R.seed(rng),
                     zero_points=[R.zero_point(rng) for _ in range(3)])
