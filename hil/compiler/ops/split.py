"""SPLIT, SPLIT_V: int8, int16, int32; constant axis (negative allowed), SPLIT_V's size_splits constant (one -1 allowed); up to 16 outputs.

Both are byte copies in TFLM (split.cc, split_v.cc: no requantization), so the
plan keeps only the data input: the axis goes into the params and the split
sizes are the output tensors' extents along it."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, require, tensor_label
from ._movement import constant_ints, require_dtype, require_same_dtype, resolve_axis

DTYPES = ("INT8", "INT16", "INT32")
MAX_OUTPUTS = 16


def _check_outputs(op: Op, graph: Graph, x, axis: int, sizes: list[int]) -> None:
    require(len(op.outputs) == len(sizes), op, f"{len(op.outputs)} outputs for {len(sizes)} splits")
    require(len(sizes) <= MAX_OUTPUTS, op, f"{len(sizes)} outputs; the engine supports up to {MAX_OUTPUTS}")
    for k, (t, size) in enumerate(zip(op.outputs, sizes)):
        y = graph.tensors[t]
        require_same_dtype(op, y, f"output {k}", x)
        want = list(x.shape)
        want[axis] = size
        require(list(y.shape) == want, op, f"output {k} {tensor_label(y)} has shape {list(y.shape)}, expected {want}")


@register("SPLIT")
def prepare_split(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs (axis, input), got {len(op.inputs)}")
    x = input_tensor(graph, op, 1, "input")
    require_dtype(op, x, "input", DTYPES)
    (axis,) = constant_ints(graph, op, 0, "axis", 1)
    axis = resolve_axis(op, axis, len(x.shape), "axis")
    num_splits = int(op.options.get("num_splits", 0))
    require(num_splits >= 1 and x.shape[axis] % num_splits == 0, op,
            f"input {tensor_label(x)} dimension {axis} ({x.shape[axis]}) does not split into {num_splits} equal parts")
    _check_outputs(op, graph, x, axis, [x.shape[axis] // num_splits] * num_splits)
    return PreparedOp("SPLIT", [x.index], list(op.outputs), params={"axis": axis})


@register("SPLIT_V")
def prepare_split_v(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 3, op, f"expected 3 inputs (input, size_splits, axis), got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    require_dtype(op, x, "input", DTYPES)
    (axis,) = constant_ints(graph, op, 2, "axis", 1)
    axis = resolve_axis(op, axis, len(x.shape), "axis")
    sizes = constant_ints(graph, op, 1, "size_splits")
    require(len(sizes) == len(op.outputs), op, f"size_splits has {len(sizes)} values for {len(op.outputs)} outputs")
    unknown = [k for k, s in enumerate(sizes) if s == -1]
    require(len(unknown) <= 1, op, f"size_splits {sizes} has more than one -1")
    known = sum(s for s in sizes if s != -1)
    if unknown:
        sizes[unknown[0]] = x.shape[axis] - known
    require(all(s >= 1 for s in sizes) and sum(sizes) == x.shape[axis], op,
            f"size_splits {sizes} do not split input {tensor_label(x)} dimension {axis} ({x.shape[axis]}) "
            "into parts of at least 1")
    _check_outputs(op, graph, x, axis, sizes)
    return PreparedOp("SPLIT_V", [x.index], list(op.outputs), params={"axis": axis})
