"""Scratch sizes of the DSP-extension kernels (kernels/src/ops/*_dsp.c), as their size queries compute them.

CONV_2D and FULLY_CONNECTED keep buffers up to CONV_STACK_BYTES / FC_STACK_BYTES on the stack (no
scratch then): the layers where the MLPerf Tiny arenas peak want that little, and a scratch there
would grow the arena.

The plan is the same for every target, so prepare reserves what the DSP variant wants (the reference
kernels want none); the runtime's validate checks the plan's scratch against the kernel's query, so the
two must agree.  Each function mirrors the C query of the same kernel line by line."""
from __future__ import annotations

# conv_2d_dsp.c
CONV_WINDOW_CHUNK = 1024
CONV_FAST_MAX_WINDOW = 576
CONV_FAST_COLS = 64
CONV_FAST_PAD_BYTES = 640
CONV_STACK_BYTES = 1088


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


def conv_2d_s8(p: dict, has_bias: bool, in_hwc: tuple[int, int, int], filter_hwc: tuple[int, int, int],
               out_hwc: tuple[int, int, int]) -> int:
    """th_conv2d_s8_scratch_bytes: the buffers of conv_buffer_bytes when they do not fit the stack's."""
    n = _conv_buffer_bytes(p, has_bias, in_hwc, filter_hwc, out_hwc)
    return n if n > CONV_STACK_BYTES else 0


def _conv_buffer_bytes(p: dict, has_bias: bool, in_hwc: tuple[int, int, int], filter_hwc: tuple[int, int, int],
               out_hwc: tuple[int, int, int]) -> int:
    """conv_buffer_bytes: the fast path's lanes, zero bias (without a bias), requantization
    words, padded row (where a window may cross the border), padded filter and flags (conv_fast_layout);
    nothing for the matrix multiply (1x1, stride 1, no padding); else two windows of a chunk each."""
    in_h, in_w, in_c = in_hwc
    fh, fw, fc = filter_hwc
    out_h, out_w, out_c = out_hwc
    if _conv_fast_applies(p, in_c, filter_hwc, out_c):
        row = fw * fc
        row4 = _round4(row)
        depth4 = fh * row4
        n = min(out_c, CONV_FAST_COLS)
        inside = (row4 == row and p["pad_h"] == 0 and p["pad_w"] == 0
                  and (out_h - 1) * p["stride_h"] + (fh - 1) * p["dilation_h"] < in_h
                  and (out_w - 1) * p["stride_w"] + fw <= in_w)
        wpad = out_c * depth4 if row4 != row else 0
        return (4 * depth4 + (0 if has_bias else 4 * n) + 12 * n + (0 if inside else row4) + wpad
                + _round4((n + 1) // 2))
    if (fh == 1 and fw == 1 and fc == in_c and p["stride_h"] == 1 and p["stride_w"] == 1 and p["pad_h"] == 0
            and p["pad_w"] == 0):
        return 0
    window = fh * fw * fc
    return 2 * (_round4(window) if window < CONV_WINDOW_CHUNK else CONV_WINDOW_CHUNK)


# fully_connected_dsp.c
FC_FAST_MAX_DEPTH = 1024
FC_CHUNK = 64
FC_STACK_BYTES = 1344


def fully_connected_s8(p: dict, quant_count: int, has_bias: bool, accum_depth: int, output_depth: int) -> int:
    """th_fully_connected_s8_scratch_bytes: the buffers of fc_buffer_bytes when they do not fit the stack's."""
    n = _fc_buffer_bytes(p, quant_count, has_bias, accum_depth, output_depth)
    return n if n > FC_STACK_BYTES else 0


def _fc_buffer_bytes(p: dict, quant_count: int, has_bias: bool, accum_depth: int, output_depth: int) -> int:
    """fc_buffer_bytes: the fast path's lanes of the input row (2 bytes a value), its
    requantization words (four channels' with one quantization and a bias, else a chunk's) and a chunk's
    zero bias without a bias; nothing for the matrix multiply."""
    if not (p["filter_offset"] == 0 and accum_depth % 4 == 0 and 0 < accum_depth <= FC_FAST_MAX_DEPTH
            and output_depth >= 4 and p["act_min"] >= -128 and p["act_max"] <= 127 and p["act_min"] <= p["act_max"]):
        return 0
    n = min(output_depth, FC_CHUNK)
    once = quant_count == 1 and has_bias
    return 2 * accum_depth + (48 if once else 12 * n) + (0 if has_bias else 4 * n)
