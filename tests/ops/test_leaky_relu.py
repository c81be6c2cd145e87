"""LEAKY_RELU: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.activations import leaky_relu_params
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.leaky_relu import CASES, leaky_relu_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import ALL_INT8, assert_bad_params_refused, assert_bad_tensor_refused, assert_every_input_matches_tflm, plan


def test_leaky_relu_params_by_hand():
    # identity 0.25 / 0.5 = 0.5 -> (2^30, 0); alpha 0.25 * 0.5 / 0.5 = 0.25 -> (2^30, -1).
    assert leaky_relu_params(0.25, 3, 0.5, -10, 0.5) == {
        "input_offset": 3, "output_offset": -10, "identity_multiplier": 1 << 30, "identity_shift": 0,
        "alpha_multiplier": 1 << 30, "alpha_shift": -1}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.01, "in_zp": 127, "out_zp": -128},
                                    {"alpha": 3.0, "in_scale": 0.2, "in_zp": -128, "out_scale": 0.01, "out_zp": 0}])
def test_every_int8_input_matches_tflm(kwargs):
    assert_every_input_matches_tflm(lambda shape: leaky_relu_model(shape=shape, **kwargs))


@pytest.mark.parametrize("model, reason", [
    (lambda: leaky_relu_model(alpha=-0.5), "alpha"),
    (lambda: leaky_relu_model(in_scale=1.0, out_scale=1e-12), "shift"),
])
def test_unsupported_leaky_relu_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (LEAKY_RELU)" in str(info.value)


def _plan() -> bytes:
    return plan(leaky_relu_model(shape=(1, 4, 4, 8), in_zp=-5, out_zp=3))


@pytest.mark.parametrize("fields, name", [
    ({"input_offset": -4}, "input_offset"),
    ({"output_offset": 4}, "output_offset"),
    ({"identity_multiplier": -1}, "identity_multiplier"),
    ({"identity_shift": 31}, "identity_shift"),
    ({"alpha_multiplier": -(1 << 31)}, "alpha_multiplier"),
    ({"alpha_shift": -32}, "alpha_shift"),
])
def test_bad_params_are_refused(fields, name):
    error = assert_bad_params_refused(_plan(), "LEAKY_RELU", fields)
    assert name in str(error)


def test_bad_output_shape_is_refused():
    assert_bad_tensor_refused(_plan(), 1, {"dim3": 4}, "TH_ERR_SHAPE")


def test_extreme_accepted_params_run_without_undefined_behaviour():
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    blob = _plan()
    shape = (1, 4, 4, 8)
    batch = [[np.resize(ALL_INT8, shape)], [np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]
    int32_max = (1 << 31) - 1
    for fields in ({"identity_multiplier": int32_max, "identity_shift": 30, "alpha_multiplier": int32_max,
                    "alpha_shift": 30},
                   {"identity_multiplier": int32_max, "identity_shift": -31, "alpha_multiplier": 0, "alpha_shift": -31}):
        patched = with_record_fields(blob, plan_format().op_params["LEAKY_RELU"], params_offset(blob), **fields)
        run_sanitized(patched, batch, [shape])
