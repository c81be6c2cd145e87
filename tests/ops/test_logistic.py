"""LOGISTIC: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.activations import logistic_params
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.activations import unary_model
from hil.modelgen.zoo.logistic import CASES, logistic_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import ALL_INT8, assert_bad_params_refused, assert_bad_tensor_refused, assert_every_input_matches_tflm, plan


def test_logistic_params_by_hand():
    # 2^-4 * 2^27 = 2^23 = 0.5 * 2^24; radius 15 * 2^27 / 2^24 = 120.
    assert logistic_params(2 ** -4, 3) == {"input_zero_point": 3, "input_range_radius": 120,
                                           "input_multiplier": 1 << 30, "input_left_shift": 24}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("in_scale, in_zp", [(0.047, 0), (0.008, -10), (0.16, 30), (0.5, -128), (0.001, 127)])
def test_every_int8_input_matches_tflm(in_scale, in_zp):
    assert_every_input_matches_tflm(lambda shape: logistic_model(shape=shape, in_scale=in_scale, in_zp=in_zp))


@pytest.mark.parametrize("model, reason", [
    (lambda: unary_model("LOGISTIC", (1, 8), 0.05, 0, 1.0 / 256, 0), "zero point"),
    (lambda: unary_model("LOGISTIC", (1, 8), 0.05, 0, 1.0 / 128, -128), "not 1/256"),
])
def test_unsupported_logistic_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (LOGISTIC)" in str(info.value)


def _plan() -> bytes:
    return plan(logistic_model(shape=(1, 4, 4, 8), in_zp=-5))


@pytest.mark.parametrize("fields, name", [
    ({"input_zero_point": -4}, "input_zero_point"),
    ({"input_range_radius": -1}, "input_range_radius"),
    ({"input_multiplier": -1}, "input_multiplier"),
    ({"input_left_shift": 31}, "input_left_shift"),
])
def test_bad_params_are_refused(fields, name):
    error = assert_bad_params_refused(_plan(), "LOGISTIC", fields)
    assert name in str(error)


def test_bad_output_shape_is_refused():
    assert_bad_tensor_refused(_plan(), 1, {"dim3": 4}, "TH_ERR_SHAPE")


def test_extreme_accepted_params_run_without_undefined_behaviour():
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    blob = _plan()
    shape = (1, 4, 4, 8)
    batch = [[np.resize(ALL_INT8, shape)], [np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]
    int32_max = (1 << 31) - 1
    for fields in ({"input_range_radius": int32_max, "input_multiplier": int32_max, "input_left_shift": 30},
                   {"input_range_radius": int32_max, "input_multiplier": int32_max, "input_left_shift": -31},
                   {"input_range_radius": 0}):
        patched = with_record_fields(blob, plan_format().op_params["LOGISTIC"], params_offset(blob), **fields)
        run_sanitized(patched, batch, [shape])


# --- int16: TFLM's sigmoid LUT kernel ------------------------------------------------------

from hil.compiler.ops.activations import lut16_params  # noqa: E402
from tests.ops import _lut16  # noqa: E402


@pytest.mark.parametrize("scale", _lut16.SWEEP_SCALES)
def test_int16_every_input_matches_tflm(scale):
    _lut16.assert_every_input_matches_tflm("LOGISTIC", scale)


@pytest.mark.parametrize("index", range(7))
def test_int16_unsupported_is_rejected_with_reason(index):
    model, reason = _lut16.rejections("LOGISTIC")[index]
    _lut16.assert_rejected("LOGISTIC", model, reason)


@pytest.mark.parametrize("fields", _lut16.BAD_PARAMS)
def test_int16_bad_params_are_refused(fields):
    _lut16.assert_bad_params16_refused("LOGISTIC", fields)


def test_int16_bad_tensors_are_refused():
    _lut16.assert_bad_tensors16_refused("LOGISTIC")


def test_int16_extreme_accepted_params_run_without_undefined_behaviour():
    _lut16.assert_extreme_params_clean("LOGISTIC")


def test_int16_prepare_matches_hand_arithmetic():
    # 2^-12: TFLM's power-of-two case, left shift 12 - 12 = 0, multiplier 3 << 0.
    assert lut16_params(2.0 ** -12, (0,))["input_multiplier"] == 3
    # 2^-11 is not LOGISTIC's case (left shift 1): 2^-11 * 12288 = 6, doubled 12 times to 24576.
    assert lut16_params(2.0 ** -11, (0,)) == {"input_zero_point": 0, "input_range_radius": 0,
                                              "input_multiplier": 24576, "input_left_shift": 12}
