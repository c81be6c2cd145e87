"""The integer arithmetic behind m-results, shared by the firmware's generated
constants and the host: the host computes what a correct device prints (from
the TFLM golden outputs) with exactly the firmware's rounding."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DECIMALS = 3          # as the reference firmware's "%0.3f"
_Q_LIMIT = 1 << 31    # every fixed-point constant stays below this (64-bit products on the device)


@dataclass(frozen=True)
class ResultsConstants:
    kind: str                 # "dequantized" or "mse"
    decimals: int
    scale_shift: int
    input_zero_point: int
    output_zero_point: int
    output_scale_q: int
    mse_in_in_q: int
    mse_in_out_q: int
    mse_out_out_q: int


def results_constants(kind: str, input_scale: float, input_zp: int,
                      output_scale: float, output_zp: int, decimals: int = DECIMALS) -> ResultsConstants:
    """Scales as integers times 2^-shift, with the largest shift that keeps them all below 2^31."""
    values = [output_scale]
    if kind == "mse":
        values += [input_scale * input_scale, input_scale * output_scale, output_scale * output_scale]
    biggest = max(values)
    if not (biggest > 0 and math.isfinite(biggest)):
        raise ValueError(f"output/input scales must be positive and finite, got {values}")
    shift = 0
    while shift < 62 and biggest * 2.0 ** (shift + 1) < _Q_LIMIT:
        shift += 1
    q = lambda v: int(round(v * 2.0 ** shift))
    if kind == "mse":
        return ResultsConstants(kind, decimals, shift, input_zp, output_zp, q(output_scale),
                                q(input_scale * input_scale), q(input_scale * output_scale),
                                q(output_scale * output_scale))
    return ResultsConstants(kind, decimals, shift, input_zp, output_zp, q(output_scale), 0, 0, 0)


def _shift_round(v: int, shift: int) -> int:
    if shift == 0:
        return v
    half = 1 << (shift - 1)
    return (v + half) >> shift if v >= 0 else -((-v + half) >> shift)


def _trunc_div(a: int, b: int) -> int:
    """C's integer division (towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _fixed_text(value: int, decimals: int) -> str:
    sign = "-" if value < 0 else ""
    unit = 10 ** decimals
    whole, frac = divmod(abs(value), unit)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def results_line(c: ResultsConstants, input_int8: np.ndarray, output_int8: np.ndarray) -> str:
    """The m-results-[...] line a device prints for these tensors."""
    unit = 10 ** c.decimals
    out = [int(v) - c.output_zero_point for v in np.asarray(output_int8, dtype=np.int8).ravel()]
    if c.kind == "mse":
        inp = [int(v) - c.input_zero_point for v in np.asarray(input_int8, dtype=np.int8).ravel()]
        aa = sum(a * a for a in inp)
        ab = sum(a * b for a, b in zip(inp, out))
        bb = sum(b * b for b in out)
        total = c.mse_in_in_q * aa - 2 * c.mse_in_out_q * ab + c.mse_out_out_q * bb
        mean = _trunc_div(total, len(out))
        values = [_fixed_text(_shift_round(mean * unit, c.scale_shift), c.decimals)]
    else:
        values = [_fixed_text(_shift_round(q * c.output_scale_q * unit, c.scale_shift), c.decimals) for q in out]
    return "m-results-[" + ",".join(values) + "]"
