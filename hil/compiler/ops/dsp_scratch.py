"""Scratch sizes of the DSP-extension kernels (kernels/src/ops/*_dsp.c), as their size queries compute them.

The plan is the same for every target, so prepare reserves what the DSP variant wants (the reference
kernels want none); the runtime's validate checks the plan's scratch against the kernel's query, so the
two must agree.  Each function mirrors the C query of the same kernel line by line."""
from __future__ import annotations

# conv_2d_dsp.c
CONV_WINDOW_CHUNK = 1024
CONV_FAST_MAX_WINDOW = 576
CONV_FAST_COLS = 64
CONV_FAST_PAD_BYTES = 640


def _round4(n: int) -> int:
    return (n + 3) & ~3


def _conv_fast_applies(p: dict, in_c: int, filter_hwc: tuple[int, int, int], out_c: int) -> bool:
    fh, fw, fc = filter_hwc
    row = fw * fc
    row4 = _round4(row)
    depth4 = fh * row4
    return not (fc != in_c or out_c & 1 or p["dilation_w"] != 1 or depth4 > CONV_FAST_MAX_WINDOW
                or (row4 != row and out_c * depth4 > CONV_FAST_PAD_BYTES) or p["act_min"] < -128
                or p["act_max"] > 127 or p["act_min"] > p["act_max"])


def conv_2d_s8(p: dict, in_c: int, filter_hwc: tuple[int, int, int], out_c: int) -> int:
    """th_conv2d_s8_scratch_bytes: the fast path's lanes, words, padded row and filter, flags and sink;
    nothing for the matrix multiply (1x1, stride 1, no padding); else two windows of a chunk each."""
    fh, fw, fc = filter_hwc
    if _conv_fast_applies(p, in_c, filter_hwc, out_c):
        row = fw * fc
        row4 = _round4(row)
        depth4 = fh * row4
        n = min(out_c, CONV_FAST_COLS)
        wpad = out_c * depth4 if row4 != row else 0
        return 4 * depth4 + 16 * n + row4 + wpad + _round4((n + 1) // 2) + _round4(n)
    if (fh == 1 and fw == 1 and fc == in_c and p["stride_h"] == 1 and p["stride_w"] == 1 and p["pad_h"] == 0
            and p["pad_w"] == 0):
        return 0
    window = fh * fw * fc
    return 2 * (_round4(window) if window < CONV_WINDOW_CHUNK else CONV_WINDOW_CHUNK)
