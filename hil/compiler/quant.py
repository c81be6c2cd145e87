"""TFLM's Prepare-time integer arithmetic, reproduced exactly on the host.

Every function here mirrors a TFLM/TFLite helper of the same purpose; the
engine's bit-exactness depends on these producing the same integers."""
from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127


def round_half_away(x: float) -> int:
    """std::round: halves go away from zero (Python's round() goes to even)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier: real = m * 2^(shift-31), m in [2^30, 2^31) (or 0)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    # TFLM's default (double-rounding) build keeps a shift of 31 (softmax reaches it); no clamp.
    return int(q_fixed), int(shift)


def quantize_multiplier_smaller_than_one_exp(real: float) -> tuple[int, int]:
    """QuantizeMultiplierSmallerThanOneExp: shift is <= 0."""
    if not (0.0 < real < 1.0):
        raise ValueError(f"multiplier {real} not in (0, 1)")
    m, shift = quantize_multiplier(real)
    if shift > 0:
        raise ValueError(f"multiplier {real} gives positive shift {shift}")
    return m, shift




def activation_range(fused: str, scale: float, zero_point: int, qmin: int = INT8_MIN,
                     qmax: int = INT8_MAX) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: the clamp a fused activation implies within [qmin, qmax]
    (the output type's range: int8 by default)."""
    def quantize(f: float) -> int:
        tmp = np.float32(f) / np.float32(scale)
        return int(zero_point) + round_half_away(float(tmp))

    lo, hi = qmin, qmax
    if fused == "RELU":
        lo = max(lo, quantize(0.0))
    elif fused == "RELU6":
        lo = max(lo, quantize(0.0))
        hi = min(hi, quantize(6.0))
    elif fused == "RELU_N1_TO_1":
        lo = max(lo, quantize(-1.0))
        hi = min(hi, quantize(1.0))
    elif fused != "NONE":
        raise ValueError(f"fused activation {fused}")
    return lo, hi
