"""ADD: prepare-time arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.add import add_params, broadcast_shape
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.add import ACTIVATIONS, CASES, add_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.model.tflite import load_graph
from tests.opcheck import assert_matches_tflm

# --- prepare arithmetic, against values worked out by hand ---------------------------------


def test_add_params_with_power_of_two_scales():
    # twice the max input scale is 0.5: input multipliers 0.5 and 0.25, output 0.5 / (2^20 * 0.5) = 2^-20.
    assert add_params(0.25, 3, 0.125, -2, 0.5, -10, -128, 127) == {
        "left_shift": 20,
        "input1_offset": -3, "input1_multiplier": 1 << 30, "input1_shift": 0,
        "input2_offset": 2, "input2_multiplier": 1 << 30, "input2_shift": -1,
        "output_offset": -10, "output_multiplier": 1 << 30, "output_shift": -19,
        "act_min": -128, "act_max": 127,
    }


def test_equal_input_scales_give_one_half_each():
    p = add_params(0.05, 0, 0.05, 0, 0.1, 0, -128, 127)
    assert (p["input1_multiplier"], p["input1_shift"]) == (1 << 30, 0)
    assert (p["input2_multiplier"], p["input2_shift"]) == (1 << 30, 0)


def test_input_multiplier_of_a_smaller_scale():
    # 0.75 / (2 * 3.0) = 0.125 = 0.5 * 2^-2.
    p = add_params(3.0, 0, 0.75, 0, 1.0, 0, -128, 127)
    assert (p["input2_multiplier"], p["input2_shift"]) == (1 << 30, -2)


@pytest.mark.parametrize("a, b, expected", [
    ((1, 8, 8, 16), (16,), (1, 8, 8, 16)),
    ((1, 8, 1, 16), (1, 1, 8, 16), (1, 8, 8, 16)),
    ((8, 16), (4, 8, 16), (4, 8, 16)),
    ((), (2, 3), (2, 3)),
    ((2, 1, 6, 1), (5, 1, 3), (2, 5, 6, 3)),
    ((3,), (4,), None),
    ((1, 8, 8, 16), (8,), None),
])
def test_broadcast_shape(a, b, expected):
    assert broadcast_shape(a, b) == expected


def _single_add(shape1, shape2, out_shape, scales=(0.1, 0.1, 0.5), output_zero_point=-10, activation="NONE"):
    b = ModelBuilder("add")
    x1 = b.input("x1", shape1, scale=scales[0], zero_point=0)
    x2 = b.input("x2", shape2, scale=scales[1], zero_point=0)
    y = b.tensor("y", out_shape, scale=scales[2], zero_point=output_zero_point)
    b.op("ADD", [x1, x2], [y], "AddOptions", fused_activation_function=ACTIVATIONS[activation])
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("activation, expected", [
    ("NONE", (-128, 127)),
    ("RELU", (-10, 127)),          # zero point + round(0 / 0.5)
    ("RELU6", (-10, 2)),           # -10 + round(6 / 0.5)
    ("RELU_N1_TO_1", (-12, -8)),   # -10 -/+ round(1 / 0.5)
])
def test_fused_activation_range(activation, expected):
    from hil.compiler.ops.add import prepare_add
    graph = load_graph(_single_add((4,), (4,), (4,), activation=activation))
    params = prepare_add(graph.ops[0], graph).params
    assert (params["act_min"], params["act_max"]) == expected


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _single_add((1, 8, 8, 16), (8,), (1, 8, 8, 16)), "not broadcast-compatible"),
    (lambda: _single_add((1, 8, 8, 16), (16,), (1, 8, 8, 8)), "not the broadcast shape"),
    (lambda: _single_add((1, 8, 1, 16), (1, 1, 8, 16), (1, 8, 1, 16)), "not the broadcast shape"),
    (lambda: _single_add((4,), (4,), (4,), scales=(1.0, 1.0, 1e-7)), "output scale"),
    (lambda: _single_add((1, 1, 1, 1, 2, 2, 4), (4,), (1, 1, 1, 1, 2, 2, 4)), "rank 7"),
])
def test_unsupported_add_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (ADD)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_extreme_inputs_match_tflm():
    """All-minimum and all-maximum inputs, where the offsets and clamps are stretched most."""
    model = add_model((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.9, 0.001, 0.02), seed=3)
    lo, hi = np.full((1, 4, 4, 8), -128, np.int8), np.full((1, 4, 4, 8), 127, np.int8)
    assert_matches_tflm(model, batch=[[lo, lo], [hi, hi], [lo, hi], [hi, lo]])


# --- plan validation: a corrupted plan is refused at load, named precisely ----------------








def _add_plan() -> bytes:
    """Two inputs [1, 4, 4, 8] (tensors 0 and 1) and output (tensor 2), zero points -5, 7, 3."""
    b = ModelBuilder("add")
    x1 = b.input("x1", (1, 4, 4, 8), scale=0.05, zero_point=-5)
    x2 = b.input("x2", (1, 4, 4, 8), scale=0.02, zero_point=7)
    y = b.tensor("y", (1, 4, 4, 8), scale=0.1, zero_point=3)
    b.op("ADD", [x1, x2], [y], "AddOptions", fused_activation_function=0)
    b.mark_output(y)
    return compile_model(b.build()).blob


@pytest.mark.parametrize("fields", [
    {"left_shift": 23},
    {"left_shift": -1},
    {"input1_offset": 6},            # not -zero point of input 1
    {"input2_offset": -(1 << 31)},
    {"output_offset": 4},
    {"input1_multiplier": -1},
    {"input2_shift": -32},
    {"output_shift": 1},
    {"act_min": 10, "act_max": 9},
    {"act_max": 128},
])
def test_bad_params_are_refused(fields):
    blob = _add_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["ADD"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == plan_format().op_ids["ADD"]


@pytest.mark.parametrize("tensor, fields", [
    (1, {"dim3": 4}),     # [1,4,4,4] does not broadcast against [1,4,4,8]
    (2, {"dim3": 4}),     # output is not the broadcast shape
    (2, {"dim2": 1}),
])
def test_bad_shapes_are_refused(tensor, fields):
    blob = _add_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == "TH_ERR_SHAPE"


def test_extreme_accepted_params_run_without_undefined_behaviour():
    """The largest left shift and multipliers validate accepts still run clean under ASan+UBSan."""
    blob = _add_plan()
    int32_max = (1 << 31) - 1
    patched = with_record_fields(blob, plan_format().op_params["ADD"], params_offset(blob), left_shift=22,
                     input1_multiplier=int32_max, input1_shift=0, input2_multiplier=int32_max, input2_shift=0,
                     output_multiplier=int32_max, output_shift=0)
    also = with_record_fields(blob, plan_format().op_params["ADD"], params_offset(blob), input1_shift=-31, input2_shift=-31,
                  output_shift=-31, output_multiplier=0)
    shape = (1, 4, 4, 8)
    lo, hi = np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)
    for plan in (patched, also):
        run_sanitized(plan, [[lo, lo], [hi, hi], [lo, hi]], [shape])


# --- int16 (16x8 mode): TFLM's general-scale int16 path, left shift 15, zero points 0 ------

from tests.ops import _binary16  # noqa: E402


def test_add_params_int16_power_of_two_scales():
    # twice the max input scale is 2^-9: input multipliers 1/8 and 1/2, output 2^-9 / (2^15 * 2^-9) = 2^-15.
    assert add_params(2.0 ** -12, 0, 2.0 ** -10, 0, 2.0 ** -9, 0, -32768, 32767, left_shift=15) == {
        "left_shift": 15,
        "input1_offset": 0, "input1_multiplier": 1 << 30, "input1_shift": -2,
        "input2_offset": 0, "input2_multiplier": 1 << 30, "input2_shift": 0,
        "output_offset": 0, "output_multiplier": 1 << 30, "output_shift": -14,
        "act_min": -32768, "act_max": 32767,
    }


def test_int16_prepare_uses_left_shift_15_and_the_int16_clamp():
    from hil.compiler.ops.add import prepare_add
    graph = load_graph(_binary16.model16("ADD", (4,), (4,), scales=(2.0 ** -12, 2.0 ** -10, 2.0 ** -9), activation=3))
    params = prepare_add(graph.ops[0], graph).params
    assert params == add_params(2.0 ** -12, 0, 2.0 ** -10, 0, 2.0 ** -9, 0, 0, 3072, left_shift=15)  # 6 / 2^-9


@pytest.mark.parametrize("scales", [
    (2.0 ** -12, 2.0 ** -10, 2.0 ** -9),        # powers of two (TFLM's pot special case is not what it runs)
    (1.0 / 32768, 1.0 / 32768, 1.0 / 16384),
    (3.1e-4, 1.7e-4, 4.6e-4),
    (1.0e-3, 7.0e-5, 2.3e-4),                   # output saturates
])
def test_int16_every_input_matches_tflm(scales):
    _binary16.assert_every_pair_matches_tflm("ADD", scales)


@pytest.mark.parametrize("index", range(3))
def test_int16_unsupported_add_is_rejected_with_reason(index):
    model, reason = _binary16.rejections16("ADD")[index]
    _binary16.assert_rejected("ADD", model, reason)


def test_int16_output_scale_too_small_is_rejected():
    _binary16.assert_rejected("ADD", lambda: _binary16.model16("ADD", (4,), (4,), scales=(1.0, 1.0, 1e-5)),
                              r"2\^15 \* output scale")


@pytest.mark.parametrize("fields", [
    {"left_shift": 16}, {"input1_offset": 1}, {"input2_offset": -1}, {"output_offset": 1},
    {"act_min": -32769}, {"act_max": 32768}, {"act_min": 5, "act_max": 4}, {"output_shift": 1},
])
def test_int16_bad_params_are_refused(fields):
    _binary16.assert_bad_params16_refused("ADD", fields)


@pytest.mark.parametrize("tensor", [1, 2])
def test_int16_mixed_dtypes_are_refused(tensor):
    _binary16.assert_mixed_dtype_refused("ADD", tensor)


def test_int16_extreme_accepted_params_run_without_undefined_behaviour():
    blob = _binary16.plan16("ADD")
    int32_max = (1 << 31) - 1
    patched = with_record_fields(blob, plan_format().op_params["ADD"], params_offset(blob), left_shift=15,
                                 input1_multiplier=int32_max, input1_shift=0, input2_multiplier=int32_max,
                                 input2_shift=0, output_multiplier=int32_max, output_shift=0, act_min=-32768,
                                 act_max=32767)
    shape = (1, 4, 4, 8)
    lo, hi = np.full(shape, -32768, np.int16), np.full(shape, 32767, np.int16)
    run_sanitized(patched, [[lo, lo], [hi, hi], [lo, hi]], [shape])


def test_int16_6d_broadcast_matches_tflm():
    _binary16.assert_6d_broadcast_matches_tflm("ADD")
