"""STRIDED_SLICE (int8, int16, int32; rank <= 4; constant begin/end/strides; begin, end, shrink_axis masks; ellipsis, new_axis and offset ignored as TFLM ignores them), SLICE (rank <= 5; constant begin/size, size -1).

Both resolve, per input dim, a first index, a step and a count, walked in
row-major order by one kernel.

STRIDED_SLICE follows TFLM's strided_slice_common.cc: begin/end/strides are
read as int32 words (an INT64 tensor is misread the same way), the output
shape is checked as its Prepare checks it (StartForAxis/StopForAxis and a
float ceil), and the elements are those its reference kernel walks
(StridedSliceStartForAxis/EndForAxis).  TFLM copies only begin_mask, end_mask
and shrink_axis_mask into its params: ellipsis_mask, new_axis_mask and offset
have no effect there, so none here either.  A slice where the two disagree
(a shrunk axis with a negative stride or a begin out of range, where
TFLM's kernel walks no element) is refused.

SLICE follows TFLM's slice.cc: begin and size int32 or int64, each begin in
[0, dim], size -1 meaning the rest of the dim, and the output element count
equal to the slice's."""
from __future__ import annotations

import numpy as np

from ...model.tflite import Graph, Op, Tensor
from . import PreparedOp, register
from ..common import input_tensor, output_tensor, require, tensor_label

MOVABLE = ("INT8", "INT16", "INT32")
STRIDED_SLICE_MAX_RANK = 4   # strided_slice_common.cc's kMaxDim
SLICE_MAX_RANK = 5           # slice.cc's kMaxDim
FIELDS_RANK = 6
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


def int32_words(t: Tensor, count: int) -> list[int]:
    """The first `count` int32 values of a constant tensor's buffer, as TFLM's GetTensorData<int32_t> reads it."""
    raw = np.ascontiguousarray(t.data).astype(t.data.dtype.newbyteorder("<")).tobytes()
    return [int(v) for v in np.frombuffer(raw, "<i4")[:count]]


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if v > hi else lo if v < lo else v


def _start_prepare(begin, stride, begin_mask, axis, size):
    """TFLM's strided_slice::StartForAxis (used by Prepare's output-shape check)."""
    start = begin[axis]
    if begin_mask & (1 << axis):
        start = INT_MIN if stride[axis] > 0 else INT_MAX
    if start < 0:
        start += size
    return _clamp(start, 0, size) if stride[axis] > 0 else _clamp(start, -1, size - 1)


def _stop_prepare(end, stride, end_mask, shrink_mask, axis, size, start):
    """TFLM's strided_slice::StopForAxis."""
    if shrink_mask & (1 << axis):
        return start + 1
    stop = end[axis]
    if end_mask & (1 << axis):
        stop = INT_MAX if stride[axis] > 0 else INT_MIN
    if stop < 0:
        stop += size
    return _clamp(stop, 0, size) if stride[axis] > 0 else _clamp(stop, -1, size - 1)


def _start_eval(begin, stride, begin_mask, axis, size):
    """TFLM's StridedSliceStartForAxis (used by its reference kernel)."""
    start = begin[axis]
    if start < 0:
        start += size
    start = _clamp(start, 0, size) if stride[axis] > 0 else _clamp(start, -1, size - 1)
    if begin_mask & (1 << axis):
        start = 0 if stride[axis] > 0 else size - 1
    return start


def _stop_eval(end, stride, end_mask, shrink_mask, axis, size, start):
    """TFLM's StridedSliceEndForAxis (offset is never set in TFLM's params)."""
    if shrink_mask & (1 << axis):
        return start if start >= size else start + 1
    stop = end[axis]
    if stop < 0:
        stop += size
    stop = _clamp(stop, 0, size) if stride[axis] > 0 else _clamp(stop, -1, size - 1)
    if end_mask & (1 << axis):
        stop = size if stride[axis] > 0 else -1
    return stop


def _params(begins, steps, counts) -> dict[str, int]:
    params = {}
    for d in range(FIELDS_RANK):
        inside = d < len(counts)
        params[f"begin{d}"] = int(begins[d]) if inside else 0
        params[f"step{d}"] = int(steps[d]) if inside else 1
        params[f"count{d}"] = int(counts[d]) if inside else 1
    return params


def _check_io(op: Op, x: Tensor, y: Tensor, max_rank: int) -> None:
    require(x.type_name in MOVABLE, op,
            f"input {tensor_label(x)} is {x.type_name}, the engine slices {', '.join(MOVABLE)}")
    require(y.type_name == x.type_name, op, f"output {tensor_label(y)} is {y.type_name}, the input is {x.type_name}")
    require(len(x.shape) <= max_rank, op,
            f"input {tensor_label(x)} has rank {len(x.shape)}; TFLM's {op.type} takes up to rank {max_rank}")


