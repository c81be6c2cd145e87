"""Shared builder for the binary elementwise zoos (sub, mul, maximum, minimum, squared_difference, prelu)."""
from __future__ import annotations

import numpy as np

from ..builder import ModelBuilder

ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def binary_model(opcode: str, shape1, shape2, scales=(0.05, 0.05, 0.1), zero_points=None, const2: bool = False,
                 options_name: str | None = None, seed: int = 0, const_data=None, out_shape=None, dtype=np.int8,
                 **options) -> bytes:
    """y = op(x1, x2): x1 an input, x2 an input or (const2) a constant; y has the broadcast shape
    (or out_shape, for models that must be refused).

    Zero points are drawn from the seed unless given (x1, x2, y); int16 (dtype) ones are 0."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if zero_points is not None:
        zps = list(zero_points)
    elif dtype == np.int16:
        zps = [0, 0, 0]
    else:
        zps = [int(rng.integers(-30, 31)) for _ in range(3)]
    info = np.iinfo(dtype)
    if out_shape is None:
        out_shape = np.broadcast_shapes(tuple(shape1), tuple(shape2))
    b = ModelBuilder(f"{opcode.lower()} {list(shape1)} {list(shape2)}")
    x1 = b.input("x1", shape1, scale=scales[0], zero_point=zps[0], dtype=dtype)
    if const2:
        data = const_data if const_data is not None else rng.integers(info.min, info.max + 1, size=shape2, dtype=dtype)
        x2 = b.const("x2", np.asarray(data, dtype=dtype).reshape(shape2), scale=scales[1], zero_point=zps[1])
    else:
        x2 = b.input("x2", shape2, scale=scales[1], zero_point=zps[1], dtype=dtype)
    y = b.tensor("y", out_shape, dtype=dtype, scale=scales[2], zero_point=zps[2])
    b.op(opcode, [x1, x2], [y], options_name, **options)
    b.mark_output(y)
    return b.build()
