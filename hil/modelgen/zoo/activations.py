"""Shared builder for the single-op elementwise activation zoos (relu, relu6, leaky_relu)."""
from __future__ import annotations

from ..builder import ModelBuilder


def unary_model(opcode: str, shape, in_scale: float, in_zp: int, out_scale: float, out_zp: int,
                options_name: str | None = None, **options) -> bytes:
    b = ModelBuilder(f"{opcode.lower()} {list(shape)}")
    x = b.input("x", shape, scale=in_scale, zero_point=in_zp)
    y = b.tensor("y", shape, scale=out_scale, zero_point=out_zp)
    b.op(opcode, [x], [y], options_name, **options)
    b.mark_output(y)
    return b.build()
