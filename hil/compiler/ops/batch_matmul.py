"""BATCH_MATMUL (int8 LHS, RHS and output, per-tensor, any zero points; ranks 2-5, adj_x/adj_y, broadcast batch dims): TFLM's Prepare.

The multiplier is GetQuantizedConvolutionMultipler's
double(lhs_scale) * double(rhs_scale) / double(output_scale): the pinned
TFLM multiplies in double, not the float32 product of older releases (a
test pins a case where the two round differently).  BATCH_MATMUL has no fused
activation: the clamp is int8's.  Either operand may be a constant; TFLM
transposes a constant RHS once at prepare, the engine reads it in place."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from ..quant import quantize_multiplier
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label, zero_point
from .conv_2d import MAX_SHIFT, require_quantized_activation

MAX_ACCUM_DEPTH = 65536  # kernels/src/ops/batch_matmul.c


def _extended(shape, rank: int) -> tuple[int, ...]:
    return (1,) * (rank - len(shape)) + tuple(int(d) for d in shape)


@register("BATCH_MATMUL")
def prepare_batch_matmul(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs, got {len(op.inputs)}")
    lhs = input_tensor(graph, op, 0, "lhs")
    rhs = input_tensor(graph, op, 1, "rhs")
    y = output_tensor(graph, op)
    for t, role in ((lhs, "lhs"), (rhs, "rhs"), (y, "output")):
        require_quantized_activation(op, t, role)
        require(2 <= len(t.shape) <= 5, op,
                f"{role} {tensor_label(t)} has rank {len(t.shape)} (shape {list(t.shape)}); TFLM supports 2 to 5")
    require(not op.options.get("asymmetric_quantize_inputs", False), op,
            "asymmetric_quantize_inputs (hybrid quantization) is not supported")
    adj_x, adj_y = bool(op.options.get("adj_x", False)), bool(op.options.get("adj_y", False))

    rank = max(len(lhs.shape), len(rhs.shape))
    l, r = _extended(lhs.shape, rank), _extended(rhs.shape, rank)
    batch = []
    for d in range(rank - 2):
        require(l[d] == r[d] or l[d] == 1 or r[d] == 1, op,
                f"batch dim {d} of lhs {tensor_label(lhs)} {list(lhs.shape)} and rhs {tensor_label(rhs)} "
                f"{list(rhs.shape)} do not broadcast ({l[d]} vs {r[d]})")
        batch.append(r[d] if l[d] == 1 else l[d])
    rows, depth = (l[-1], l[-2]) if adj_x else (l[-2], l[-1])
    rhs_depth, cols = (r[-1], r[-2]) if adj_y else (r[-2], r[-1])
    require(depth == rhs_depth, op,
            f"lhs {tensor_label(lhs)} {list(lhs.shape)} (adj_x={adj_x}) has depth {depth}, "
            f"rhs {tensor_label(rhs)} {list(rhs.shape)} (adj_y={adj_y}) {rhs_depth}")
    require(depth <= MAX_ACCUM_DEPTH, op, f"the products summed per output ({depth}) exceed {MAX_ACCUM_DEPTH}")
    expected = tuple(batch) + (rows, cols)
    require(tuple(y.shape) == expected, op,
            f"output {tensor_label(y)} has shape {list(y.shape)}; the operands give {list(expected)}")

    real = float(lhs.scale[0]) * float(rhs.scale[0]) / float(y.scale[0])
    multiplier, shift = quantize_multiplier(real)
    require(shift <= MAX_SHIFT, op, f"output multiplier {real!r} is too large (needs a shift of {shift}, "
                                    f"at most {MAX_SHIFT} is supported)")
    params = {"lhs_offset": -zero_point(lhs), "rhs_offset": -zero_point(rhs), "output_offset": zero_point(y),
              "multiplier": multiplier, "shift": shift, "adj_x": int(adj_x), "adj_y": int(adj_y)}
    macs = int(np.prod(expected, dtype=np.int64)) * depth
    return PreparedOp("BATCH_MATMUL", [lhs.index, rhs.index], y.index, params=params, macs=macs)
