"""AVERAGE_POOL_2D cases: SAME/VALID, strides, filter sizes, the global pools of
the MLPerf Tiny models, windows clipped by padding (where the in-bounds
divisor matters), batches and every fused activation."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

SAME, VALID = 0, 1
ACTIVATIONS = {"none": 0, "relu": 1, "relu_n1_to_1": 2, "relu6": 3}


def out_size(padding: int, size: int, filter_size: int, stride: int) -> int:
    return (size + stride - 1) // stride if padding == SAME else (size - filter_size + stride) // stride


def pool_model(op_type: str, shape, filter_hw, stride_hw, padding: int, activation: str = "none",
               scale: float = 0.05, zero_point: int = -3, output_scale: float | None = None,
               dtype=np.int8) -> bytes:
    """One pooling op on an int8 (or `dtype`) NHWC input; input and output share quantization
    unless `output_scale` is given (TFLM tolerates a difference of 1e-6)."""
    n, h, w, c = shape
    (fh, fw), (sh, sw) = filter_hw, stride_hw
    b = ModelBuilder(f"{op_type.lower()} {shape} filter {fh}x{fw} stride {sh}x{sw} "
                     f"{'SAME' if padding == SAME else 'VALID'} {activation}")
    x = b.input("input", shape, scale, zero_point, dtype=dtype)
    out_shape = (n, out_size(padding, h, fh, sh), out_size(padding, w, fw, sw), c)
    y = b.tensor("output", out_shape, dtype, scale if output_scale is None else output_scale, zero_point)
    b.op(op_type, [x], [y], "Pool2DOptions", padding=padding, stride_w=sw, stride_h=sh,
         filter_width=fw, filter_height=fh, fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


def pool_cases(op_type: str) -> dict:
    """The case list shared by AVERAGE_POOL_2D and MAX_POOL_2D."""
    def case(*args, **kwargs):
        return functools.partial(pool_model, op_type, *args, **kwargs)

    return {
        # Global pools of the MLPerf Tiny models (VWW 3x3, KWS 25x5, ResNet 8x8), fewer channels.
        "global_3x3_vww": case((1, 3, 3, 32), (3, 3), (3, 3), VALID, zero_point=-128),
        "global_25x5_kws": case((1, 25, 5, 16), (25, 5), (25, 5), VALID, zero_point=-128),
        "global_8x8_resnet": case((1, 8, 8, 16), (8, 8), (8, 8), VALID, zero_point=-128),
        "global_same_7x7": case((1, 7, 7, 8), (7, 7), (1, 1), SAME),
        # SAME: edge windows are clipped, so the divisor is the in-bounds tap count.
        "same_3x3_s1": case((1, 7, 9, 8), (3, 3), (1, 1), SAME),
        "same_3x3_s2_even": case((1, 8, 8, 4), (3, 3), (2, 2), SAME),   # pad 0 top/left, 1 bottom/right
        "same_4x4_s2": case((1, 8, 8, 4), (4, 4), (2, 2), SAME),        # pad 1 top/left
        "same_5x3_s2x3": case((1, 11, 10, 3), (5, 3), (2, 3), SAME),
        "same_2x2_s1": case((1, 5, 6, 5), (2, 2), (1, 1), SAME),        # odd total pad: 0 before, 1 after
        "same_6x6_s1_large_pad": case((1, 4, 5, 3), (6, 6), (1, 1), SAME),
        "same_1x1_s2_subsample": case((1, 9, 7, 4), (1, 1), (2, 2), SAME),
        "same_3x3_s4_gaps": case((1, 13, 13, 2), (3, 3), (4, 4), SAME),  # stride > filter
        # VALID.
        "valid_2x2_s2": case((1, 8, 8, 6), (2, 2), (2, 2), VALID),
        "valid_3x3_s1": case((1, 6, 7, 5), (3, 3), (1, 1), VALID),
        "valid_2x3_s1x2": case((1, 7, 9, 3), (2, 3), (1, 2), VALID),
        "valid_3x3_s2_ragged": case((1, 10, 9, 4), (3, 3), (2, 2), VALID),  # last rows/cols unused
        "valid_1d_time_4x1": case((1, 49, 1, 8), (4, 1), (2, 1), VALID),
        # Batches and channel counts.
        "batch2_same_3x3_s2": case((2, 6, 5, 7), (3, 3), (2, 2), SAME),
        "one_channel_same_3x3": case((1, 6, 6, 1), (3, 3), (1, 1), SAME, zero_point=0),
        # Fused activations, with quantization that makes each clamp bite.
        "relu_same_3x3": case((1, 6, 6, 4), (3, 3), (1, 1), SAME, "relu", scale=0.05, zero_point=10),
        "relu6_same_3x3": case((1, 6, 6, 4), (3, 3), (1, 1), SAME, "relu6", scale=0.06, zero_point=-20),
        "relu_n1_to_1_valid_2x2": case((1, 6, 6, 4), (2, 2), (2, 2), VALID, "relu_n1_to_1",
                                       scale=0.02, zero_point=5),
        # Output scale within TFLM's 1e-6 tolerance of the input scale.
        "scale_within_tolerance": case((1, 5, 5, 4), (3, 3), (2, 2), SAME, scale=0.125,
                                       output_scale=0.125 + 5e-7),
        # int16 in and out (zero point 0), several scales: RELU6 clamps at 6 / (1/4096) = 24576,
        # RELU_N1_TO_1 at +-16384 for 1/16384.
        "s16_same_3x3_s2": case((1, 7, 8, 4), (3, 3), (2, 2), SAME, scale=1 / 32768, zero_point=0, dtype=np.int16),
        "s16_global_6x6": case((2, 6, 6, 5), (6, 6), (6, 6), VALID, scale=0.001, zero_point=0, dtype=np.int16),
        "s16_relu6_valid_2x2": case((1, 6, 6, 3), (2, 2), (2, 2), VALID, "relu6", scale=1 / 4096, zero_point=0,
                                    dtype=np.int16),
        "s16_relu_n1_to_1_same_4x4": case((1, 5, 5, 2), (4, 4), (1, 1), SAME, "relu_n1_to_1", scale=1 / 16384,
                                          zero_point=0, dtype=np.int16),
    }


CASES = pool_cases("AVERAGE_POOL_2D")


def random_pool(op_type: str, rng: np.random.Generator) -> bytes:
    """A random pool of `op_type`: batch 1-3, 1-8 channels, filters 1x1 to 6x6 (now and then the whole
    image, up to 32x32), strides 1-4, SAME or VALID, any fused activation and zero point, scales 1e-3 to 1; one case
    in twenty has an output scale TFLM's check refuses, so the compiler must too."""
    padding = R.choice(rng, (SAME, VALID))
    h, w = (int(rng.integers(1, 14)) for _ in range(2))
    if R.chance(rng, 0.05):   # a large global pool (hundreds of taps per average)
        h, w = (int(rng.integers(10, 33)) for _ in range(2))
    if R.chance(rng, 0.15):
        filt, stride = (h, w), (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    else:
        filt = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        stride = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    if padding == VALID:
        h, w = max(h, filt[0]), max(w, filt[1])
    shape = (int(R.choice(rng, (1, 1, 1, 2, 3))), h, w, int(rng.integers(1, 9)))
    scale = R.scale(rng)
    out_scale = scale * 1.01 if R.chance(rng, 0.05) else None
    return pool_model(op_type, shape, filt, stride, padding, R.choice(rng, tuple(ACTIVATIONS)), scale=scale,
                      zero_point=R.zero_point(rng), output_scale=out_scale)


def random_case(rng: np.random.Generator) -> bytes:
    return random_pool("AVERAGE_POOL_2D", rng)
