"""MUL: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.mul import mul_params
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.binary import binary_model
from hil.modelgen.zoo.mul import CASES, mul_model
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan
from tests.opcheck import assert_matches_tflm


def test_prepare_matches_hand_arithmetic():
    # 0.5 * 0.25 / 0.0625 = 2 = 0.5 * 2^2; 0.25 * 0.25 / 0.5 = 0.125 = 0.5 * 2^-2.
    assert mul_params(0.5, 3, 0.25, -2, 0.0625, -10, -128, 127) == {
        "input1_offset": -3, "input2_offset": 2, "output_offset": -10,
        "output_multiplier": 1 << 30, "output_shift": 2, "act_min": -128, "act_max": 127,
    }
    p = mul_params(0.25, 0, 0.25, 0, 0.5, 0, -128, 127)
    assert (p["output_multiplier"], p["output_shift"]) == (1 << 30, -2)


@pytest.mark.parametrize("model, reason", [
    (lambda: binary_model("MUL", (1, 8, 8, 16), (8,), out_shape=(1, 8, 8, 16), options_name="MulOptions"),
     "not broadcast-compatible"),
    (lambda: binary_model("MUL", (1, 4, 4), (4,), out_shape=(1, 4, 1), options_name="MulOptions"),
     "not the broadcast shape"),
    (lambda: binary_model("MUL", (4,), (4,), scales=(1e6, 1e6, 1e-6), options_name="MulOptions"), "too large"),
])
def test_unsupported_mul_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (MUL)" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


def test_extreme_inputs_match_tflm():
    model = mul_model((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.9, 0.3, 0.001), seed=3)
    lo, hi = np.full((1, 4, 4, 8), -128, np.int8), np.full((1, 4, 4, 8), 127, np.int8)
    assert_matches_tflm(model, batch=[[lo, lo], [hi, hi], [lo, hi], [hi, lo]])


def _mul_plan() -> bytes:
    """Inputs [1, 4, 4, 8] (tensors 0, 1) and output (tensor 2), zero points 5, -7, 3."""
    return plan(binary_model("MUL", (1, 4, 4, 8), (1, 4, 4, 8), scales=(0.05, 0.02, 0.01), zero_points=(5, -7, 3),
                             options_name="MulOptions", fused_activation_function=0))


@pytest.mark.parametrize("fields", [
    {"input1_offset": 5}, {"input2_offset": -7}, {"output_offset": -3}, {"output_multiplier": -1},
    {"output_shift": 31}, {"output_shift": -32}, {"act_min": 10, "act_max": 9}, {"act_min": -129},
])
def test_bad_params_are_refused(fields):
    assert_bad_params_refused(_mul_plan(), "MUL", fields)


@pytest.mark.parametrize("tensor, fields", [
    (1, {"dim3": 4}),
    (2, {"dim1": 2}),
])
def test_bad_shapes_are_refused(tensor, fields):
    assert_bad_tensor_refused(_mul_plan(), tensor, fields, "TH_ERR_SHAPE")


# --- int16 (16x8 mode): the same MulElementwise, zero points 0 -----------------------------

from tests.ops import _binary16  # noqa: E402


def test_int16_prepare_matches_hand_arithmetic():
    # 2^-12 * 2^-10 / 2^-15 = 2^-7 = 0.5 * 2^-6; RELU6 clamps at 6 / 2^-15 = 196608 -> the int16 maximum.
    from hil.compiler.ops.mul import prepare_mul
    from hil.model.tflite import load_graph
    graph = load_graph(_binary16.model16("MUL", (4,), (4,), scales=(2.0 ** -12, 2.0 ** -10, 2.0 ** -15), activation=3))
    assert prepare_mul(graph.ops[0], graph).params == {
        "input1_offset": 0, "input2_offset": 0, "output_offset": 0,
        "output_multiplier": 1 << 30, "output_shift": -6, "act_min": 0, "act_max": 32767,
    }


@pytest.mark.parametrize("scales", [
    (2.0 ** -12, 2.0 ** -10, 2.0 ** -15),
    (1.0 / 32768, 1.0 / 32768, 1.0 / 32768),
    (3.1e-4, 1.7e-4, 2.0e-4),
    (1.0e-2, 1.0e-3, 1.0e-6),          # multiplier above one: the output saturates
])
def test_int16_every_input_matches_tflm(scales):
    _binary16.assert_every_pair_matches_tflm("MUL", scales)


@pytest.mark.parametrize("index", range(3))
def test_int16_unsupported_mul_is_rejected_with_reason(index):
    model, reason = _binary16.rejections16("MUL")[index]
    _binary16.assert_rejected("MUL", model, reason)


@pytest.mark.parametrize("fields", [
    {"input1_offset": 1}, {"input2_offset": -1}, {"output_offset": 1}, {"act_min": -32769}, {"act_max": 32768},
    {"output_shift": 31},
])
def test_int16_bad_params_are_refused(fields):
    _binary16.assert_bad_params16_refused("MUL", fields)


@pytest.mark.parametrize("tensor", [1, 2])
def test_int16_mixed_dtypes_are_refused(tensor):
    _binary16.assert_mixed_dtype_refused("MUL", tensor)


def test_int16_extreme_accepted_params_run_without_undefined_behaviour():
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    from hil.engine.host import run_sanitized
    blob = _binary16.plan16("MUL")
    patched = with_record_fields(blob, plan_format().op_params["MUL"], params_offset(blob),
                                 output_multiplier=(1 << 31) - 1, output_shift=30, act_min=-32768, act_max=32767)
    shape = (1, 4, 4, 8)
    lo, hi = np.full(shape, -32768, np.int16), np.full(shape, 32767, np.int16)
    run_sanitized(patched, [[lo, lo], [hi, hi], [lo, hi]], [shape])


def test_int16_6d_broadcast_matches_tflm():
    _binary16.assert_6d_broadcast_matches_tflm("MUL")
