"""STRIDED_SLICE: byte equality with TFLM (int8 zoo, seeded random slices, int16 and
int32), the resolved params by hand, TFLM's refusals, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops import slice as slice_ops
from hil.compiler.ops.slice import prepare_strided_slice
from hil.errors import HilError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.strided_slice import CASES, strided_slice_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def _tflm_shape(shape, begin, end, stride, begin_mask, end_mask, shrink):
    """The output shape TFLM's Prepare wants (its StartForAxis/StopForAxis and float ceil)."""
    out = []
    for d in range(len(shape)):
        b = slice_ops._start_prepare(begin, stride, begin_mask, d, shape[d])
        e = slice_ops._stop_prepare(end, stride, end_mask, shrink, d, shape[d], b)
        if not shrink & (1 << d):
            out.append(max(int(np.ceil(np.float32(e - b) / np.float32(stride[d]))), 0))
    return out


def test_random_slices_match_tflm():
    """Seeded random begin/end/strides/masks: every slice the compiler accepts equals TFLM's."""
    rng = np.random.default_rng(7)
    checked = 0
    while checked < 25:
        rank = int(rng.integers(1, 5))
        shape = [int(v) for v in rng.integers(1, 6, rank)]
        begin, end = ([int(v) for v in rng.integers(-7, 7, rank)] for _ in range(2))
        stride = [int(v) for v in rng.choice([-3, -2, -1, 1, 2, 3], rank)]
        masks = dict(begin_mask=int(rng.integers(0, 1 << rank)), end_mask=int(rng.integers(0, 1 << rank)),
                     shrink_axis_mask=int(rng.integers(0, 1 << rank)) if rng.random() < 0.3 else 0)
        out = _tflm_shape(shape, begin, end, stride, *masks.values())
        if 0 in out:
            continue
        model = strided_slice_model(shape, begin, end, stride, out, **masks)
        try:
            compile_model(model)
        except UnsupportedModelError as exc:
            assert "would leave the output unwritten" in str(exc)
            continue
        assert_matches_tflm(model, num_inputs=1, sanitize=False)
        checked += 1


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
def test_int16_and_int32_match_tflm(dtype):
    model = strided_slice_model((3, 5, 4), [2, 0, 1], [0, 5, 4], [-1, 2, 2], (2, 3, 2), dtype=dtype)
    assert_any_dtype_matches_tflm(model, dtype)


def test_params_by_hand():
    # x[:, -1, :] of [1, 10, 16]: begin 9 on dim 1, one element; dims 0 and 2 whole
    graph = load_graph(CASES["shrink_last_step"]())
    p = prepare_strided_slice(graph.ops[0], graph).params
    assert [p[f"begin{d}"] for d in range(6)] == [0, 9, 0, 0, 0, 0]
    assert [p[f"step{d}"] for d in range(6)] == [1, 1, 1, 1, 1, 1]
    assert [p[f"count{d}"] for d in range(6)] == [1, 1, 16, 1, 1, 1]
    # reversed: begin 1 -> 0 step -1 on dim 0; -1 -> 4 step -2 on dim 1 (4, 2); 5 step -2 on dim 2 (5, 3, 1)
    graph = load_graph(CASES["reverse_negative"]())
    p = prepare_strided_slice(graph.ops[0], graph).params
    assert [(p[f"begin{d}"], p[f"step{d}"], p[f"count{d}"]) for d in range(3)] == [(1, -1, 2), (4, -2, 2), (5, -2, 3)]


def _with_input_begin() -> bytes:
    b = ModelBuilder("strided_slice")
    x = b.input("x", (4, 4), 0.05, 0)
    begin = b.input("begin", (2,), None, None, dtype=np.int32)
    end, strides = b.const("end", np.array([4, 4], np.int32)), b.const("strides", np.array([1, 1], np.int32))
    y = b.tensor("y", (4, 4), np.int8, 0.05, 0)
    b.op("STRIDED_SLICE", [x, begin, end, strides], [y], "StridedSliceOptions")
    b.mark_output(y)
    return b.build()


REFUSED = [
    (lambda: strided_slice_model((1, 2, 2, 2, 2), [0] * 5, [1, 2, 2, 2, 2], [1] * 5, (1, 2, 2, 2, 2)),
     "takes up to rank 4"),
    (lambda: strided_slice_model((4, 4), [0, 0], [4, 4], [1, 0], (4, 4)), "stride value has to be non-zero"),
    (lambda: strided_slice_model((4, 4), [0, 0], [4, 4], [1, 1], (4, 3)), "TFLM's Prepare check"),
    (lambda: strided_slice_model((4, 4), [0, 1], [1, 4], [1, 1], (1, 2), offset=True), "TFLM's Prepare check"),
    (lambda: strided_slice_model((4, 4), [0, 0], [4, 4], [1, 1], (4, 4), index_dtype=np.int64),
     "stride value has to be non-zero"),
]


@pytest.mark.parametrize("model, reason", REFUSED + [(_with_input_begin, "begin .* is not constant")])
def test_unsupported_strided_slice_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (STRIDED_SLICE)" in str(info.value)


@pytest.mark.parametrize("model", [m for m, _ in REFUSED])
def test_tflm_refuses_them_too(model):
    with pytest.raises(HilError, match="TFLM could not load"):
        TflmReference(model())


def test_shrink_with_negative_stride_is_refused():
    # TFLM's kernel walks no element on such an axis and leaves the output unwritten
    model = strided_slice_model((3, 4), [1, 0], [2, 4], [-1, 1], (4,), shrink_axis_mask=1)
    with pytest.raises(UnsupportedModelError, match="would leave the output unwritten"):
        compile_model(model)


def _plan() -> bytes:
    # [5, 6] -> rows 4, 2 (step -2), columns 1..4
    return plan(strided_slice_model((5, 6), [4, 1], [0, 5], [-2, 1], (2, 4)))


@pytest.mark.parametrize("fields, name", [
    ({"begin0": 5}, "begin0"),
    ({"begin0": -1}, "begin0"),
    ({"count1": 7}, "count1"),
    ({"step0": -5}, "step0"),               # the last row read would be -1
    ({"step1": 2}, "step1"),                # columns 1, 3, 5, 7: past the dim
    ({"begin2": 1}, "begin2"),              # past the rank
    ({"count3": 2}, "count3"),
])
def test_bad_params_are_refused(fields, name):
    assert name in str(assert_bad_params_refused(_plan(), "STRIDED_SLICE", fields))


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim1": 3}, "TH_ERR_SHAPE"),
    (1, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)
