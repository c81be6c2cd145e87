"""MEAN: int8 or int16 (in and out) over the spatial axes [1, 2] of a 4-D NHWC tensor.

What Keras GlobalAveragePooling2D becomes with current converters.

TFLM's int8 MEAN (reference_ops::QuantizedMeanOrSum) sums the raw values,
subtracts input_zero_point * count, and requantizes once with
QuantizeMultiplier(input_scale / output_scale) adjusted to include 1 / count.
It takes that path whether or not input and output quantization agree (the
integer-average shortcut of older TFLM releases is gone), and so does the
engine.  The adjustment is done here, so the C kernel only requantizes."""
from __future__ import annotations

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, require_int8, require_rank, tensor_label, zero_point

SPATIAL_AXES = {1, 2}
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


@register("MEAN")
def prepare_mean(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 2, op, f"expected 2 inputs (data and axes), got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    axis = input_tensor(graph, op, 1, "axis")
    y = output_tensor(graph, op)
    s16 = x.type_name == "INT16"
    if s16:
        require(y.type_name == "INT16", op, f"output {tensor_label(y)} is {y.type_name}; with an INT16 input "
                                            f"the output must be INT16 too")
        for t, role in ((x, "input"), (y, "output")):
            require(t.scale is not None and t.scale.size == 1, op,
                    f"{role} {tensor_label(t)} needs per-tensor quantization")
    else:
        require_int8(op, x, "input")
        require_int8(op, y, "output")
    require_rank(op, x, "input", 4)
    require(axis.type_name == "INT32" and axis.is_constant, op,
            f"axis {tensor_label(axis)} must be a constant INT32 tensor (it is {axis.type_name}"
            f"{'' if axis.is_constant else ', computed at run time'})")
    axes = resolve_axes(axis.data.reshape(-1), 4)
    require(set(axes) == SPATIAL_AXES, op,
            f"MEAN over axes {[int(a) for a in axis.data.reshape(-1)]} is not supported; "
            f"the engine averages only over the spatial axes [1, 2] of a 4-D NHWC tensor")

    n, h, w, c = x.shape
    keep_dims = bool(op.options.get("keep_dims", False))
    expected = (n, 1, 1, c) if keep_dims else (n, c)
    require(tuple(y.shape) == expected, op,
            f"output {tensor_label(y)} has shape {list(y.shape)}, expected {list(expected)} "
            f"(keep_dims={keep_dims})")
    count = h * w
    max_count = MAX_COUNT_S16 if s16 else MAX_COUNT
    require(count <= max_count, op, f"averaging {count} values per channel; the engine supports up to {max_count}")
    lo, hi = (-32768, 32767) if s16 else (-128, 127)
    for t, role in ((x, "input"), (y, "output")):
        require(float(t.scale[0]) > 0.0, op, f"{role} {tensor_label(t)} has scale {float(t.scale[0])!r}, not positive")
        require(lo <= zero_point(t) <= hi, op, f"{role} {tensor_label(t)} has zero point {zero_point(t)}, "
                                               f"outside {x.type_name.lower()}")

    # static_cast<double>(float scale) / static_cast<double>(float scale), as TFLM's Prepare.
    ratio = float(x.scale[0]) / float(y.scale[0])
    require(ratio < MAX_SCALE_RATIO, op,
            f"input scale {float(x.scale[0])!r} / output scale {float(y.scale[0])!r} = {ratio:g} is too large")
    multiplier, shift = fold_count(*quantize_multiplier(ratio), count)
    params = {
        "input_zero_point": zero_point(x),
        "output_zero_point": zero_point(y),
        "multiplier": multiplier,
        "shift": shift,
    }
    # The axis tensor is consumed here; the kernel takes only the data input.
    return PreparedOp("MEAN", [x.index], y.index, params=params, macs=0)
