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
    (1, {"dim3": 4, "bytes": 64}),
    (2, {"dim1": 2, "bytes": 64}),
])
def test_bad_shapes_are_refused(tensor, fields):
    assert_bad_tensor_refused(_mul_plan(), tensor, fields, "TH_ERR_SHAPE")
