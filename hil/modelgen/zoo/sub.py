"""SUB op-zoo cases: int8 (and int16: s16_*) x1 - x2, same shapes and NumPy broadcasting up to 6-D, constants, every fused activation."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .binary import ACTIVATIONS, binary_model


def sub_model(shape1, shape2, scales=(0.05, 0.05, 0.1), const2: bool = False, activation: str = "NONE",
              seed: int = 0, zero_points=None) -> bytes:
    return binary_model("SUB", shape1, shape2, scales=scales, zero_points=zero_points, const2=const2,
                        options_name="SubOptions", seed=seed,
                        fused_activation_function=ACTIVATIONS[activation])


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: sub_model(*args, **kwargs)


def _case16(shape1, shape2, scales, const2: bool = False, activation: str = "NONE", seed: int = 0):
    """int16 SUB (zero points 0): TFLM's general-scale int16 path, left shift 15."""
    return lambda: binary_model("SUB", shape1, shape2, scales=scales, const2=const2, options_name="SubOptions",
                                seed=seed, dtype=np.int16, fused_activation_function=ACTIVATIONS[activation])


CASES: dict[str, Callable[[], bytes]] = {
    "same_shape": _case((1, 8, 8, 16), (1, 8, 8, 16), seed=1),
    "const_vector": _case((1, 8, 8, 16), (16,), const2=True, scales=(0.05, 0.02, 0.06), activation="RELU", seed=2),
    "broadcast_first_input": _case((1, 1, 8, 1), (1, 4, 8, 6), scales=(0.5, 0.011, 0.25), seed=3),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), scales=(0.02, 0.3, 0.2), activation="RELU6", seed=4),
    "broadcast_6d": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), seed=5),
    "scalar_const": _case((1, 8, 8, 8), (), const2=True, activation="RELU_N1_TO_1", scales=(0.02, 0.03, 0.01),
                          seed=6),
    # int16 (16x8 mode)
    "s16_same_shape": _case16((1, 8, 8, 16), (1, 8, 8, 16), (3.1e-4, 1.7e-4, 4.6e-4), seed=10),
    "s16_pot_scales": _case16((1, 4, 4, 16), (1, 4, 4, 16), (2.0 ** -10, 2.0 ** -10, 2.0 ** -10), seed=11),
    "s16_broadcast_const_relu_n1_to_1": _case16((1, 1, 8, 1), (1, 4, 8, 6), (1.0e-4, 3.0e-5, 1.5 / 32767),
                                                activation="RELU_N1_TO_1", seed=12),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random SUB: broadcast shapes up to 6-D (a constant scalar too), input scales up to 1000x apart,
    output scale 1/16 to 16x the inputs', any zero points and fused activation."""
    const2 = R.chance(rng, 0.4)
    shape1, shape2 = R.broadcast_pair(rng, allow_scalar=const2 or R.chance(rng, 0.1))
    s1 = R.scale(rng)
    s2 = min(max(s1 * R.log_uniform(rng, 1e-3, 1e3), 1e-5), 10.0) if R.chance(rng, 0.5) else s1
    out = max(s1, s2) * R.log_uniform(rng, 1 / 16, 16)
    return sub_model(shape1, shape2, (s1, s2, out), const2=const2, activation=R.activation(rng), seed=R.seed(rng),
                     zero_points=[R.zero_point(rng) for _ in range(3)])
