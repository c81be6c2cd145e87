"""MUL op-zoo cases: int8 x1 * x2, same shapes and broadcasting up to 6-D, constants, multipliers > 1 and tiny, every fused activation."""
from __future__ import annotations

from typing import Callable

from .binary import ACTIVATIONS, binary_model


def mul_model(shape1, shape2, scales=(0.05, 0.05, 0.01), const2: bool = False, activation: str = "NONE",
              seed: int = 0) -> bytes:
    return binary_model("MUL", shape1, shape2, scales=scales, const2=const2, options_name="MulOptions", seed=seed,
                        fused_activation_function=ACTIVATIONS[activation])


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: mul_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "same_shape": _case((1, 8, 8, 16), (1, 8, 8, 16), seed=1),
    "squeeze_excite": _case((1, 8, 8, 16), (1, 1, 1, 16), scales=(0.03, 0.0039, 0.02), activation="RELU", seed=2),
    "const_vector": _case((1, 4, 4, 8), (8,), const2=True, scales=(0.05, 0.02, 0.013), seed=3),
    "multiplier_above_one": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.5, 0.5, 0.01), activation="RELU6", seed=4),
    "tiny_multiplier": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.001, 0.002, 0.0004), seed=5),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), scales=(0.02, 0.3, 0.05), seed=6),
    "broadcast_6d_const": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), const2=True, activation="RELU_N1_TO_1",
                                scales=(0.1, 0.05, 0.01), seed=7),
}
