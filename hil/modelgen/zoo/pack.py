"""PACK and UNPACK cases: every axis position incl. negative ones, ranks 1 to 4
pieces, one piece, a constant piece, and UNPACK's outputs packed back."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def _stacked_shape(piece, axis: int, count: int):
    rank = len(piece) + 1
    axis = axis + rank if axis < 0 else axis
    return tuple(piece[:axis]) + (count,) + tuple(piece[axis:])


def pack_model(piece, axis: int, count: int, const_piece: bool = False) -> bytes:
    """PACK of `count` inputs (the last a constant when `const_piece`) along `axis`."""
    b = ModelBuilder(f"pack {count} x {list(piece)} axis {axis}")
    xs = [b.input(f"x{k}", piece, *QUANT) for k in range(count - const_piece)]
    if const_piece:
        data = np.random.default_rng(1).integers(-128, 128, size=piece, dtype=np.int8)
        xs.append(b.const("c", data, *QUANT))
    y = b.tensor("stacked", _stacked_shape(piece, axis, count), np.int8, *QUANT)
    b.op("PACK", xs, [y], "PackOptions", values_count=count, axis=axis)
    b.mark_output(y)
    return b.build()


def unpack_model(shape, axis: int, repack: bool = False) -> bytes:
    """UNPACK of an input along `axis`: every piece a model output, or (repack) packed
    back in reverse order along the same axis."""
    rank = len(shape)
    a = axis + rank if axis < 0 else axis
    count = shape[a]
    piece = tuple(shape[:a]) + tuple(shape[a + 1:])
    b = ModelBuilder(f"unpack {list(shape)} axis {axis}{' then pack reversed' if repack else ''}")
    x = b.input("input", shape, *QUANT)
    ys = [b.tensor(f"piece{k}", piece, np.int8, *QUANT) for k in range(count)]
    b.op("UNPACK", [x], ys, "UnpackOptions", num=count, axis=axis)
    if repack:
        z = b.tensor("reversed", shape, np.int8, *QUANT)
        b.op("PACK", ys[::-1], [z], "PackOptions", values_count=count, axis=axis)
        b.mark_output(z)
    else:
        for y in ys:
            b.mark_output(y)
    return b.build()


CASES = {
    "pack_2_axis1_4d": functools.partial(pack_model, (1, 4, 4, 3), 1, 2),
    "pack_3_axis0_1d": functools.partial(pack_model, (7,), 0, 3),
    "pack_4_last_axis_negative": functools.partial(pack_model, (2, 3, 5), -1, 4),
    "pack_1_axis_minus2": functools.partial(pack_model, (3, 6), -2, 1),
    "pack_with_constant": functools.partial(pack_model, (1, 5, 4), 2, 3, const_piece=True),
    "unpack_axis1_3d": functools.partial(unpack_model, (1, 3, 8), 1),
    "unpack_axis0_2d": functools.partial(unpack_model, (4, 6), 0),
    "unpack_last_axis_negative_4d": functools.partial(unpack_model, (1, 3, 2, 5), -1),
    "unpack_then_pack_reversed": functools.partial(unpack_model, (2, 4, 3), 1, repack=True),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random PACK (1-10 pieces of rank 1-5, any axis incl. negative, a constant piece now and then)
    or UNPACK (rank 2-5, 1-8 pieces, any axis, repacked reversed now and then)."""
    if R.chance(rng, 0.5):
        rank = int(rng.integers(1, 6))
        count = int(rng.integers(1, 11))
        return pack_model(R.dims(rng, rank, 5, 300), int(rng.integers(-rank - 1, rank + 1)), count,
                          const_piece=count > 1 and R.chance(rng, 0.15))   # one input at least
    rank = int(rng.integers(2, 6))
    shape = list(R.dims(rng, rank, 5, 600))
    axis = R.axis(rng, rank)
    shape[axis] = int(rng.integers(1, 9))
    return unpack_model(tuple(shape), axis, repack=R.chance(rng, 0.3))
