"""PRELU: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.prelu import prelu_params
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.binary import binary_model
from hil.modelgen.zoo.prelu import CASES, prelu_model
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan
from tests.opcheck import assert_matches_tflm


def test_prepare_matches_hand_arithmetic():
    # identity 0.5 / 0.25 = 2 = 0.5 * 2^2; alpha 0.5 * 0.125 / 0.25 = 0.25 = 0.5 * 2^-1.
    assert prelu_params(0.5, 3, 0.125, -2, 0.25, -10) == {
        "input_offset": -3, "alpha_offset": 2, "output_offset": -10,
        "identity_multiplier": 1 << 30, "identity_shift": 2, "alpha_multiplier": 1 << 30, "alpha_shift": -1,
    }


@pytest.mark.parametrize("model, reason", [
    (lambda: binary_model("PRELU", (1, 8, 8, 16), (8,), out_shape=(1, 8, 8, 16)), "not broadcast-compatible"),
    (lambda: binary_model("PRELU", (4,), (4,), scales=(1e6, 1.0, 1e-6)), "too small"),
])
def test_unsupported_prelu_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (PRELU)" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


def test_every_input_value_matches_tflm():
    """All 256 int8 inputs against positive, negative and zero slopes."""
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256, 1)
    model = prelu_model((1, 256, 3), (3,), scales=(0.03, 0.01, 0.02), zero_points=(5, -3, -9),
                        alpha=np.array([40, -3, -120], np.int8))
    assert_matches_tflm(model, batch=[[np.repeat(x, 3, axis=2)]])


def _plan() -> bytes:
    """Input [1, 4, 4, 8] (tensor 0), alpha [8] (tensor 1, constant), output (tensor 2); zero points 5, -7, 3."""
    return plan(prelu_model((1, 4, 4, 8), (8,), scales=(0.05, 0.02, 0.04), zero_points=(5, -7, 3)))


@pytest.mark.parametrize("fields", [
    {"input_offset": 5}, {"alpha_offset": -7}, {"output_offset": 4}, {"identity_multiplier": -1},
    {"identity_shift": 31}, {"alpha_multiplier": -5}, {"alpha_shift": -32},
])
def test_bad_params_are_refused(fields):
    assert_bad_params_refused(_plan(), "PRELU", fields)


@pytest.mark.parametrize("tensor, fields", [
    (2, {"dim3": 4}),
    (2, {"dim1": 1}),
])
def test_bad_shapes_are_refused(tensor, fields):
    assert_bad_tensor_refused(_plan(), tensor, fields, "TH_ERR_SHAPE")
