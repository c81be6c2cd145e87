"""ADD op-zoo cases: int8 (and int16: s16_*), same shapes and NumPy broadcasting up to 6-D, every fused activation.

Second operands are either constants (bias-like vectors, scalars) or
activations (models with two inputs, or a residual branch reusing the input)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder
from .binary import binary_model
from . import _random as R

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def _zero_point(rng) -> int:
    return int(rng.integers(-30, 31))


def _const(b: ModelBuilder, rng, name: str, shape, scale: float) -> int:
    data = rng.integers(-128, 128, size=shape, dtype=np.int8)
    return b.const(name, data, scale=scale, zero_point=_zero_point(rng))


def add_model(shape1, shape2, scales=(0.05, 0.05, 0.1), const2: bool = False, activation: str = "NONE",
              seed: int = 0, zero_points=None) -> bytes:
    """y = x1 + x2 with x1 an input and x2 an input or (const2) a constant; y has the broadcast shape.
    Zero points (x1, x2, y) are drawn from the seed unless given."""
    rng = np.random.default_rng(seed)
    out_shape = np.broadcast_shapes(tuple(shape1), tuple(shape2))
    given = list(zero_points) if zero_points is not None else None

    def zp(k: int) -> int:   # drawn in the same order either way, so the seeded cases stay as they are
        drawn = _zero_point(rng)
        return drawn if given is None else given[k]

    b = ModelBuilder(f"add {list(shape1)} + {list(shape2)} {activation}")
    x1 = b.input("x1", shape1, scale=scales[0], zero_point=zp(0))
    if const2:
        data = rng.integers(-128, 128, size=shape2, dtype=np.int8)
        x2 = b.const("x2", data, scale=scales[1], zero_point=zp(1))
    else:
        x2 = b.input("x2", shape2, scale=scales[1], zero_point=zp(1))
    y = b.tensor("y", out_shape, scale=scales[2], zero_point=zp(2))
    b.op("ADD", [x1, x2], [y], "AddOptions", fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def residual_model(shape=(1, 8, 8, 16), seed: int = 0) -> bytes:
    """A ResNet-style skip: branch = x + bias (RELU), y = x + branch, so x feeds both ADDs."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder("add residual")
    x = b.input("x", shape, scale=0.04, zero_point=_zero_point(rng))
    bias = _const(b, rng, "bias", (shape[-1],), 0.02)
    branch = b.tensor("branch", shape, scale=0.05, zero_point=-128)
    b.op("ADD", [x, bias], [branch], "AddOptions", fused_activation_function=ACTIVATIONS["RELU"])
    y = b.tensor("y", shape, scale=0.08, zero_point=_zero_point(rng))
    b.op("ADD", [x, branch], [y], "AddOptions", fused_activation_function=0)
    b.mark_output(y)
    return b.build()


def self_add_model(shape=(1, 4, 4, 8), seed: int = 0) -> bytes:
    """x + x: the same tensor as both operands."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder("add x + x")
    x = b.input("x", shape, scale=0.03, zero_point=_zero_point(rng))
    y = b.tensor("y", shape, scale=0.06, zero_point=_zero_point(rng))
    b.op("ADD", [x, x], [y], "AddOptions", fused_activation_function=0)
    b.mark_output(y)
    return b.build()


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: add_model(*args, **kwargs)


def _case16(shape1, shape2, scales, const2: bool = False, activation: str = "NONE", seed: int = 0):
    """int16 ADD (zero points 0): TFLM's general-scale int16 path, left shift 15."""
    return lambda: binary_model("ADD", shape1, shape2, scales=scales, const2=const2, options_name="AddOptions",
                                seed=seed, dtype=np.int16, fused_activation_function=ACTIVATIONS[activation])


