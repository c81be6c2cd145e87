"""Shared builder for the single-op elementwise activation zoos (relu, relu6, leaky_relu, logistic, tanh)."""
from __future__ import annotations

import numpy as np

from ..builder import ModelBuilder


def unary_model(opcode: str, shape, in_scale: float, in_zp: int, out_scale: float, out_zp: int,
                options_name: str | None = None, dtype=np.int8, **options) -> bytes:
    b = ModelBuilder(f"{opcode.lower()} {list(shape)}")
    x = b.input("x", shape, scale=in_scale, zero_point=in_zp, dtype=dtype)
    y = b.tensor("y", shape, dtype=dtype, scale=out_scale, zero_point=out_zp)
    b.op(opcode, [x], [y], options_name, **options)
    b.mark_output(y)
    return b.build()


def lut16_model(opcode: str, shape=(1, 8, 8, 16), in_scale: float = 2.0 ** -12) -> bytes:
    """An int16 LOGISTIC or TANH: zero points 0, output scale 2^-15 (as TFLM requires)."""
    return unary_model(opcode, shape, in_scale, 0, 2.0 ** -15, 0, dtype=np.int16)
