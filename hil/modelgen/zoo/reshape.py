"""RESHAPE cases: 4-D to 2-D (the MLPerf models' flatten before the classifier),
2-D back to 4-D, with and without the shape input, and chained after pooling."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def reshape_model(shapes, with_shape_input: bool = True, dtype=np.int8) -> bytes:
    """A chain of RESHAPEs through `shapes` (first is the input's); int16 tensors have zero point 0."""
    b = ModelBuilder(f"reshape {' -> '.join(str(list(s)) for s in shapes)}")
    quant = QUANT if dtype == np.int8 else (QUANT[0], 0)
    t = b.input("input", shapes[0], *quant, dtype=dtype)
    for i, shape in enumerate(shapes[1:]):
        y = b.tensor(f"reshaped{i}", shape, dtype, *quant)
        if with_shape_input:
            # The converter writes -1 for the batch, as in the MLPerf models.
            new_shape = b.const(f"shape{i}", np.array((-1,) + tuple(shape[1:]), dtype=np.int32))
            b.op("RESHAPE", [t, new_shape], [y], "ReshapeOptions", new_shape=list(shape))
        else:
            b.op("RESHAPE", [t], [y], "ReshapeOptions", new_shape=list(shape))
        t = y
    b.mark_output(t)
    return b.build()


def pool_then_flatten(shape) -> bytes:
    """The MLPerf tail: global AVERAGE_POOL_2D to [n, 1, 1, c], then RESHAPE to [n, c]."""
    n, h, w, c = shape
    b = ModelBuilder(f"global average pool {list(shape)} then flatten")
    x = b.input("input", shape, 0.05, -128)
    pooled = b.tensor("pooled", (n, 1, 1, c), np.int8, 0.05, -128)
    b.op("AVERAGE_POOL_2D", [x], [pooled], "Pool2DOptions", padding=1, stride_w=w, stride_h=h,
         filter_width=w, filter_height=h, fused_activation_function=0)
    new_shape = b.const("shape", np.array([-1, c], dtype=np.int32))
    flat = b.tensor("flat", (n, c), np.int8, 0.05, -128)
    b.op("RESHAPE", [pooled, new_shape], [flat], "ReshapeOptions")
    b.mark_output(flat)
    return b.build()


CASES = {
    "flatten_4d_to_2d": functools.partial(reshape_model, [(1, 1, 1, 64), (1, 64)]),
    "unflatten_2d_to_4d": functools.partial(reshape_model, [(1, 64), (1, 4, 4, 4)]),
    "4d_to_2d_and_back": functools.partial(reshape_model, [(1, 3, 4, 5), (1, 60), (1, 3, 4, 5)]),
    "4d_to_3d": functools.partial(reshape_model, [(1, 6, 4, 2), (1, 24, 2)]),
    "no_shape_input": functools.partial(reshape_model, [(1, 2, 2, 8), (1, 32)], with_shape_input=False),
    "pool_then_flatten": functools.partial(pool_then_flatten, (1, 3, 3, 32)),
    "s16_flatten_4d_to_2d": functools.partial(reshape_model, [(1, 4, 4, 8), (1, 128)], dtype=np.int16),
    "s16_2d_to_3d_no_shape_input": functools.partial(reshape_model, [(2, 30), (2, 5, 6)], with_shape_input=False,
                                                     dtype=np.int16),
}


def _factor_shape(rng: np.random.Generator, elements: int, rank: int) -> tuple[int, ...]:
    """A shape of `rank` dims whose product is `elements`."""
    dims = [1] * rank
    n = elements
    for p in range(2, elements + 1):
        while n % p == 0:
            dims[int(rng.integers(rank))] *= p
            n //= p
        if n == 1:
            break
    return tuple(dims)


def random_case(rng: np.random.Generator) -> bytes:
    """A random chain of 1-3 RESHAPEs between shapes of rank 1-4 with the same elements, with or without
    the shape input; now and then the pooled-then-flattened MLPerf tail."""
    if R.chance(rng, 0.1):
        return pool_then_flatten((int(rng.integers(1, 3)),) + R.dims(rng, 3, 6))
    elements = int(rng.integers(1, 400))
    shapes = [_factor_shape(rng, elements, int(rng.integers(1, 5))) for _ in range(int(rng.integers(2, 5)))]
    return reshape_model(shapes, with_shape_input=R.chance(rng, 0.7))
