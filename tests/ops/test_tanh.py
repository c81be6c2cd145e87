"""TANH: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.activations import logistic_params
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.activations import unary_model
from hil.modelgen.zoo.tanh import CASES, tanh_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import ALL_INT8, assert_bad_params_refused, assert_bad_tensor_refused, assert_every_input_matches_tflm, plan


def test_tanh_uses_logistic_input_params():
    # 2^-4 * 2^27 = 2^23 = 0.5 * 2^24; radius 15 * 2^27 / 2^24 = 120.
    assert logistic_params(2 ** -4, 3) == {"input_zero_point": 3, "input_range_radius": 120,
                                           "input_multiplier": 1 << 30, "input_left_shift": 24}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("in_scale, in_zp", [(0.047, 0), (0.008, -10), (0.16, 30), (0.5, -128), (0.001, 127)])
def test_every_int8_input_matches_tflm(in_scale, in_zp):
    assert_every_input_matches_tflm(lambda shape: tanh_model(shape=shape, in_scale=in_scale, in_zp=in_zp))


@pytest.mark.parametrize("model, reason", [
    (lambda: unary_model("TANH", (1, 8), 0.05, 0, 1.0 / 128, -128), "zero point"),
    (lambda: unary_model("TANH", (1, 8), 0.05, 0, 1.0 / 256, 0), "not 1/128"),
])
def test_unsupported_tanh_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (TANH)" in str(info.value)


def _plan() -> bytes:
    return plan(tanh_model(shape=(1, 4, 4, 8), in_zp=-5))


@pytest.mark.parametrize("fields, name", [
    ({"input_zero_point": -4}, "input_zero_point"),
    ({"input_range_radius": -1}, "input_range_radius"),
    ({"input_multiplier": -1}, "input_multiplier"),
    ({"input_left_shift": 31}, "input_left_shift"),
])
def test_bad_params_are_refused(fields, name):
    error = assert_bad_params_refused(_plan(), "TANH", fields)
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
        patched = with_record_fields(blob, plan_format().op_params["TANH"], params_offset(blob), **fields)
        run_sanitized(patched, batch, [shape])


# --- int16: TFLM's sigmoid LUT kernel ------------------------------------------------------

from hil.compiler.ops.activations import lut16_params  # noqa: E402
from tests.ops import _lut16  # noqa: E402


@pytest.mark.parametrize("scale", _lut16.SWEEP_SCALES)
def test_int16_every_input_matches_tflm(scale):
    _lut16.assert_every_input_matches_tflm("TANH", scale)


@pytest.mark.parametrize("index", range(7))
def test_int16_unsupported_is_rejected_with_reason(index):
    model, reason = _lut16.rejections("TANH")[index]
    _lut16.assert_rejected("TANH", model, reason)


@pytest.mark.parametrize("fields", _lut16.BAD_PARAMS)
def test_int16_bad_params_are_refused(fields):
    _lut16.assert_bad_params16_refused("TANH", fields)


def test_int16_bad_tensors_are_refused():
    _lut16.assert_bad_tensors16_refused("TANH")


def test_int16_extreme_accepted_params_run_without_undefined_behaviour():
    _lut16.assert_extreme_params_clean("TANH")


def test_int16_prepare_matches_hand_arithmetic():
    # TANH's power-of-two case covers left shifts 0 and 1: 2^-11 -> 3 << 1 = 6, no shift.
    assert lut16_params(2.0 ** -11, (0, 1)) == {"input_zero_point": 0, "input_range_radius": 0,
                                                "input_multiplier": 6, "input_left_shift": 0}
    # 1/32768: 12288 / 32768 = 0.375, doubled 16 times to 24576 (truncated: exact here).
    assert lut16_params(1.0 / 32768, (0, 1)) == {"input_zero_point": 0, "input_range_radius": 0,
                                                 "input_multiplier": 24576, "input_left_shift": 16}
