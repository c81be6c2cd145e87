"""MAX_POOL_2D: int8 or int16 in and out, input and output quantized alike (the same Prepare as AVERAGE_POOL_2D)."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from .average_pool_2d import prepare_pool2d


@register("MAX_POOL_2D")
def prepare_max_pool_2d(op: Op, graph: Graph) -> PreparedOp:
    return prepare_pool2d(op, graph, "MAX_POOL_2D")
