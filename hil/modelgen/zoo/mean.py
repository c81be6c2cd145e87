"""MEAN cases: spatial means of NHWC tensors (Keras GlobalAveragePooling2D as
current converters write it), keep_dims true and false, with equal and with
different input/output quantization, axis spellings and extreme scale ratios;
then other axes: one axis, the channel axis, non-adjacent axes, every axis,
ranks 1, 2, 3 and 5; int16 (s16_*) over spatial, channel and mixed axes."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R


def reduce_model(op: str, shape, axes, keep_dims: bool = True, input_q=(0.05, -3), output_q=None,
                 dtype=np.int8) -> bytes:
    """`op` (MEAN, SUM, REDUCE_MAX, REDUCE_MIN) over `axes` of an int8 (or `dtype`) input.
    `output_q` defaults to the input's (scale, zero_point)."""
    output_q = input_q if output_q is None else output_q
    resolved = {a + len(shape) if a < 0 else a for a in axes}
    out_shape = tuple(1 if d in resolved else n for d, n in enumerate(shape) if keep_dims or d not in resolved)
    b = ModelBuilder(f"{op.lower()} {shape} axes {list(axes)} keep_dims={keep_dims} in {input_q} out {output_q}")
    x = b.input("input", shape, *input_q, dtype=dtype)
    axis = b.const("axis", np.array(axes, dtype=np.int32))
    y = b.tensor("output", out_shape, dtype, *output_q)
    b.op(op, [x, axis], [y], "ReducerOptions", keep_dims=keep_dims)
    b.mark_output(y)
    return b.build()


def mean_model(shape, keep_dims: bool = True, input_q=(0.05, -3), output_q=None, axes=(1, 2), dtype=np.int8) -> bytes:
    """MEAN over `axes` (the spatial ones by default) of an int8 (or `dtype`) input."""
    return reduce_model("MEAN", shape, axes, keep_dims, input_q, output_q, dtype)


def _case(*args, **kwargs):
    return functools.partial(mean_model, *args, **kwargs)


CASES = {
    # Equal quantization (what a converter writes for GlobalAveragePooling2D).
    "keep_dims_same_quant": _case((1, 6, 6, 16), True),
    "no_keep_dims_same_quant": _case((1, 6, 6, 16), False),
    "same_quant_zp_min": _case((1, 5, 5, 8), False, (0.1, -128)),
    "same_quant_3x3_vww_like": _case((1, 3, 3, 32), False, (0.0157, -128)),
    # Different quantization: scale ratio above and below 1, different zero points.
    "keep_dims_diff_quant": _case((1, 7, 5, 8), True, (0.05, -3), (0.02, 7)),
    "no_keep_dims_diff_quant": _case((1, 7, 5, 8), False, (0.05, -3), (0.11, -20)),
    "diff_zero_point_only": _case((1, 4, 4, 8), False, (0.05, 0), (0.05, 12)),
    "diff_scale_only": _case((1, 4, 6, 8), True, (0.05, 4), (0.03, 4)),
    # Axis spellings TFLM accepts for the same reduction.
    "axes_reversed": _case((1, 5, 4, 6), False, axes=(2, 1)),
    "axes_negative": _case((1, 5, 4, 6), True, axes=(-3, -2)),
    "axes_duplicated": _case((1, 5, 4, 6), False, axes=(1, 2, 1)),
    # Shapes: batch, one pixel, long and large reductions.
    "batch3": _case((3, 4, 5, 6), False, (0.05, -3), (0.04, 2)),
    "single_pixel": _case((1, 1, 1, 10), False, (0.05, -3), (0.07, 1)),
    "kws_like_25x5": _case((1, 25, 5, 16), False, (0.08, -128), (0.03, -100)),
    "large_32x32": _case((1, 32, 32, 4), True, (0.05, -3), (0.01, 0)),
    # Extreme ratios: the 1/count fold is clamped by 31 + shift (TFLM's precision loss).
    "tiny_scale_ratio": _case((1, 49, 10, 2), False, (2.0 ** -20, 0), (32.0, 3)),
    "large_scale_ratio": _case((1, 3, 3, 4), False, (1.0, 0), (0.001, -5)),
    # Other axes and ranks.
    "axis1_keep_dims": _case((2, 5, 4, 3), True, (0.05, -3), (0.02, 7), axes=(1,)),
    "channel_axis_negative": _case((1, 6, 5, 12), False, (0.05, 4), (0.03, -2), axes=(-1,)),
    "axes_0_2_rank4": _case((3, 4, 5, 6), True, (0.1, -128), (0.04, 10), axes=(2, 0)),
    "all_axes_rank3": _case((4, 6, 5), False, (0.05, -3), (0.01, 0), axes=(0, 1, 2)),
    "rank1": _case((9,), True, (0.05, 20), (0.07, -5), axes=(0,)),
    "rank2_axis0": _case((7, 3), False, (0.2, -1), (0.05, 3), axes=(-2,)),
    "rank5_axes_1_3_4": _case((2, 3, 2, 4, 3), True, (0.05, -3), (0.02, 1), axes=(1, 3, 4)),
    # int16: the converter's zero points 0 and equal quantization, then other scales and zero points, other axes.
    "s16_spatial_same_quant": _case((1, 6, 6, 16), False, (3.1e-4, 0), dtype=np.int16),
    "s16_spatial_diff_quant_keep_dims": _case((1, 7, 5, 8), True, (3.1e-4, 0), (1.3e-4, 0), dtype=np.int16),
    "s16_channel_axis_zero_points": _case((1, 6, 5, 12), False, (2.0e-4, 100), (3.0e-4, -250), axes=(-1,),
                                          dtype=np.int16),
    "s16_axes_0_2_rank4": _case((3, 4, 5, 6), True, (1.0 / 32768, 0), (1.0 / 65536, 0), axes=(2, 0),
                                dtype=np.int16),
    "s16_rank5_axes_1_3_4": _case((2, 3, 2, 4, 3), False, (5.0e-4, 0), (2.0e-4, 0), axes=(1, 3, 4),
                                  dtype=np.int16),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random MEAN over H and W of an NHWC tensor: batch 1-3, sizes up to 40x40, axes spelled in any
    order, negative or repeated, keep_dims or not, equal or different quantization with scale ratios
    from 1e-4 to 1e4 and any zero points; one case in twenty reduces other axes (refused by the compiler)."""
    shape = (int(R.choice(rng, (1, 1, 2, 3))),) + R.dims(rng, 2, int(R.choice(rng, (4, 8, 40))), 1600) + \
        (int(rng.integers(1, 9)),)
    axes = [int(R.choice(rng, (1, -3))), int(R.choice(rng, (2, -2)))]
    if R.chance(rng, 0.5):
        axes.reverse()
    if R.chance(rng, 0.2):
        axes.append(axes[int(rng.integers(2))])
    if R.chance(rng, 0.05):
        axes = R.choice(rng, ([1], [3], [1, 2, 3], [0, 1, 2]))
    input_q = (R.scale(rng), R.zero_point(rng))
    output_q = None if R.chance(rng, 0.3) else (input_q[0] * R.log_uniform(rng, 1e-4, 1e4), R.zero_point(rng))
    return mean_model(shape, R.chance(rng, 0.5), input_q, output_q, tuple(axes))
