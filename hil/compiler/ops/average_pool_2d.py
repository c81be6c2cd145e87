"""AVERAGE_POOL_2D: int8 or int16 in and out, input and output quantized alike (TFLM's PoolingPrepare).

The shared pooling checks live here.  TFLM pools integers without
requantizing, so it requires the input and output quantization to agree; padding is TFLM's ComputePaddingHeightWidth (top/left
get total // 2).  The average divides by the number of in-bounds taps."""
from __future__ import annotations

from ...model.tflite import Graph, Op
from . import PreparedOp, register
from ..common import (activation_clamp, input_tensor, output_tensor, padding_and_output, require, require_int8,
                      require_rank, tensor_label, zero_point)

# Mirrors the C validate's limits (kernels/src/ops/average_pool_2d.c).
MAX_WINDOW = 1024          # filter size and stride, per axis
MAX_EXTENT = 1 << 24       # input height and width
SCALE_TOLERANCE = 1.0e-6   # TFLM's allowed |input scale - output scale|
MAX_TAPS_S16 = 1 << 16     # int16 windows: TFLM's int32 sum holds 2^16 values of 2^15


def prepare_pool2d(op: Op, graph: Graph, op_type: str) -> PreparedOp:
    """The th_pool_params of AVERAGE_POOL_2D or MAX_POOL_2D."""
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    if x.type_name == "INT16":
        for t, role in ((x, "input"), (y, "output")):
            require(t.type_name == "INT16", op, f"{role} {tensor_label(t)} is {t.type_name}; with an INT16 input "
                                                f"the output must be INT16 too")
            require(t.scale is not None and t.scale.size == 1, op,
                    f"{role} {tensor_label(t)} needs per-tensor quantization")
    else:
        require_int8(op, x, "input")
        require_int8(op, y, "output")
    require_rank(op, x, "input", 4)
    require_rank(op, y, "output", 4)
    scale_diff = abs(float(x.scale[0]) - float(y.scale[0]))
    require(scale_diff <= SCALE_TOLERANCE and zero_point(x) == zero_point(y), op,
            f"input {tensor_label(x)} (scale {float(x.scale[0])!r}, zero point {zero_point(x)}) and output "
            f"{tensor_label(y)} (scale {float(y.scale[0])!r}, zero point {zero_point(y)}) are quantized differently; "
            f"integer pooling needs them equal (TFLM does not requantize)")

    o = op.options
    stride_h, stride_w = int(o.get("stride_h", 0)), int(o.get("stride_w", 0))
    filter_h, filter_w = int(o.get("filter_height", 0)), int(o.get("filter_width", 0))
    for name, value in (("stride_h", stride_h), ("stride_w", stride_w),
                        ("filter_height", filter_h), ("filter_width", filter_w)):
        require(1 <= value <= MAX_WINDOW, op, f"{name} is {value}; the engine supports 1 to {MAX_WINDOW}")
    n, in_h, in_w, c = x.shape
    require(in_h <= MAX_EXTENT and in_w <= MAX_EXTENT, op,
            f"input {tensor_label(x)} is {in_h}x{in_w}; the engine pools at most {MAX_EXTENT} per axis")
    pad_h, out_h = padding_and_output(op, in_h, filter_h, stride_h, 1)
    pad_w, out_w = padding_and_output(op, in_w, filter_w, stride_w, 1)
    require(out_h >= 1 and out_w >= 1, op,
            f"a {filter_h}x{filter_w} VALID window does not fit the {in_h}x{in_w} input")
    expected = (n, out_h, out_w, c)
    require(tuple(y.shape) == expected, op,
            f"output {tensor_label(y)} has shape {list(y.shape)}, but the padding and strides give {list(expected)}")

    if x.type_name == "INT16":
        require(filter_h * filter_w <= MAX_TAPS_S16, op,
                f"a {filter_h}x{filter_w} window sums {filter_h * filter_w} int16 values; TFLM's int32 sum "
                f"holds at most {MAX_TAPS_S16}")
    act_min, act_max = activation_clamp(op, y)
    require(act_min <= act_max, op, f"fused activation leaves an empty output range [{act_min}, {act_max}]")
    params = {
        "stride_h": stride_h, "stride_w": stride_w,
        "filter_h": filter_h, "filter_w": filter_w,
        "pad_h": pad_h, "pad_w": pad_w,
        "act_min": act_min, "act_max": act_max,
    }
    # Pooling is adds or compares, not multiply-accumulates: it counts no MACs.
    return PreparedOp(op_type, [x.index], y.index, params=params, macs=0)


@register("AVERAGE_POOL_2D")
def prepare_average_pool_2d(op: Op, graph: Graph) -> PreparedOp:
    return prepare_pool2d(op, graph, "AVERAGE_POOL_2D")
