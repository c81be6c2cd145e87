"""Checks and arithmetic shared by the per-op prepare functions."""
from __future__ import annotations

from ..errors import UnsupportedModelError
from .quant import activation_range
from ..model.tflite import Graph, Op, Tensor

FUSED_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6"}
PADDINGS = {0: "SAME", 1: "VALID"}


def unsupported(op: Op, reason: str) -> UnsupportedModelError:
    return UnsupportedModelError(reason, op.index, op.type)


def require(cond: bool, op: Op, reason: str) -> None:
    if not cond:
        raise unsupported(op, reason)


def tensor_label(t: Tensor) -> str:
    return f"tensor {t.index} '{t.name}'"


def input_tensor(graph: Graph, op: Op, position: int, role: str, optional: bool = False) -> Tensor | None:
    """The op's input at `position`; raises if it is missing and not optional."""
    if position >= len(op.inputs) or op.inputs[position] < 0:
        require(optional, op, f"missing {role} input (input {position})")
        return None
    return graph.tensors[op.inputs[position]]


def output_tensor(graph: Graph, op: Op) -> Tensor:
    require(len(op.outputs) == 1, op, f"expected 1 output, got {len(op.outputs)}")
    return graph.tensors[op.outputs[0]]


def require_int8(op: Op, t: Tensor, role: str, per_tensor: bool = True) -> None:
    """An int8 tensor with (per-tensor unless allowed otherwise) quantization."""
    require(t.type_name == "INT8", op, f"{role} {tensor_label(t)} is {t.type_name}, the engine supports only INT8 here")
    require(t.scale is not None, op, f"{role} {tensor_label(t)} has no quantization parameters")
    if per_tensor:
        require(t.scale.size == 1, op, f"{role} {tensor_label(t)} is per-channel quantized; per-tensor is required")


def require_rank(op: Op, t: Tensor, role: str, ranks) -> None:
    ranks = (ranks,) if isinstance(ranks, int) else tuple(ranks)
    require(len(t.shape) in ranks, op, f"{role} {tensor_label(t)} has rank {len(t.shape)} (shape {list(t.shape)}), expected rank {' or '.join(map(str, ranks))}")


def fused_activation(op: Op) -> str:
    code = op.options.get("fused_activation_function", 0)
    require(code in FUSED_ACTIVATIONS, op, f"fused activation {code} is not supported (NONE, RELU, RELU6, RELU_N1_TO_1 are)")
    return FUSED_ACTIVATIONS[code]


INTEGER_RANGES = {"INT8": (-128, 127), "INT16": (-32768, 32767)}


def activation_clamp(op: Op, output: Tensor) -> tuple[int, int]:
    """The fused activation's clamp within the output type's range (int8 unless the output is int16)."""
    qmin, qmax = INTEGER_RANGES.get(output.type_name, INTEGER_RANGES["INT8"])
    return activation_range(fused_activation(op), float(output.scale[0]), int(output.zero_point[0]), qmin, qmax)


def padding_and_output(op: Op, in_size: int, filter_size: int, stride: int, dilation: int) -> tuple[int, int]:
    """TFLM's ComputePaddingHeightWidth for one axis: (leading pad, output size)."""
    padding = PADDINGS.get(op.options.get("padding", 0))
    require(padding is not None, op, f"padding {op.options.get('padding')} is not SAME or VALID")
    effective = (filter_size - 1) * dilation + 1
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
    else:
        out = (in_size - effective + stride) // stride
    total = max((out - 1) * stride + effective - in_size, 0)
    return total // 2, out


def zero_point(t: Tensor) -> int:
    return int(t.zero_point[0]) if t.zero_point is not None and t.zero_point.size else 0
