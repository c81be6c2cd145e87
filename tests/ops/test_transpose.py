"""TRANSPOSE: byte equality with TFLM (int8 zoo, int16), params, TFLM's refusals, plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.transpose import prepare_transpose
from hil.errors import HilError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.transpose import CASES, transpose_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_int16_matches_tflm():
    assert_any_dtype_matches_tflm(transpose_model((2, 3, 4), [2, 0, 1], dtype=np.int16), np.int16)


def test_params_by_hand():
    graph = load_graph(CASES["nhwc_to_nchw"]())
    p = prepare_transpose(graph.ops[0], graph)
    assert p.params == {"perm0": 0, "perm1": 3, "perm2": 1, "perm3": 2, "perm4": 4, "perm5": 5}
    assert p.inputs == [graph.ops[0].inputs[0]]


def _raw(shape, perm, out_shape, perm_dtype=np.int32) -> bytes:
    b = ModelBuilder("transpose")
    x = b.input("x", shape, 0.05, 0)
    y = b.tensor("y", out_shape, np.int8, 0.05, 0)
    b.op("TRANSPOSE", [x, b.const("perm", np.array(perm, perm_dtype))], [y], "TransposeOptions")
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _raw((1, 2, 1, 2, 1, 2), [5, 4, 3, 2, 1, 0], (2, 1, 2, 1, 2, 1)), "TFLM transposes 1D-5D"),
    (lambda: _raw((2, 3), [0, 2], (2, 3)), "out of bounds"),
    (lambda: _raw((2, 3), [1, 1], (3, 3)), "not a permutation"),
    (lambda: _raw((2, 3), [1, 0], (2, 3)), "is not the input's"),
    # TFLM reads an INT64 perm as int32 words: [2, 0, 1] reads as [2, 0, 0]
    (lambda: _raw((2, 3, 4), [2, 0, 1], (4, 2, 3), np.int64), r"perm \[2, 0, 0\] repeats a dim"),
    (lambda: transpose_model((2, 3), [1, 0], dtype=np.int32), "TFLM transposes only float32, int8 and int16"),
])
def test_unsupported_transpose_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (TRANSPOSE)" in str(info.value)


def test_tflm_refuses_rank6():
    with pytest.raises(HilError, match="TFLM could not load"):
        TflmReference(_raw((1, 2, 1, 2, 1, 2), [5, 4, 3, 2, 1, 0], (2, 1, 2, 1, 2, 1)))


def test_int64_perm_whose_words_are_the_perm_matches_tflm():
    # [1, 0] as int64 is the words [1, 0, 0, 0]: the two TFLM reads are the perm itself
    assert_matches_tflm(_raw((2, 3), [1, 0], (3, 2), np.int64))


def _plan() -> bytes:
    return plan(transpose_model((2, 3, 4), [2, 0, 1]))


@pytest.mark.parametrize("fields, name", [
    ({"perm0": 3}, "perm0"),
    ({"perm0": -1}, "perm0"),
    ({"perm1": 2}, "perm1"),       # repeats dim 2
    ({"perm3": 4}, "perm3"),       # past the rank
])
def test_bad_params_are_refused(fields, name):
    assert name in str(assert_bad_params_refused(_plan(), "TRANSPOSE", fields))


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim0": 2, "dim1": 4, "dim2": 3}, "TH_ERR_SHAPE"),      # same bytes, not the permuted shape
    (1, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),
    (1, {"rank": 2, "dim0": 4, "dim1": 6, "dim2": 1}, "TH_ERR_SHAPE"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)
