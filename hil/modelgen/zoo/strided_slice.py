"""STRIDED_SLICE cases: the Keras x[:, 1:7:2, :, 2:6], negative strides and
indices, begin/end masks, shrink_axis (an LSTM's last time step), rank 1, and
an ellipsis mask, which TFLM ignores."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def strided_slice_model(shape, begin, end, strides, out_shape, dtype=np.int8, index_dtype=np.int32,
                        **masks) -> bytes:
    b = ModelBuilder(f"strided_slice {list(shape)} [{begin}:{end}:{strides}] {masks}")
    x = b.input("x", shape, *QUANT, dtype=dtype)
    consts = [b.const(name, np.array(v, index_dtype)) for name, v in (("begin", begin), ("end", end),
                                                                      ("strides", strides))]
    y = b.tensor("y", out_shape, dtype, *QUANT)
    b.op("STRIDED_SLICE", [x] + consts, [y], "StridedSliceOptions", **masks)
    b.mark_output(y)
    return b.build()


CASES = {
    "keras_hw_channels": functools.partial(strided_slice_model, (1, 8, 8, 8), [0, 1, 0, 2], [0, 7, 0, 6],
                                           [1, 2, 1, 1], (1, 3, 8, 4), begin_mask=5, end_mask=5),
    "reverse_negative": functools.partial(strided_slice_model, (2, 5, 6), [1, -1, 5], [-3, 0, 0], [-1, -2, -2],
                                          (2, 2, 3)),
    "masks_and_clamping": functools.partial(strided_slice_model, (3, 7), [9, -20], [-9, 20], [-1, 3], (3, 3),
                                            begin_mask=1, end_mask=1),
    "shrink_last_step": functools.partial(strided_slice_model, (1, 10, 16), [0, -1, 0], [1, 0, 16], [1, 1, 1],
                                          (1, 16), begin_mask=5, end_mask=7, shrink_axis_mask=2),
    "rank1_stride3": functools.partial(strided_slice_model, (20,), [2], [19], [3], (6,)),
    "ellipsis_mask_ignored": functools.partial(strided_slice_model, (2, 4), [0, 1], [1, 3], [1, 1], (1, 2),
                                               ellipsis_mask=1),
}


def _slice_count(dim: int, begin: int, end: int, stride: int, begin_masked: bool, end_masked: bool) -> int:
    """Elements a dim keeps, with Python's (and TFLM's StartForAxis/StopForAxis) clamping."""
    return len(range(dim)[slice(None if begin_masked else begin, None if end_masked else end, stride)])


def random_case(rng: np.random.Generator) -> bytes:
    """A random STRIDED_SLICE: rank 1-4, int8/int16/int32, begins and ends anywhere in [-dim - 2, dim + 2]
    (negative, clamped), strides -3..3 (not 0), begin/end masks, shrink_axis on some dims, an ignored
    ellipsis mask now and then, int64 indices (which TFLM misreads as int32 words) one case in twenty."""
    rank = int(rng.integers(1, 5))
    shape = R.dims(rng, rank, 8, 1000)
    begin, end, strides, out_shape = [], [], [], []
    begin_mask = end_mask = shrink = 0
    for d, dim in enumerate(shape):
        if R.chance(rng, 0.15):
            b = int(rng.integers(-dim, dim))
            begin.append(b), end.append(b + 1), strides.append(1)
            shrink |= 1 << d
            continue
        for _ in range(50):   # redraw this dim until it keeps an element
            s = int(R.choice(rng, (1, 1, 2, 3, -1, -2, -3)))
            b, e = (int(rng.integers(-dim - 2, dim + 3)) for _ in range(2))
            bm, em = R.chance(rng, 0.2), R.chance(rng, 0.2)
            count = _slice_count(dim, b, e, s, bm, em)
            if count >= 1:
                break
        begin_mask |= bm << d
        end_mask |= em << d
        begin.append(b), end.append(e), strides.append(s)
        out_shape.append(count)
    masks = {"begin_mask": begin_mask, "end_mask": end_mask, "shrink_axis_mask": shrink}
    if R.chance(rng, 0.05):
        masks["ellipsis_mask"] = 1 << int(rng.integers(rank))
    dtype = R.choice(rng, (np.int8, np.int8, np.int16, np.int32))
    index_dtype = np.int64 if R.chance(rng, 0.05) else np.int32
    return strided_slice_model(shape, begin, end, strides, tuple(out_shape), dtype, index_dtype, **masks)
