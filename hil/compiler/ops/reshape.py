"""RESHAPE: int8 or int16; the output is the input's bytes under a new shape (rank <= 4).

The output tensor's shape (already resolved by the converter, -1 included) is
the one used, as in TFLM; the optional shape input is not needed and is left
out of the plan.  The output aliases the input, so the op costs nothing."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label


@register("RESHAPE")
def prepare_reshape(op: Op, graph: Graph) -> PreparedOp:
    require(1 <= len(op.inputs) <= 2, op, f"expected 1 or 2 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    require(x.type_name in ("INT8", "INT16"), op,
            f"input {tensor_label(x)} is {x.type_name}, the engine supports only INT8 and INT16 here")
    require(y.type_name == x.type_name, op,
            f"output {tensor_label(y)} is {y.type_name}, but the input is {x.type_name}")
    require(len(y.shape) <= 4, op, f"output {tensor_label(y)} has rank {len(y.shape)}, the engine supports up to 4")
    in_elements = int(np.prod(x.shape, dtype=np.int64))
    out_elements = int(np.prod(y.shape, dtype=np.int64))
    require(in_elements == out_elements, op,
            f"output {tensor_label(y)} shape {list(y.shape)} has {out_elements} elements, "
            f"input {tensor_label(x)} shape {list(x.shape)} has {in_elements}")
    return PreparedOp("RESHAPE", [x.index], y.index, macs=0, output_aliases_input=True)
