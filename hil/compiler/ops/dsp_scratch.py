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
CONV_STACK_BYTES = 1024


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


# depthwise_conv_2d_dsp.c
DW3_MAX_RUNS = 8
DW3_FLAT = 96
DW3_RUN_BYTES = 12
DW3_CTX_BYTES = 172


def _dw3_clamp_origin(origin: int, size: int) -> int:
    return 0 if origin < 0 else size - 3 if origin > size - 3 else origin


def _dw3_runs(p: dict, in_hw: tuple[int, int], filter_hw: tuple[int, int], out_hwc: tuple[int, int, int]) -> int:
    """dw3_applies: the number of runs of an output row, 0 when the 3x3 path does not take the op."""
    in_h, in_w = in_hw
    out_h, out_w, out_c = out_hwc
    if (filter_hw != (3, 3) or p["depth_multiplier"] != 1 or p["dilation_h"] != 1 or p["dilation_w"] != 1
            or in_h < 3 or in_w < 3 or out_c < 4 or p["act_min"] < -128 or p["act_max"] > 127
            or p["act_min"] > p["act_max"]):
        return 0
    y_last = (out_h - 1) * p["stride_h"] - p["pad_h"]
    x_last = (out_w - 1) * p["stride_w"] - p["pad_w"]
    if (_dw3_clamp_origin(-p["pad_h"], in_h) + p["pad_h"] > 1 or _dw3_clamp_origin(y_last, in_h) - y_last < -1
            or _dw3_clamp_origin(-p["pad_w"], in_w) + p["pad_w"] > 1
            or _dw3_clamp_origin(x_last, in_w) - x_last < -1):
        return 0
    runs, last = 0, None
    for x in range(out_w):
        x0 = x * p["stride_w"] - p["pad_w"]
        d = _dw3_clamp_origin(x0, in_w) - x0
        if runs == 0 or d != last:
            if runs == DW3_MAX_RUNS:
                return 0
            runs, last = runs + 1, d
    return runs


def depthwise_conv_2d_s8(p: dict, in_hw: tuple[int, int], filter_hw: tuple[int, int],
                         out_nhwc: tuple[int, int, int, int]) -> int:
    """th_depthwise_conv2d_s8_scratch_bytes: the 3x3 path's list of runs (up to DW3_FLAT, at least two
    rows') and its nine variants; nothing for the other paths."""
    n, out_h, out_w, out_c = out_nhwc
    runs = _dw3_runs(p, in_hw, filter_hw, (out_h, out_w, out_c))
    if runs == 0:
        return 0
    listed = min(n * out_h * runs, DW3_FLAT)
    return DW3_RUN_BYTES * max(listed, 2 * runs) + 9 * DW3_CTX_BYTES


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
