"""RESIZE_BILINEAR: int8 (TFLM's int8 path, ResizeBilinearInteger; it takes no int16); NHWC rank 4, constant size, align_corners or half_pixel_centers.

TFLM's int8 arithmetic is all integer (10-bit source coordinates, 20-bit
weights, int64 sums rounded half away from zero), so the kernel computes it
from the shapes and the two flags; the compiler checks what TFLM's Prepare and
Eval check, and that every source row and column lies inside the input (TFLM
does not clamp the lower neighbour)."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label
from ._movement import require_dtype, require_same_dtype
from .resize_nearest_neighbor import resize_size

MAX_INPUT_SIZE = 1 << 20   # 1024 * size stays in int32


def _c_div(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def scale_10(in_size: int, out_size: int, align_corners: bool) -> int:
    if align_corners and out_size > 1:
        return ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    return ((1 << 10) * in_size + out_size // 2) // out_size


def source_rows(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool):
    """(scaled, lower, upper) of each output index, as ComputeInterpolationValuesInteger."""
    scale = scale_10(in_size, out_size, align_corners)
    rows = []
    for v in range(out_size):
        scaled = v * scale + _c_div(scale, 2) - (1 << 9) if half_pixel_centers else v * scale
        lower = max(_c_div(scaled, 1 << 10), 0)
        upper = min(_c_div(scaled + (1 << 10) - 1, 1 << 10), in_size - 1)
        rows.append((scaled, lower, upper))
    return rows


@register("RESIZE_BILINEAR")
def prepare_resize_bilinear(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs (input, size), got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require_dtype(op, x, "input", ("INT8",))
    require_same_dtype(op, y, "output", x)
    height, width = resize_size(op, graph, x, y)
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    require(not (align and half), op, "align_corners and half_pixel_centers are both set (TFLM refuses this)")
    for axis, (in_size, out_size) in (("height", (x.shape[1], height)), ("width", (x.shape[2], width))):
        require(in_size <= MAX_INPUT_SIZE, op,
                f"input {tensor_label(x)} {axis} {in_size} is above {MAX_INPUT_SIZE} (TFLM's 10-bit coordinates overflow)")
        last_lower = source_rows(in_size, out_size, align, half)[-1][1]
        require(last_lower <= in_size - 1, op,
                f"resizing {axis} {in_size} to {out_size} reads source index {last_lower}, outside the input")
    return PreparedOp("RESIZE_BILINEAR", [x.index], y.index,
                      params={"align_corners": int(align), "half_pixel_centers": int(half)},
                      macs=4 * y.nbytes)
