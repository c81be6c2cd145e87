"""SPLIT and SPLIT_V cases: equal and uneven parts, every axis of 1-D to 5-D
inputs, negative axes, a -1 in size_splits, one output, and the parts consumed
by a later op (several live outputs of one op in the arena)."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def split_model(shape, axis: int, num_splits: int) -> bytes:
    """SPLIT of an input into `num_splits` equal parts along `axis`; every part is a model output."""
    b = ModelBuilder(f"split {list(shape)} axis {axis} into {num_splits}")
    x = b.input("input", shape, *QUANT)
    a = b.const("axis", np.array([axis], dtype=np.int32))
    part = list(shape)
    part[axis] //= num_splits
    ys = [b.tensor(f"part{k}", part, np.int8, *QUANT) for k in range(num_splits)]
    b.op("SPLIT", [a, x], ys, "SplitOptions", num_splits=num_splits)
    for y in ys:
        b.mark_output(y)
    return b.build()


def split_v_model(shape, axis: int, sizes) -> bytes:
    """SPLIT_V of an input into parts of `sizes` (one may be -1) along `axis`."""
    b = ModelBuilder(f"split_v {list(shape)} axis {axis} sizes {list(sizes)}")
    x = b.input("input", shape, *QUANT)
    s = b.const("size_splits", np.array(sizes, dtype=np.int32))
    a = b.const("axis", np.array(axis, dtype=np.int32))
    resolved = [d if d != -1 else shape[axis] - sum(v for v in sizes if v != -1) for d in sizes]
    ys = []
    for k, size in enumerate(resolved):
        part = list(shape)
        part[axis] = size
        ys.append(b.tensor(f"part{k}", part, np.int8, *QUANT))
    b.op("SPLIT_V", [x, s, a], ys, "SplitVOptions", num_splits=len(sizes))
    for y in ys:
        b.mark_output(y)
    return b.build()


def split_then_add(shape=(1, 4, 4, 16)) -> bytes:
    """Channels split in two halves that are added back: both outputs of SPLIT stay live until ADD."""
    b = ModelBuilder(f"split {list(shape)} in two then add the halves")
    x = b.input("input", shape, *QUANT)
    a = b.const("axis", np.array([-1], dtype=np.int32))
    half = list(shape[:-1]) + [shape[-1] // 2]
    lo = b.tensor("lo", half, np.int8, *QUANT)
    hi = b.tensor("hi", half, np.int8, *QUANT)
    b.op("SPLIT", [a, x], [lo, hi], "SplitOptions", num_splits=2)
    y = b.tensor("sum", half, np.int8, 0.08, 2)
    b.op("ADD", [hi, lo], [y], "AddOptions", fused_activation_function=0)
    b.mark_output(y)
    return b.build()


CASES = {
    "split_2_channels_4d": functools.partial(split_model, (1, 6, 5, 8), 3, 2),
    "split_4_rows_negative_axis": functools.partial(split_model, (1, 8, 3, 5), -3, 4),
    "split_3_batch_axis0_2d": functools.partial(split_model, (6, 10), 0, 3),
    "split_1_part_1d": functools.partial(split_model, (12,), 0, 1),
    "split_2_axis2_5d": functools.partial(split_model, (2, 3, 4, 3, 5), 2, 2),
    "split_then_add": split_then_add,
    "split_v_2_3_3_channels": functools.partial(split_v_model, (1, 4, 4, 8), 3, (2, 3, 3)),
    "split_v_minus1_negative_axis": functools.partial(split_v_model, (1, 9, 4, 3), -3, (1, -1, 5)),
    "split_v_uneven_axis1_3d": functools.partial(split_v_model, (2, 7, 3), 1, (4, 1, 2)),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random SPLIT (equal parts, 1-8) or SPLIT_V (1-8 sizes, one -1 now and then): rank 1-5, any axis
    (negative half the time)."""
    rank = int(rng.integers(1, 6))
    shape = list(R.dims(rng, rank, 5, 600))
    axis = R.axis(rng, rank)
    if R.chance(rng, 0.5):
        parts = int(rng.integers(1, 9))
        shape[axis] = parts * int(rng.integers(1, 4))
        return split_model(tuple(shape), axis, parts)
    sizes = [int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 9)))]
    shape[axis] = sum(sizes)
    if R.chance(rng, 0.3):
        sizes[int(rng.integers(len(sizes)))] = -1
    return split_v_model(tuple(shape), axis, sizes)
