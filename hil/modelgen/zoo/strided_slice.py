"""STRIDED_SLICE cases: the Keras x[:, 1:7:2, :, 2:6], negative strides and
indices, begin/end masks, shrink_axis (an LSTM's last time step), rank 1, and
an ellipsis mask, which TFLM ignores."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder

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
