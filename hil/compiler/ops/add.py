"""ADD (int8; int16 with zero points 0): TFLM's CalculateOpDataAdd, NumPy-style broadcasting up to 6-D.

Both inputs are brought to a common scale (twice the larger input scale) after
a left shift of 20 bits of headroom (15 for int16), summed, and requantized to
the output.  For int16 TFLM runs the same general-scale arithmetic (not its
power-of-two special case); the converter's int16 zero points are 0 and the
engine requires them so (TFLM's 15-bit headroom assumes it)."""
from __future__ import annotations

import numpy as np

from ..quant import quantize_multiplier_smaller_than_one_exp
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import activation_clamp, input_tensor, output_tensor, require, require_int8, tensor_label, zero_point

LEFT_SHIFT = 20  # TFLM's headroom for int8 inputs
LEFT_SHIFT_S16 = 15  # and for int16
MAX_RANK = 6  # the pinned TFLM broadcasts the binary int8 ops correctly up to 6-D (checked against NumPy)


def broadcast_shape(shape1, shape2) -> tuple[int, ...] | None:
    """NumPy broadcasting of two shapes (right-aligned, a 1 stretches); None if incompatible."""
    rank = max(len(shape1), len(shape2))
    a = (1,) * (rank - len(shape1)) + tuple(shape1)
    b = (1,) * (rank - len(shape2)) + tuple(shape2)
    out = []
    for da, db in zip(a, b):
        if da != db and da != 1 and db != 1:
            return None
        out.append(db if da == 1 else da)
    return tuple(out)


def _right_aligned(shape, rank: int) -> tuple[int, ...]:
    return (1,) * (rank - len(shape)) + tuple(int(d) for d in shape)


def require_broadcast(op: Op, a, b, y, max_rank: int = MAX_RANK, roles=("first input", "second input")) -> None:
    """Inputs a and b broadcast (NumPy rules) to the output y's shape, all of rank <= max_rank."""
    for t, role in ((a, roles[0]), (b, roles[1]), (y, "output")):
        require(len(t.shape) <= max_rank, op,
                f"{role} {tensor_label(t)} has rank {len(t.shape)}, the engine supports up to {max_rank}")
    shape = broadcast_shape(a.shape, b.shape)
    require(shape is not None, op,
            f"input shapes {list(a.shape)} and {list(b.shape)} are not broadcast-compatible")
    rank = max(len(shape), len(y.shape))
    require(_right_aligned(y.shape, rank) == _right_aligned(shape, rank), op,
            f"output {tensor_label(y)} shape {list(y.shape)} is not the broadcast shape {list(shape)} of the inputs")


def require_quantized(op: Op, tensors_and_roles) -> None:
    """Per-tensor int8 with a positive scale and an int8 zero point."""
    for t, role in tensors_and_roles:
        require_int8(op, t, role)
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        require(-128 <= zero_point(t) <= 127, op, f"{role} {tensor_label(t)} has zero point {zero_point(t)}, outside int8")


def require_quantized_s8_s16(op: Op, tensors_and_roles) -> bool:
    """All int8 (as require_quantized) or all int16 with zero points 0; True for int16."""
    tensors_and_roles = tuple(tensors_and_roles)
    y, role_y = tensors_and_roles[-1]
    if y.type_name != "INT16":
        require_quantized(op, tensors_and_roles)
        return False
    for t, role in tensors_and_roles:
        require(t.type_name == "INT16", op,
                f"{role} {tensor_label(t)} is {t.type_name}; with an INT16 {role_y} every tensor must be INT16")
        require(t.scale is not None and t.scale.size == 1, op,
                f"{role} {tensor_label(t)} needs per-tensor quantization parameters")
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        require(zero_point(t) == 0, op, f"{role} {tensor_label(t)} has zero point {zero_point(t)}; int16 needs 0")
    return True


def add_params(input1_scale: float, input1_zero_point: int, input2_scale: float, input2_zero_point: int,
               output_scale: float, output_zero_point: int, act_min: int, act_max: int,
               left_shift: int = LEFT_SHIFT) -> dict[str, int]:
    """The th_add_params fields; scales are the tensors' float32 values, widened to double as TFLM does."""
    s1, s2, so = float(np.float32(input1_scale)), float(np.float32(input2_scale)), float(np.float32(output_scale))
    twice_max_input_scale = 2 * max(s1, s2)
    m1, sh1 = quantize_multiplier_smaller_than_one_exp(s1 / twice_max_input_scale)
    m2, sh2 = quantize_multiplier_smaller_than_one_exp(s2 / twice_max_input_scale)
    mo, sho = quantize_multiplier_smaller_than_one_exp(twice_max_input_scale / ((1 << left_shift) * so))
    return {
        "left_shift": left_shift,
        "input1_offset": -int(input1_zero_point), "input1_multiplier": m1, "input1_shift": sh1,
        "input2_offset": -int(input2_zero_point), "input2_multiplier": m2, "input2_shift": sh2,
        "output_offset": int(output_zero_point), "output_multiplier": mo, "output_shift": sho,
        "act_min": int(act_min), "act_max": int(act_max),
    }


def binary_operands(op: Op, graph: Graph, int16: bool = False):
    """(first input, second input, output, int16?) of a broadcasting binary op, checked: two inputs,
    per-tensor int8 (or, where `int16` is allowed, all int16 with zero points 0), shapes that broadcast."""
    require(len(op.inputs) == 2, op, f"expected 2 inputs, got {len(op.inputs)}")
    a = input_tensor(graph, op, 0, "first")
    b = input_tensor(graph, op, 1, "second")
    y = output_tensor(graph, op)
    roles = ((a, "first input"), (b, "second input"), (y, "output"))
    if int16:
        s16 = require_quantized_s8_s16(op, roles)
    else:
        require_quantized(op, roles)
        s16 = False
    require_broadcast(op, a, b, y)
    return a, b, y, s16


def prepare_add_sub(op: Op, graph: Graph, op_type: str) -> PreparedOp:
    """ADD and SUB quantize alike (CalculateOpDataAdd / CalculateOpDataSub)."""
    a, b, y, s16 = binary_operands(op, graph, int16=True)
    left_shift = LEFT_SHIFT_S16 if s16 else LEFT_SHIFT
    output_multiplier = 2 * max(float(a.scale[0]), float(b.scale[0])) / ((1 << left_shift) * float(y.scale[0]))
    require(output_multiplier < 1.0, op,
            f"output scale {float(y.scale[0])!r} is too small for input scales {float(a.scale[0])!r} and "
            f"{float(b.scale[0])!r} (TFLM needs 2 * max input scale < 2^{left_shift} * output scale)")
    act_min, act_max = activation_clamp(op, y)
    require(act_min <= act_max, op, f"fused activation leaves an empty output range [{act_min}, {act_max}]")
    params = add_params(a.scale[0], zero_point(a), b.scale[0], zero_point(b), y.scale[0], zero_point(y), act_min, act_max,
                        left_shift)
    return PreparedOp(op_type, [a.index, b.index], y.index, params=params, macs=0)


@register("ADD")
def prepare_add(op: Op, graph: Graph) -> PreparedOp:
    return prepare_add_sub(op, graph, "ADD")
