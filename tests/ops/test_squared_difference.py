"""SQUARED_DIFFERENCE: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.squared_difference import squared_difference_params
from hil.engine.host import run_sanitized
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.binary import binary_model
from hil.modelgen.zoo.squared_difference import CASES, squared_difference_model
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan
from tests.opcheck import assert_matches_tflm

OP = "SQUARED_DIFFERENCE"


def test_prepare_matches_hand_arithmetic():
    # Scales 0.25, 0.125 -> twice max 0.5: inputs 0.5 (2^30, 0) and 0.25 (2^30, -1);
    # output 0.5^2 / (2^14 * 2^-10) = 2^-6 = 0.5 * 2^-5.
    assert squared_difference_params(0.25, 3, 0.125, -2, 2.0 ** -10, -10) == {
        "left_shift": 7,
        "input1_offset": -3, "input1_multiplier": 1 << 30, "input1_shift": 0,
        "input2_offset": 2, "input2_multiplier": 1 << 30, "input2_shift": -1,
        "output_offset": -10, "output_multiplier": 1 << 30, "output_shift": -5,
        "act_min": -128, "act_max": 127,
    }


@pytest.mark.parametrize("model, reason", [
    (lambda: binary_model(OP, (1, 8, 8, 16), (8,), out_shape=(1, 8, 8, 16)), "not broadcast-compatible"),
    (lambda: binary_model(OP, (4,), (4,), scales=(1e3, 1e3, 1e-9)), "too small"),
])
def test_unsupported_squared_difference_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert f"op 0 ({OP})" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


def test_extreme_inputs_match_tflm():
    """The largest differences (the square nearest int32's limit) and saturating outputs."""
    model = squared_difference_model((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.9, 0.9, 0.02), zero_points=(0, 0, -128))
    lo, hi = np.full((1, 4, 4, 8), -128, np.int8), np.full((1, 4, 4, 8), 127, np.int8)
    assert_matches_tflm(model, batch=[[lo, lo], [hi, hi], [lo, hi], [hi, lo]])


def _plan() -> bytes:
    return plan(binary_model(OP, (1, 4, 4, 8), (1, 4, 4, 8), scales=(0.05, 0.02, 0.1), zero_points=(5, -7, 3)))


@pytest.mark.parametrize("fields", [
    {"left_shift": 8}, {"input1_offset": 5}, {"input2_offset": -7}, {"output_offset": -3},
    {"input1_shift": 1}, {"input2_multiplier": -1}, {"output_shift": 31}, {"act_max": 128},
])
def test_bad_params_are_refused(fields):
    assert_bad_params_refused(_plan(), OP, fields)


@pytest.mark.parametrize("tensor, fields", [
    (1, {"dim3": 4}),
    (2, {"dim2": 1}),
])
def test_bad_shapes_are_refused(tensor, fields):
    assert_bad_tensor_refused(_plan(), tensor, fields, "TH_ERR_SHAPE")


def test_extreme_accepted_params_run_without_undefined_behaviour():
    blob = _plan()
    int32_max = (1 << 31) - 1
    patched = with_record_fields(blob, plan_format().op_params[OP], params_offset(blob), input1_multiplier=int32_max,
                                 input1_shift=0, input2_multiplier=int32_max, input2_shift=0,
                                 output_multiplier=int32_max, output_shift=30)
    shape = (1, 4, 4, 8)
    lo, hi = np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)
    run_sanitized(patched, [[lo, hi], [hi, lo]], [shape])
