"""EXPAND_DIMS cases: axis 0, the last position, negative axes, and int8 data
feeding a CONV_2D as a Conv1D converted with an unknown batch does."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def expand_dims_model(shape, axis, axis_shape=(1,)) -> bytes:
    rank = len(shape)
    a = axis + rank + 1 if axis < 0 else axis
    out_shape = list(shape[:a]) + [1] + list(shape[a:])
    b = ModelBuilder(f"expand_dims {list(shape)} at {axis}")
    x = b.input("x", shape, *QUANT)
    y = b.tensor("y", out_shape, np.int8, *QUANT)
    b.op("EXPAND_DIMS", [x, b.const("axis", np.array(axis, np.int32).reshape(axis_shape))], [y])
    b.mark_output(y)
    return b.build()


def expand_then_conv(length=12, channels=4, filters=6) -> bytes:
    """[1, L, C] -> EXPAND_DIMS at 1 -> [1, 1, L, C] -> CONV_2D 1x3 VALID."""
    b = ModelBuilder("expand_dims then conv (Conv1D)")
    x = b.input("x", (1, length, channels), *QUANT)
    e = b.tensor("expanded", (1, 1, length, channels), np.int8, *QUANT)
    b.op("EXPAND_DIMS", [x, b.const("axis", np.array([1], np.int32))], [e])
    rng = np.random.default_rng(3)
    w = b.const("w", rng.integers(-127, 128, (filters, 1, 3, channels)).astype(np.int8),
                scale=np.full(filters, 0.01, np.float32), zero_point=np.zeros(filters, np.int64))
    bias = b.const("bias", rng.integers(-500, 500, filters).astype(np.int32),
                   scale=np.full(filters, 0.0005, np.float32), zero_point=np.zeros(filters, np.int64))
    y = b.tensor("y", (1, 1, length - 2, filters), np.int8, 0.1, 2)
    b.op("CONV_2D", [e, w, bias], [y], "Conv2DOptions", padding=1, stride_w=1, stride_h=1,
         dilation_w_factor=1, dilation_h_factor=1, fused_activation_function=0)
    b.mark_output(y)
    return b.build()


CASES = {
    "axis0": functools.partial(expand_dims_model, (4, 5), 0),
    "last": functools.partial(expand_dims_model, (2, 3, 4), 3),
    "negative_last": functools.partial(expand_dims_model, (2, 3, 4), -1),
    "negative_first_scalar_axis": functools.partial(expand_dims_model, (6,), -2, axis_shape=()),
    "conv1d": expand_then_conv,
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random EXPAND_DIMS: rank 0-5, any axis in [-rank - 1, rank], the axis a [1] or a scalar tensor."""
    rank = int(rng.integers(0, 6))
    axis = int(rng.integers(-rank - 1, rank + 1))
    return expand_dims_model(R.dims(rng, rank, 6), axis, axis_shape=R.choice(rng, ((1,), ())))
