"""HARD_SWISH: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.activations import downscale_int32_to_int16_multiplier, hard_swish_params
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.hard_swish import CASES, hard_swish_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import ALL_INT8, assert_bad_params_refused, assert_bad_tensor_refused, assert_every_input_matches_tflm, plan


@pytest.mark.parametrize("q31, q15", [(1 << 30, 1 << 14), ((1 << 31) - 1, 32767), ((1 << 30) + (1 << 15), (1 << 14) + 1),
                                      ((1 << 30) + (1 << 15) - 1, 1 << 14)])
def test_downscale_to_int16(q31, q15):
    assert downscale_int32_to_int16_multiplier(q31) == q15


def test_hard_swish_params_by_hand():
    # hires = 0.5 / 128 = 2^-8; output 2^-8 / 2^-6 = 0.25 -> (2^14, -1); reluish 2^-8 / (3 / 2^15) = 128/3.
    p = hard_swish_params(0.5, 2, 2 ** -6, -7)
    assert (p["output_multiplier"], p["output_shift"]) == (1 << 14, -1)
    assert p["reluish_shift"] == 6          # 128/3 = 0.667 * 2^6
    assert (p["input_zero_point"], p["output_zero_point"]) == (2, -7)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("in_scale, in_zp, out_scale, out_zp", [
    (0.04, -1, 0.021, -110), (0.3, 0, 0.2, -100), (0.002, 127, 0.0015, -128), (0.02, -128, 0.5, 0),
    (0.08, 60, 0.001, 0),
])
def test_every_int8_input_matches_tflm(in_scale, in_zp, out_scale, out_zp):
    assert_every_input_matches_tflm(lambda shape: hard_swish_model(shape=shape, in_scale=in_scale, in_zp=in_zp,
                                                                   out_scale=out_scale, out_zp=out_zp))


@pytest.mark.parametrize("model, reason", [
    (lambda: hard_swish_model(in_scale=1.0, out_scale=1e-4), "output multiplier exponent"),
    (lambda: hard_swish_model(in_scale=1e-9, out_scale=1e-9), "reluish multiplier exponent"),
])
def test_unsupported_hard_swish_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (HARD_SWISH)" in str(info.value)


def _plan() -> bytes:
    return plan(hard_swish_model(shape=(1, 4, 4, 8), in_zp=-5, out_zp=3))


@pytest.mark.parametrize("fields, name", [
    ({"input_zero_point": -4}, "input_zero_point"),
    ({"output_zero_point": 4}, "output_zero_point"),
    ({"output_multiplier": 32768}, "output_multiplier"),
    ({"output_shift": 1}, "output_shift"),
    ({"output_shift": -16}, "output_shift"),
    ({"reluish_multiplier": -1}, "reluish_multiplier"),
    ({"reluish_shift": 16}, "reluish_shift"),
])
def test_bad_params_are_refused(fields, name):
    error = assert_bad_params_refused(_plan(), "HARD_SWISH", fields)
    assert name in str(error)


def test_bad_output_shape_is_refused():
    assert_bad_tensor_refused(_plan(), 1, {"dim3": 4}, "TH_ERR_SHAPE")


def test_extreme_accepted_params_run_without_undefined_behaviour():
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    blob = _plan()
    shape = (1, 4, 4, 8)
    batch = [[np.resize(ALL_INT8, shape)], [np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]
    for fields in ({"output_multiplier": 32767, "output_shift": 0, "reluish_multiplier": 32767, "reluish_shift": 15,
                    "input_zero_point": -5},
                   {"output_multiplier": 0, "output_shift": -15, "reluish_multiplier": 32767, "reluish_shift": -15}):
        patched = with_record_fields(blob, plan_format().op_params["HARD_SWISH"], params_offset(blob), **fields)
        run_sanitized(patched, batch, [shape])
