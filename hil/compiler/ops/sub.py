"""SUB (int8; int16 with zero points 0): TFLM's CalculateOpDataSub (as ADD: left shift 20/15), broadcasting up to 6-D.

x1 - x2 with both inputs rescaled to twice the larger input scale, then
requantized to the output; fused NONE/RELU/RELU6/RELU_N1_TO_1."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .add import prepare_add_sub


@register("SUB")
def prepare_sub(op: Op, graph: Graph) -> PreparedOp:
    return prepare_add_sub(op, graph, "SUB")
