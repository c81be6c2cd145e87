"""RELU6 op-zoo cases: int8; TFLM clamps in the input's quantization."""
from __future__ import annotations

from typing import Callable

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
