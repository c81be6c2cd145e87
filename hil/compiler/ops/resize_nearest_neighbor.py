"""RESIZE_NEAREST_NEIGHBOR: int8, int16; NHWC rank 4, constant size, align_corners and half_pixel_centers.

TFLM picks each output pixel's source with float arithmetic
(GetNearestNeighbor: float32 scale and offset, floor, or round half away from
zero with align_corners); the compiler evaluates it in float32 here and the
plan holds the row and column maps, so the kernel only copies."""
from __future__ import annotations

import math

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_rank, tensor_label
from ._movement import constant_ints, require_dtype, require_same_dtype

DTYPES = ("INT8", "INT16")


def nearest_map(input_size: int, output_size: int, align_corners: bool, half_pixel_centers: bool) -> list[int]:
    """TFLM's GetNearestNeighbor for every output index, in float32 as TFLM computes it."""
    f32 = np.float32
    if align_corners and output_size > 1:
        scale = f32(input_size - 1) / f32(output_size - 1)
    else:
        scale = f32(input_size) / f32(output_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    values = []
    for i in range(output_size):
        v = float((f32(i) + offset) * scale)      # >= 0; exact in a double
        value = min(math.floor(v + 0.5) if align_corners else math.floor(v), input_size - 1)
        if half_pixel_centers:
            value = max(0, value)
        values.append(int(value))
    return values


def resize_size(op: Op, graph: Graph, x, y) -> tuple[int, int]:
    """The constant size input [new_height, new_width], which must be the output's H, W."""
    size = input_tensor(graph, op, 1, "size")
    require(len(size.shape) == 1, op, f"size {tensor_label(size)} has rank {len(size.shape)}, expected 1")
    height, width = constant_ints(graph, op, 1, "size", 2)
    require_rank(op, x, "input", 4)
    require_rank(op, y, "output", 4)
    want = [x.shape[0], height, width, x.shape[3]]
    require(list(y.shape) == want, op, f"output {tensor_label(y)} has shape {list(y.shape)}, expected {want} "
                                       f"(the input's batch and channels, size {[height, width]})")
    return height, width


@register("RESIZE_NEAREST_NEIGHBOR")
def prepare_resize_nearest_neighbor(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs (input, size), got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require_dtype(op, x, "input", DTYPES)
    require_same_dtype(op, y, "output", x)
    height, width = resize_size(op, graph, x, y)
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    rows = nearest_map(x.shape[1], height, align, half)
    cols = nearest_map(x.shape[2], width, align, half)
    return PreparedOp("RESIZE_NEAREST_NEIGHBOR", [x.index], y.index,
                      params={"output_height": height, "output_width": width},
                      arrays={"rows": np.array(rows, np.int32), "cols": np.array(cols, np.int32)})
