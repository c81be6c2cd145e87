"""SLICE: byte equality with TFLM (int8 zoo, int16 and int32), params by hand, refusals, plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.slice import prepare_slice
from hil.errors import UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.slice import CASES, slice_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
def test_int16_and_int32_match_tflm(dtype):
    assert_any_dtype_matches_tflm(slice_model((3, 5, 4), [1, 1, 0], [2, -1, 3], dtype=dtype), dtype)


def test_params_by_hand():
    graph = load_graph(CASES["size_minus_one"]())       # [3, 6, 5] begin [1, 2, 0] size [-1, 3, -1]
    p = prepare_slice(graph.ops[0], graph).params
    assert [p[f"begin{d}"] for d in range(6)] == [1, 2, 0, 0, 0, 0]
    assert [p[f"count{d}"] for d in range(6)] == [2, 3, 5, 1, 1, 1]
    assert all(p[f"step{d}"] == 1 for d in range(6))


def _raw(shape, begin, size, out_shape, begin_input=False) -> bytes:
    b = ModelBuilder("slice")
    x = b.input("x", shape, 0.05, 0)
    bt = (b.input("begin", (len(shape),), None, None, dtype=np.int32) if begin_input
          else b.const("begin", np.array(begin, np.int32)))
    y = b.tensor("y", out_shape, np.int8, 0.05, 0)
    b.op("SLICE", [x, bt, b.const("size", np.array(size, np.int32))], [y], "SliceOptions")
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _raw((4, 4), [0, 5], [1, 1], (1, 1)), r"begin 5 of dim 1 is outside \[0, 4\]"),
    (lambda: _raw((4, 4), [0, 2], [1, 3], (1, 3)), "size 3 of dim 1 does not fit"),
    (lambda: _raw((4, 4), [0, 0], [2, 2], (2, 3)), "TFLM's check"),
    (lambda: _raw((4, 4), [0, 0], [2, 2], (2, 2), begin_input=True), "not constant"),
    (lambda: _raw((1, 1, 1, 1, 1, 4), [0] * 6, [1] * 6, (1, 1, 1, 1, 1, 1)), "takes up to rank 5"),
    (lambda: _raw((4, 4), [4, 0], [0, 4], (1, 4)), "empty"),
])
def test_unsupported_slice_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SLICE)" in str(info.value)


def _plan() -> bytes:
    return plan(slice_model((4, 6), [1, 2], [2, 3]))


@pytest.mark.parametrize("fields, name", [
    ({"begin1": 4}, "step1"),          # 4 + 2 = 6: the last column read is past the dim
    ({"count0": 0}, "count0"),
    ({"step0": 2, "count0": 2}, "step0"),  # rows 1, 3 fit; then begin 3 and rows 3, 5 do not
])
def test_bad_params_are_refused(fields, name):
    blob = _plan()
    if "step0" in fields:
        fields = {**fields, "begin0": 3}
    assert name in str(assert_bad_params_refused(blob, "SLICE", fields))


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim0": 3}, "TH_ERR_SHAPE"),
    (0, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)