@register("STRIDED_SLICE")
def prepare_strided_slice(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 4, op, f"expected 4 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    _check_io(op, x, y, STRIDED_SLICE_MAX_RANK)
    rank = len(x.shape)
    vectors = []
    for position, role in ((1, "begin"), (2, "end"), (3, "strides")):
        t = input_tensor(graph, op, position, role)
        require(t.is_constant, op, f"{role} {tensor_label(t)} is not constant (TFLM: non-constant >{role}< "
                                   "tensor is not supported)")
        words = int32_words(t, rank)
        require(len(words) == rank, op, f"{role} {tensor_label(t)} has fewer than {rank} int32 values")
        vectors.append(words)
    begin, end, stride = vectors
    begin_mask = int(op.options.get("begin_mask", 0))
    end_mask = int(op.options.get("end_mask", 0))
    shrink = int(op.options.get("shrink_axis_mask", 0))
    shape, starts, counts = [], [], []
    for d in range(rank):
        size = x.shape[d]
        require(stride[d] != 0, op, f"stride of dim {d} is 0 (TFLM: stride value has to be non-zero)")
        # Prepare's check of the output shape
        b = _start_prepare(begin, stride, begin_mask, d, size)
        e = _stop_prepare(end, stride, end_mask, shrink, d, size, b)
        dim = max(int(np.ceil(np.float32(e - b) / np.float32(stride[d]))), 0)
        if not shrink & (1 << d):
            shape.append(dim)
        # the elements its reference kernel walks
        start = _start_eval(begin, stride, begin_mask, d, size)
        stop = _stop_eval(end, stride, end_mask, shrink, d, size, start)
        count = len(range(start, stop, stride[d]))
        if shrink & (1 << d):
            require(count == 1, op, f"dim {d} is shrunk, but TFLM's kernel walks {count} elements there (begin "
                                    f"{begin[d]}, stride {stride[d]}, size {size}) and would leave the output "
                                    "unwritten")
        require(count >= 1, op, f"dim {d} of the slice is empty; the engine has no empty tensors")
        starts.append(start)
        counts.append(count)
    require(list(y.shape) == shape, op,
            f"output {tensor_label(y)} shape {list(y.shape)} differs from the slice's {shape} (TFLM's Prepare check)")
    return PreparedOp("STRIDED_SLICE", [x.index], y.index, params=_params(starts, stride, counts))


@register("SLICE")
def prepare_slice(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == 3, op, f"expected 3 inputs, got {len(op.inputs)}")
    x = input_tensor(graph, op, 0, "input")
    y = output_tensor(graph, op)
    _check_io(op, x, y, SLICE_MAX_RANK)
    rank = len(x.shape)
    begin_t = input_tensor(graph, op, 1, "begin")
    size_t = input_tensor(graph, op, 2, "size")
    for role, t in (("begin", begin_t), ("size", size_t)):
        require(t.is_constant, op, f"{role} {tensor_label(t)} is not constant; the engine needs it at load time")
        require(t.type_name in ("INT32", "INT64"), op, f"{role} {tensor_label(t)} is {t.type_name}; TFLM takes "
                                                       "INT32 or INT64")
        require(t.data.ndim == 1 and t.data.size == rank, op,
                f"{role} {tensor_label(t)} has shape {list(t.shape)}; TFLM wants one value per input dim ({rank})")
    require(begin_t.type_name == size_t.type_name, op,
            f"begin is {begin_t.type_name} but size is {size_t.type_name}; TFLM wants the same type")
    begins, counts = [], []
    for d in range(rank):
        b, s, dim = int(begin_t.data[d]), int(size_t.data[d]), x.shape[d]
        require(0 <= b <= dim, op, f"begin {b} of dim {d} is outside [0, {dim}]")
        count = dim - b if s == -1 else s
        require(0 <= count <= dim - b, op, f"size {s} of dim {d} does not fit after begin {b} in {dim}")
        require(count >= 1, op, f"dim {d} of the slice is empty; the engine has no empty tensors")
        begins.append(b)
        counts.append(count)
    elements = int(np.prod(counts, dtype=np.int64))
    out_elements = int(np.prod(y.shape, dtype=np.int64))
    require(elements == out_elements, op,
            f"output {tensor_label(y)} shape {list(y.shape)} has {out_elements} elements, the slice {counts} "
            f"{elements} (TFLM's check)")
    return PreparedOp("SLICE", [x.index], y.index, params=_params(begins, [1] * rank, counts))
