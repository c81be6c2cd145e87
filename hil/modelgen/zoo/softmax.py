"""SOFTMAX op-zoo cases: int8 in, int8 out (scale 1/256, zero point -128 as TFLM requires),
and int16 in, int16 out (scale 1/32768, zero point 0).

They cover beta 1.0 / 0.5 / 2.0, small to large input scales (including one
whose rescaling multiplier saturates at 2^31 - 1, left shift 31), every rank
from 1 to 4 and depths 2, 10, 12 and 640."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from ..builder import ModelBuilder

OUTPUT_SCALE = 1.0 / 256
OUTPUT_ZERO_POINT = -128


def softmax_model(shape, input_scale: float, beta: float = 1.0, seed: int = 0) -> bytes:
    """One SOFTMAX over the innermost axis of an int8 input of `shape`."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder(f"softmax {list(shape)} scale {input_scale} beta {beta}")
    x = b.input("x", shape, scale=input_scale, zero_point=int(rng.integers(-20, 21)))
    y = b.tensor("y", shape, scale=OUTPUT_SCALE, zero_point=OUTPUT_ZERO_POINT)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=beta)
    b.mark_output(y)
    return b.build()


def softmax16_model(shape, input_scale: float, beta: float = 1.0, output_scale: float = 1.0 / 32768) -> bytes:
    """One int16 SOFTMAX over the innermost axis (output scale 1/32768, zero point 0)."""
    b = ModelBuilder(f"softmax int16 {list(shape)} scale {input_scale} beta {beta}")
    x = b.input("x", shape, scale=input_scale, zero_point=0, dtype=np.int16)
    y = b.tensor("y", shape, dtype=np.int16, scale=output_scale, zero_point=0)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=beta)
    b.mark_output(y)
    return b.build()


def _case(shape, input_scale, beta=1.0, seed=0) -> Callable[[], bytes]:
    return lambda: softmax_model(shape, input_scale, beta, seed)


def _case16(shape, input_scale, beta=1.0, **kwargs) -> Callable[[], bytes]:
    return lambda: softmax16_model(shape, input_scale, beta, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "2d_beta1": _case((1, 10), 0.1, 1.0, seed=1),
    "2d_beta0p5": _case((1, 10), 0.1, 0.5, seed=2),
    "2d_beta2": _case((1, 10), 0.1, 2.0, seed=3),
    "2d_small_scale": _case((1, 10), 1.0 / 256, 1.0, seed=4),
    "2d_odd_scale": _case((3, 10), 0.0371, 1.0, seed=5),
    "2d_large_scale": _case((1, 10), 0.75, 1.0, seed=6),
    # beta * scale * 2^26 >= 2^31 - 1: the multiplier saturates, left shift 31, diff_min 0.
    "2d_saturated_multiplier": _case((1, 10), 16.0, 2.0, seed=7),
    "depth2": _case((4, 2), 0.05, 1.0, seed=8),
    "4d_depth12": _case((1, 4, 4, 12), 0.05, 1.0, seed=9),
    "4d_depth12_beta0p5": _case((1, 4, 4, 12), 0.2, 0.5, seed=10),
    "4d_depth12_beta2": _case((2, 2, 3, 12), 0.02, 2.0, seed=11),
    "1d_depth10": _case((10,), 0.1, 1.0, seed=12),
    "3d_depth5": _case((2, 3, 5), 0.08, 1.0, seed=13),
    # A long row: a coarse scale keeps the sum of exps small, so TFLM stays
    # inside its exponent check (a flat 640-wide row would trip it).
    "depth640": _case((1, 640), 0.125, 1.0, seed=14),
    # int16: the differences cover [-10, 0] of the exp LUT at different rates; full-range
    # random inputs reach both ends of both LUTs.
    "s16_2d_logits": _case16((1, 10), 4.3733973e-05 * 8, 1.0),
    "s16_fine_scale": _case16((2, 10), 1.0 / 32768, 1.0),
    "s16_coarse_scale_beta0p5": _case16((3, 7), 1.0 / 1024, 0.5),
    "s16_4d_beta2": _case16((1, 2, 3, 12), 1.0 / 4096, 2.0),
    "s16_1d_depth2": _case16((2,), 1.0 / 8192, 1.0),
    "s16_depth1000": _case16((1, 1000), 1.0 / 2048, 1.0),
    # Output scale 1/32768 * 1.0009: inside TFLM's 0.1% tolerance.
    "s16_output_scale_tolerance": _case16((1, 16), 1.0 / 16384, 1.0, output_scale=1.0009 / 32768),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random SOFTMAX: rank 1-4, depth 1-64 (up to 1000 now and then), input scales 1e-3 to 4, beta
    1.0, 0.5, 2.0 or anything in [0.01, 10]."""
    rank = int(rng.integers(1, 5))
    depth = int(rng.integers(1, 1001)) if R.chance(rng, 0.1) else int(rng.integers(1, 65))
    shape = R.dims(rng, rank - 1, 5, 64) + (depth,)
    beta = float(R.choice(rng, (1.0, 0.5, 2.0))) if R.chance(rng, 0.5) else R.log_uniform(rng, 0.01, 10.0)
    return softmax_model(shape, R.scale(rng, 1e-3, 4.0), beta, seed=R.seed(rng))
