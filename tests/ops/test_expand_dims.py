"""EXPAND_DIMS: aliasing, byte equality with TFLM (int8 zoo, int16), TFLM's refusals, plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.squeeze import prepare_expand_dims
from hil.errors import HilError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.expand_dims import CASES, expand_dims_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def _model(shape, axis, out_shape, dtype=np.int8, axis_input=False, axis_dtype=np.int32) -> bytes:
    b = ModelBuilder("expand_dims")
    x = b.input("x", shape, 0.5, 0, dtype=dtype)
    a = (b.input("axis", (1,), None, None, dtype=axis_dtype) if axis_input
         else b.const("axis", np.array([axis], axis_dtype)))
    y = b.tensor("y", out_shape, dtype, 0.5, 0)
    b.op("EXPAND_DIMS", [x, a], [y])
    b.mark_output(y)
    return b.build()


def test_int16_matches_tflm():
    assert_any_dtype_matches_tflm(_model((3, 4), 1, (3, 1, 4), np.int16), np.int16)


def test_output_aliases_input_and_axis_is_dropped():
    graph = load_graph(expand_dims_model((2, 3), -1))
    p = prepare_expand_dims(graph.ops[0], graph)
    assert p.output_aliases_input and p.inputs == [graph.ops[0].inputs[0]] and p.params == {}


REFUSED = [
    (lambda: _model((3, 4), 1, (3, 4, 1)), "is not input shape"),
    (lambda: _model((3, 4), 3, (3, 4, 1)), "axis 3 is outside"),
    (lambda: _model((3, 4), 1, (3, 1, 4), np.int32), "TFLM's EXPAND_DIMS copies int8, int16"),
    (lambda: _model((3, 4), 1, (3, 1, 4), axis_dtype=np.int64), "TFLM takes INT32"),
]


@pytest.mark.parametrize("model, reason", REFUSED)
def test_unsupported_expand_dims_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (EXPAND_DIMS)" in str(info.value)


@pytest.mark.parametrize("model", [m for m, _ in REFUSED])
def test_tflm_refuses_them_too(model):
    # at load (HilError) or, for the int32 input, when invoked (its Eval has no int32 case)
    with pytest.raises((HilError, RuntimeError)):
        golden = TflmReference(model())
        golden.run([np.zeros((3, 4), golden.input_dtypes[0])])


def test_non_constant_axis_is_refused():
    with pytest.raises(UnsupportedModelError, match="not constant"):
        compile_model(_model((3, 4), 1, (3, 1, 4), axis_input=True))


@pytest.mark.parametrize("fields, status", [
    ({"rank": 2, "dim0": 2, "dim1": 3, "dim2": 1}, "TH_ERR_SHAPE"),  # no dim added
    ({"dim0": 3, "dim1": 2}, "TH_ERR_SHAPE"),                        # same bytes, dims moved
    ({"dtype": 4}, "TH_ERR_BAD_TENSOR"),
])
def test_bad_output_is_refused(fields, status):
    # tensor 0 [2, 3] -> tensor 1 [2, 3, 1]
    assert_bad_tensor_refused(plan(expand_dims_model((2, 3), -1)), 1, fields, status)
