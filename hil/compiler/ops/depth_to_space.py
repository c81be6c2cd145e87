"""DEPTH_TO_SPACE, SPACE_TO_DEPTH: int8 (TFLM takes only int8 and float32 here), NHWC rank 4, block_size >= 1.

Byte copies in TFLM (no requantization).  TFLM's Prepare computes the output
shape from the block size; the model's output shape must be that shape."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_rank, tensor_label
from ._movement import require_dtype, require_same_dtype

DTYPES = ("INT8",)


def _prepare(op: Op, graph: Graph, to_space: bool) -> PreparedOp:
    require(len(op.inputs) == 1, op, f"expected 1 input, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require_dtype(op, x, "input", DTYPES)
    require_same_dtype(op, y, "output", x)
    require_rank(op, x, "input", 4)
    b = int(op.options.get("block_size", 0))
    require(b >= 1, op, f"block_size {b} is not positive")
    n, h, w, c = x.shape
    if to_space:
        require(c % (b * b) == 0, op, f"input {tensor_label(x)} has {c} channels, not a multiple of block_size^2 = {b * b}")
        want = [n, h * b, w * b, c // (b * b)]
    else:
        require(h % b == 0 and w % b == 0, op,
                f"input {tensor_label(x)} height {h} and width {w} are not multiples of block_size {b}")
        want = [n, h // b, w // b, c * b * b]
    require(list(y.shape) == want, op, f"output {tensor_label(y)} has shape {list(y.shape)}, expected {want}")
    return PreparedOp(op.type, [x.index], y.index, params={"block_size": b})


@register("DEPTH_TO_SPACE")
def prepare_depth_to_space(op: Op, graph: Graph) -> PreparedOp:
    return _prepare(op, graph, to_space=True)


@register("SPACE_TO_DEPTH")
def prepare_space_to_depth(op: Op, graph: Graph) -> PreparedOp:
    return _prepare(op, graph, to_space=False)
