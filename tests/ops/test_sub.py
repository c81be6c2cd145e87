"""SUB: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.add import add_params
from hil.errors import UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.zoo.binary import binary_model
from hil.modelgen.zoo.sub import CASES, sub_model
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan
from tests.opcheck import assert_matches_tflm


def test_prepare_matches_hand_arithmetic():
    # Scales 0.25, 0.125 -> 0.5: input multipliers 0.5 (2^30, 0) and 0.25 (2^30, -1); output 0.5 / (2^20 * 0.5).
    from hil.compiler.ops.sub import prepare_sub
    graph = load_graph(binary_model("SUB", (4,), (4,), scales=(0.25, 0.125, 0.5), zero_points=(3, -2, -10),
                                    options_name="SubOptions", fused_activation_function=1))
    assert prepare_sub(graph.ops[0], graph).params == {
        "left_shift": 20,
        "input1_offset": -3, "input1_multiplier": 1 << 30, "input1_shift": 0,
        "input2_offset": 2, "input2_multiplier": 1 << 30, "input2_shift": -1,
        "output_offset": -10, "output_multiplier": 1 << 30, "output_shift": -19,
        "act_min": -10, "act_max": 127,
    } == add_params(0.25, 3, 0.125, -2, 0.5, -10, -10, 127)


@pytest.mark.parametrize("model, reason", [
    (lambda: binary_model("SUB", (1, 8, 8, 16), (8,), out_shape=(1, 8, 8, 16), options_name="SubOptions"), "not broadcast-compatible"),
    (lambda: binary_model("SUB", (4,), (4,), scales=(1.0, 1.0, 1e-7), options_name="SubOptions"), "output scale"),
])
def test_unsupported_sub_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SUB)" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


def test_extreme_inputs_match_tflm():
    model = sub_model((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.9, 0.001, 0.02), seed=3)
    lo, hi = np.full((1, 4, 4, 8), -128, np.int8), np.full((1, 4, 4, 8), 127, np.int8)
    assert_matches_tflm(model, batch=[[lo, lo], [hi, hi], [lo, hi], [hi, lo]])


def _sub_plan() -> bytes:
    """Inputs [1, 4, 4, 8] (tensors 0, 1) and output (tensor 2), zero points 5, -7, 3."""
    return plan(binary_model("SUB", (1, 4, 4, 8), (1, 4, 4, 8), scales=(0.05, 0.02, 0.1), zero_points=(5, -7, 3),
                             options_name="SubOptions", fused_activation_function=0))


@pytest.mark.parametrize("fields", [
    {"left_shift": 23}, {"input1_offset": 5}, {"input2_offset": -7}, {"output_offset": -3},
    {"input2_multiplier": -1}, {"output_shift": 1}, {"act_min": 10, "act_max": 9},
])
def test_bad_params_are_refused(fields):
    assert_bad_params_refused(_sub_plan(), "SUB", fields)


@pytest.mark.parametrize("tensor, fields", [
    (1, {"dim3": 4}),   # [1,4,4,4] does not broadcast against [1,4,4,8]
    (2, {"dim2": 1}),   # output is not the broadcast shape
])
def test_bad_shapes_are_refused(tensor, fields):
    assert_bad_tensor_refused(_sub_plan(), tensor, fields, "TH_ERR_SHAPE")


# --- int16 (16x8 mode): as ADD, left shift 15, zero points 0 --------------------------------

from tests.ops import _binary16  # noqa: E402


def test_int16_prepare_matches_hand_arithmetic():
    # Scales 2^-10 each, output 2^-10: input multipliers 1/2 (2^30, 0), output 2^-9 / (2^15 * 2^-10) = 2^-14.
    from hil.compiler.ops.sub import prepare_sub
    graph = load_graph(_binary16.model16("SUB", (4,), (4,), scales=(2.0 ** -10,) * 3))
    assert prepare_sub(graph.ops[0], graph).params == {
        "left_shift": 15,
        "input1_offset": 0, "input1_multiplier": 1 << 30, "input1_shift": 0,
        "input2_offset": 0, "input2_multiplier": 1 << 30, "input2_shift": 0,
        "output_offset": 0, "output_multiplier": 1 << 30, "output_shift": -13,
        "act_min": -32768, "act_max": 32767,
    }


@pytest.mark.parametrize("scales", [
    (2.0 ** -10, 2.0 ** -10, 2.0 ** -10),
    (2.0 ** -12, 2.0 ** -9, 2.0 ** -8),
    (3.1e-4, 1.7e-4, 4.6e-4),
    (1.0e-3, 7.0e-5, 2.3e-4),
])
def test_int16_every_input_matches_tflm(scales):
    _binary16.assert_every_pair_matches_tflm("SUB", scales)


@pytest.mark.parametrize("index", range(3))
def test_int16_unsupported_sub_is_rejected_with_reason(index):
    model, reason = _binary16.rejections16("SUB")[index]
    _binary16.assert_rejected("SUB", model, reason)


@pytest.mark.parametrize("fields", [
    {"left_shift": 16}, {"input1_offset": 1}, {"output_offset": -1}, {"act_max": 32768},
])
def test_int16_bad_params_are_refused(fields):
    _binary16.assert_bad_params16_refused("SUB", fields)


@pytest.mark.parametrize("tensor", [0, 2])
def test_int16_mixed_dtypes_are_refused(tensor):
    _binary16.assert_mixed_dtype_refused("SUB", tensor)


@pytest.mark.parametrize("dtype, scales, zero_points, x1, x2, expected", [
    (np.int8, (0.01110037136822939, 0.06952224671840668, 0.08765840530395508), (15, -7, -11), 44, -119, 81),
    (np.int16, (0.0008069528848864138, 0.000809861405286938, 0.0005201722960919142), (0, 0, 0), -32649, -29573,
     -4606),
])
def test_multipliers_are_computed_in_double_as_the_wheel_does(dtype, scales, zero_points, x1, x2, expected):
    """Newer TFLM sources compute SUB's twice_max_input_scale and ratios in float32 (sub_common.cc); the pinned
    wheel computes them in double as ADD does.  With these scales the float32 multipliers give expected + 1."""
    model = binary_model("SUB", (1,), (1,), scales=scales, zero_points=zero_points, dtype=dtype,
                         options_name="SubOptions", fused_activation_function=0)
    batch = [[np.array([x1], dtype), np.array([x2], dtype)]]
    assert_matches_tflm(model, batch=batch)
    from hil.model.golden import TflmReference
    assert int(TflmReference(model).run(batch[0])[0][0]) == expected


def test_int16_6d_broadcast_matches_tflm():
    _binary16.assert_6d_broadcast_matches_tflm("SUB")
