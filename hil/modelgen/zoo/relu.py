"""RELU op-zoo cases: int8, requantizing (input and output quantization differ) and same-quantization."""
from __future__ import annotations

from typing import Callable

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
