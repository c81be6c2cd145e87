"""SQUEEZE: aliasing, byte equality with TFLM (int8 zoo, int16, int32), TFLM's refusals, plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.squeeze import prepare_squeeze
from hil.compiler.plan_format import parse_plan
from hil.errors import UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.squeeze import CASES, squeeze_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
def test_int16_and_int32_match_tflm(dtype):
    b = ModelBuilder("squeeze")
    x = b.input("x", (1, 3, 1, 4), 0.5, 0, dtype=dtype)
    y = b.tensor("y", (3, 4), dtype, 0.5, 0)
    b.op("SQUEEZE", [x], [y], "SqueezeOptions", squeeze_dims=[])
    b.mark_output(y)
    assert_any_dtype_matches_tflm(b.build(), dtype)


def test_output_aliases_input():
    graph = load_graph(CASES["listed_dims"]())
    p = prepare_squeeze(graph.ops[0], graph)
    assert p.output_aliases_input and p.params == {} and p.inputs == [graph.ops[0].inputs[0]]
    parsed = parse_plan(plan(CASES["listed_dims"]()))
    assert parsed.tensors[0]["offset"] == parsed.tensors[1]["offset"]


@pytest.mark.parametrize("model, reason", [
    (lambda: squeeze_model((1, 4, 1, 6), [1], (1, 1, 6)), "squeeze dim 1 is not a dim of 1"),
    (lambda: squeeze_model((1, 4, 1, 6), [4], (4, 1, 6)), "squeeze dim 4 is not a dim of 1"),
    (lambda: squeeze_model((1, 4, 1, 6), [0], (4, 6)), "is not input shape"),
])
def test_unsupported_squeeze_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SQUEEZE)" in str(info.value)


@pytest.mark.parametrize("fields, status", [
    ({"dim0": 6, "dim1": 4}, "TH_ERR_SHAPE"),                    # same bytes, other dims
    ({"rank": 5, "dim2": 1, "dim3": 1, "dim4": 1}, "TH_ERR_SHAPE"),  # more dims than the input
    ({"dtype": 4}, "TH_ERR_BAD_TENSOR"),
    ({"dim1": 5}, "TH_ERR_SHAPE"),
])
def test_bad_output_is_refused(fields, status):
    assert_bad_tensor_refused(plan(CASES["listed_dims"]()), 1, fields, status)
