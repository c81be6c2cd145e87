"""CONCATENATION (int8, int16, int32; 1-10 inputs, any axis, no activation): a byte copy; int8 inputs must share the output's scale and zero point (TFLM).

As TFLM's concatenation.cc: the axis may be negative (counted from the
output's rank), the fused activation must be NONE, at most 10 inputs
(kMaxInputNum), and the int8 kernel copies bytes without requantizing: its
Prepare refuses an int8 input whose scale or zero point differs from the
output's, and so does the compiler.  int16 and int32 are copied as they are."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import output_tensor, require, tensor_label, zero_point

MAX_INPUTS = 10                  # TFLM's kMaxInputNum
MOVABLE = ("INT8", "INT16", "INT32")


@register("CONCATENATION")
def prepare_concatenation(op: Op, graph: Graph) -> PreparedOp:
    require(1 <= len(op.inputs) <= MAX_INPUTS, op,
            f"{len(op.inputs)} inputs; TFLM concatenates at most {MAX_INPUTS} (kMaxInputNum)")
    require(all(i >= 0 for i in op.inputs), op, "an input is missing")
    y = output_tensor(graph, op)
    inputs = [graph.tensors[i] for i in op.inputs]
    rank = len(y.shape)
    axis = int(op.options.get("axis", 0))
    require(-rank <= axis < rank, op, f"axis {axis} is outside the output's rank {rank}")
    axis = axis + rank if axis < 0 else axis
    activation = op.options.get("fused_activation_function", 0)
    require(activation == 0, op, f"fused activation {activation}: TFLM's CONCATENATION takes none")
    require(y.type_name in MOVABLE, op,
            f"output {tensor_label(y)} is {y.type_name}, the engine concatenates {', '.join(MOVABLE)}")
    for x in inputs:
        require(x.type_name == y.type_name, op, f"input {tensor_label(x)} is {x.type_name}, the output {y.type_name}")
        require(len(x.shape) == rank, op, f"input {tensor_label(x)} has rank {len(x.shape)}, the output {rank}")
        for d in range(rank):
            require(d == axis or x.shape[d] == y.shape[d], op,
                    f"input {tensor_label(x)} shape {list(x.shape)} differs from the output's {list(y.shape)} "
                    f"off the axis {axis}")
        if y.type_name == "INT8":
            require(x.scale is not None and y.scale is not None, op,
                    f"input {tensor_label(x)} or the output has no quantization parameters")
            require(float(x.scale[0]) == float(y.scale[0]), op,
                    f"input {tensor_label(x)} scale {float(x.scale[0])} differs from the output's "
                    f"{float(y.scale[0])}: TFLM's int8 CONCATENATION copies bytes and refuses differing scales")
            require(zero_point(x) == zero_point(y), op,
                    f"input {tensor_label(x)} zero point {zero_point(x)} differs from the output's {zero_point(y)}: "
                    "TFLM's int8 CONCATENATION copies bytes and refuses differing zero points")
    total = sum(x.shape[axis] for x in inputs)
    require(total == y.shape[axis], op,
            f"the inputs' dims on axis {axis} sum to {total}, the output {tensor_label(y)} has {y.shape[axis]}")
    return PreparedOp("CONCATENATION", list(op.inputs), y.index, params={"axis": axis})
