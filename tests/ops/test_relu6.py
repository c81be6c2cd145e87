"""RELU6: TFLM's int8 clamp in the input's quantization, rejections, plan validation."""
from __future__ import annotations

import pytest

from hil.compiler import compile_model
from hil.compiler.ops.activations import relu6_params
from hil.errors import UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.relu6 import CASES, relu6_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, assert_every_input_matches_tflm, plan


@pytest.mark.parametrize("args, expected", [
    ((0.1, 0), {"act_min": 0, "act_max": 60}),
    ((0.01, -10), {"act_min": -10, "act_max": 127}),      # 6.0 is past int8: clamped to 127
    ((0.5, -128), {"act_min": -128, "act_max": -116}),
])
def test_relu6_params_by_hand(args, expected):
    assert relu6_params(*args) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("kwargs", [{}, {"in_scale": 0.03921, "in_zp": -77, "out_scale": 0.02353, "out_zp": -128}])
def test_every_int8_input_matches_tflm(kwargs):
    assert_every_input_matches_tflm(lambda shape: relu6_model(shape=shape, **kwargs))


def _shape_mismatch() -> bytes:
    b = ModelBuilder("relu6")
    x = b.input("x", (1, 4, 4, 8), scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4, 8, 4), scale=0.1, zero_point=0)
    b.op("RELU6", [x], [y])
    b.mark_output(y)
    return b.build()


def test_shape_mismatch_is_rejected_with_reason():
    with pytest.raises(UnsupportedModelError, match="differs from input shape") as info:
        compile_model(_shape_mismatch())
    assert "op 0 (RELU6)" in str(info.value)


def _plan() -> bytes:
    return plan(relu6_model(shape=(1, 4, 4, 8)))


@pytest.mark.parametrize("fields, name", [
    ({"act_min": 10, "act_max": 9}, "act"),
    ({"act_max": 128}, "act_max"),
    ({"act_min": -129}, "act_min"),
])
def test_bad_params_are_refused(fields, name):
    error = assert_bad_params_refused(_plan(), "RELU6", fields)
    assert name in str(error)


def test_bad_output_shape_is_refused():
    assert_bad_tensor_refused(_plan(), 1, {"dim3": 4}, "TH_ERR_SHAPE")
