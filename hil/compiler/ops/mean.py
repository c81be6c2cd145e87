"""MEAN (int8, or int16 in and out) over any axes (constant INT32 axis, negative axes, keep_dims or not), rank 1-6; at most 2^22 (int16: 2^15) values per output.

TFLM's int8 MEAN (reference_ops::QuantizedMeanOrSum) sums the raw values,
subtracts input_zero_point * count, and requantizes once with
QuantizeMultiplier(input_scale / output_scale) adjusted to include 1 / count.
It takes that path whether or not input and output quantization agree (the
integer-average shortcut of older TFLM releases is gone), and so does the
engine.  The adjustment is done here, so the C kernel only requantizes.  SUM
(sum.py) is the same computation without the 1 / count adjustment.  int16
MEAN runs the same QuantizedMeanOrSum (int32 sums, any int16 zero points);
up to 2^15 values per output keep the centred sum exact."""
from __future__ import annotations

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_int8, tensor_label, zero_point

MAX_RANK = 6  # TH_MAX_RANK
MAX_COUNT = 1 << 22  # mirrors TH_MEAN_MAX_COUNT: the centered sum stays in int32
MAX_COUNT_S16 = 1 << 15  # mirrors TH_MEAN_MAX_COUNT_S16: the same for int16 values
MAX_SCALE_RATIO = float(1 << 29)  # a larger ratio would need a shift above 30


def fold_count(multiplier: int, shift: int, count: int) -> tuple[int, int]:
    """TFLM's in-kernel adjustment of (multiplier, shift) by 1 / count, precision loss included."""
    fold = min(count.bit_length() - 1, 32, 31 + shift)  # 63 - CountLeadingZeros(count), clamped
    return (multiplier << fold) // count, shift - fold


def resolve_axes(values, rank: int) -> list[int]:
    """ResolveAxis: negative axes count from the end; duplicates collapse."""
    resolved: list[int] = []
    for a in values:
        a = int(a) + rank if int(a) < 0 else int(a)
        if a not in resolved:
            resolved.append(a)
    return resolved


def axes_mask(axes: list[int]) -> int:
    """The kernels' `axes` field: bit d set when input dim d is reduced."""
    return sum(1 << a for a in axes)


def reduced_output_shape(shape, axes: list[int], keep_dims: bool) -> tuple[int, ...]:
    """The output shape TFLite gives a reduction: reduced dims become 1 or are removed."""
    return tuple(1 if d in axes else n for d, n in enumerate(shape) if keep_dims or d not in axes)


def reduction_axes(op: Op, graph: Graph, x, y) -> list[int]:
    """The resolved axes of a reduction whose axis tensor is input 1, checked against
    the input's rank and the output's shape (keep_dims as the op's options say)."""
    require(len(op.inputs) == 2, op, f"expected 2 inputs (data and axes), got {len(op.inputs)}")
    axis = input_tensor(graph, op, 1, "axis")
    require(axis.type_name == "INT32" and axis.is_constant, op,
            f"axis {tensor_label(axis)} must be a constant INT32 tensor (it is {axis.type_name}"
            f"{'' if axis.is_constant else ', computed at run time'})")
    rank = len(x.shape)
    require(1 <= rank <= MAX_RANK, op, f"input {tensor_label(x)} has rank {rank}; the engine reduces ranks 1 to {MAX_RANK}")
    values = [int(a) for a in axis.data.reshape(-1)]
    bad = [a for a in values if not -rank <= a < rank]
    require(not bad, op, f"axis {tensor_label(axis)} has {bad[0] if bad else None}, outside [{-rank}, {rank - 1}] "
                         f"for the rank-{rank} input {tensor_label(x)}")
    axes = resolve_axes(values, rank)
    keep_dims = bool(op.options.get("keep_dims", False))
    expected = reduced_output_shape(x.shape, axes, keep_dims)
    require(tuple(y.shape) == expected, op,
            f"output {tensor_label(y)} has shape {list(y.shape)}, expected {list(expected)} "
            f"(axes {values}, keep_dims={keep_dims})")
    return axes


def prepare_mean_or_sum(op: Op, graph: Graph, compute_sum: bool) -> PreparedOp:
    """MEAN and SUM: TFLM's QuantizedMeanOrSum, the 1 / count fold for MEAN only."""
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    s16 = not compute_sum and x.type_name == "INT16"
    if s16:
        require(y.type_name == "INT16", op, f"output {tensor_label(y)} is {y.type_name}; with an INT16 input "
                                            f"the output must be INT16 too")
        for t, role in ((x, "input"), (y, "output")):
            require(t.scale is not None and t.scale.size == 1, op,
                    f"{role} {tensor_label(t)} needs per-tensor quantization")
    else:
        require_int8(op, x, "input")
        require_int8(op, y, "output")
    axes = reduction_axes(op, graph, x, y)
    count = 1
    for a in axes:
        count *= int(x.shape[a])
    max_count = MAX_COUNT_S16 if s16 else MAX_COUNT
    require(count <= max_count, op, f"reducing {count} values per output; the engine supports up to {max_count}")
    lo, hi = (-32768, 32767) if s16 else (-128, 127)
    for t, role in ((x, "input"), (y, "output")):
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        require(lo <= zero_point(t) <= hi, op, f"{role} {tensor_label(t)} has zero point {zero_point(t)}, "
                                               f"outside {x.type_name.lower()}")

    # static_cast<double>(float scale) / static_cast<double>(float scale), as TFLM's Prepare.
    ratio = float(x.scale[0]) / float(y.scale[0])
    require(ratio < MAX_SCALE_RATIO, op,
            f"input scale {float(x.scale[0])!r} / output scale {float(y.scale[0])!r} = {ratio:g} is too large")
    multiplier, shift = quantize_multiplier(ratio)   # a ratio below 2^-32 gives (0, 0), as in TFLM
    if not compute_sum:
        multiplier, shift = fold_count(multiplier, shift, count)
    params = {
        "input_zero_point": zero_point(x),
        "output_zero_point": zero_point(y),
        "multiplier": multiplier,
        "shift": shift,
        "axes": axes_mask(axes),
    }
    # The axis tensor is consumed here; the kernel takes only the data input.
    return PreparedOp(op.type, [x.index], y.index, params=params, macs=0)


@register("MEAN")
def prepare_mean(op: Op, graph: Graph) -> PreparedOp:
    return prepare_mean_or_sum(op, graph, compute_sum=False)
