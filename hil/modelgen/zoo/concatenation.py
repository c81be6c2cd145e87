"""CONCATENATION cases: channels and height of 4-D tensors, a negative axis,
axis 0, 10 inputs (TFLM's limit), rank 1 and rank 5, a constant input."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.04, -7)


def concat_model(shapes, axis, const_inputs=(), dtype=np.int8, quant=QUANT) -> bytes:
    """CONCATENATION of inputs of `shapes` on `axis`; those in `const_inputs` are constants."""
    rank = len(shapes[0])
    a = axis + rank if axis < 0 else axis
    out_shape = list(shapes[0])
    out_shape[a] = sum(s[a] for s in shapes)
    b = ModelBuilder(f"concatenation of {[list(s) for s in shapes]} on axis {axis}")
    rng = np.random.default_rng(len(shapes))
    inputs = []
    for k, shape in enumerate(shapes):
        if k in const_inputs:
            data = rng.integers(-128, 128, size=shape).astype(dtype)
            inputs.append(b.const(f"c{k}", data, *quant))
        else:
            inputs.append(b.input(f"x{k}", shape, *quant, dtype=dtype))
    y = b.tensor("y", out_shape, dtype, *quant)
    b.op("CONCATENATION", inputs, [y], "ConcatenationOptions", axis=axis, fused_activation_function=0)
    b.mark_output(y)
    return b.build()


CASES = {
    "channels_4_6": functools.partial(concat_model, [(1, 8, 8, 4), (1, 8, 8, 6)], 3),
    "height_three": functools.partial(concat_model, [(1, 3, 5, 2), (1, 1, 5, 2), (1, 4, 5, 2)], 1),
    "negative_axis": functools.partial(concat_model, [(2, 3, 4), (2, 5, 4)], -2),
    "axis0": functools.partial(concat_model, [(2, 7), (1, 7)], 0),
    "ten_inputs_rank1": functools.partial(concat_model, [(k + 1,) for k in range(10)], 0),
    "rank5": functools.partial(concat_model, [(1, 2, 3, 2, 2), (1, 2, 3, 1, 2)], 3),
    "const_input": functools.partial(concat_model, [(1, 4, 4, 3), (1, 4, 4, 5)], -1, const_inputs=(1,)),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random CONCATENATION: 1-10 inputs (11 one case in thirty, refused) of rank 1-6, any axis
    (negative half the time), int8, int16 or int32, constant inputs now and then, any quantization."""
    rank = int(rng.integers(1, 7))
    count = 11 if R.chance(rng, 1 / 30) else int(rng.integers(1, 11))
    base = list(R.dims(rng, rank, 5, 400))
    axis = R.axis(rng, rank)
    shapes = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = int(rng.integers(1, 5))
        shapes.append(tuple(shape))
    const = tuple(k for k in range(1, count) if R.chance(rng, 0.2))
    dtype = R.choice(rng, (np.int8, np.int8, np.int16, np.int32))
    quant = (R.scale(rng), R.zero_point(rng) if dtype == np.int8 else 0)
    return concat_model(shapes, axis, const, dtype, quant)