CASES: dict[str, Callable[[], bytes]] = {
    "same_shape": _case((1, 8, 8, 16), (1, 8, 8, 16), seed=1),
    "same_shape_const": _case((1, 8, 8, 16), (1, 8, 8, 16), const2=True, seed=2),
    "broadcast_vector": _case((1, 8, 8, 16), (16,), const2=True, seed=3),
    "broadcast_1x1x1xC": _case((1, 8, 8, 16), (1, 1, 1, 16), const2=True, seed=4),
    "broadcast_first_input": _case((16,), (1, 8, 8, 16), seed=5),
    "broadcast_two_sided": _case((1, 8, 1, 16), (1, 1, 8, 16), seed=6),
    "broadcast_two_sided_channels": _case((2, 1, 6, 1), (1, 5, 1, 3), seed=7),
    "broadcast_rank_mismatch": _case((8, 16), (1, 4, 8, 16), seed=8),
    "scalar_rank0": _case((1, 8, 8, 16), (), const2=True, seed=9),
    "scalar_1": _case((1, 8, 8, 16), (1,), const2=True, seed=10),
    "scalar_input": _case((1, 8, 8, 16), (1, 1, 1, 1), seed=11),
    "different_scales": _case((1, 8, 8, 16), (1, 8, 8, 16), scales=(0.02, 0.5, 0.3), seed=12),
    "different_scales_swapped": _case((1, 4, 4, 16), (16,), scales=(0.7, 0.011, 0.25), const2=True, seed=13),
    "relu": _case((1, 8, 8, 16), (1, 8, 8, 16), activation="RELU", seed=14),
    "relu6": _case((1, 8, 8, 16), (16,), scales=(0.05, 0.05, 0.06), const2=True, activation="RELU6", seed=15),
    "relu_n1_to_1": _case((1, 8, 8, 16), (1, 8, 8, 16), scales=(0.02, 0.03, 0.01), activation="RELU_N1_TO_1",
                          seed=16),
    "rank1": _case((37,), (37,), seed=17),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), scales=(0.02, 0.3, 0.2), seed=20),
    "broadcast_6d_const": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), const2=True, seed=21),
    "residual": lambda: residual_model(seed=18),
    "self_add": lambda: self_add_model(seed=19),
    # int16 (16x8 mode): converter-like scales, power-of-two scales, broadcasting, a clamping activation.
    "s16_same_shape": _case16((1, 8, 8, 16), (1, 8, 8, 16), (3.1e-4, 1.7e-4, 4.6e-4), seed=30),
    "s16_pot_scales": _case16((1, 4, 4, 16), (1, 4, 4, 16), (2.0 ** -12, 2.0 ** -10, 2.0 ** -9), seed=31),
    "s16_broadcast_const_relu6": _case16((1, 8, 8, 16), (16,), (2.0e-4, 1.0e-4, 6.0 / 32767), const2=True,
                                         activation="RELU6", seed=32),
    "s16_broadcast_5d_relu": _case16((2, 3, 1, 4, 5), (3, 2, 1, 5), (1.0e-3, 7.0e-5, 2.3e-4), activation="RELU",
                                     seed=33),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random ADD: broadcast shapes up to 6-D (scalars too), constant or input second operand,
    input scales up to 1000x apart, output scale from 1/16 to 16x the inputs', any fused activation;
    now and then the residual or x + x form."""
    kind = rng.random()
    if kind < 0.05:
        return residual_model(R.dims(rng, 4, 8), seed=R.seed(rng))
    if kind < 0.1:
        return self_add_model(R.dims(rng, int(rng.integers(1, 5)), 8), seed=R.seed(rng))
    const2 = R.chance(rng, 0.4)
    shape1, shape2 = R.broadcast_pair(rng, allow_scalar=const2 or R.chance(rng, 0.1))
    s1 = R.scale(rng)
    s2 = s1 * R.log_uniform(rng, 1e-3, 1e3) if R.chance(rng, 0.5) else s1
    s2 = min(max(s2, 1e-5), 10.0)
    out = max(s1, s2) * R.log_uniform(rng, 1 / 16, 16)
    zps = [R.zero_point(rng) for _ in range(3)]
    return add_model(shape1, shape2, (s1, s2, out), const2=const2, activation=R.activation(rng), seed=R.seed(rng),
                     zero_points=zps)
