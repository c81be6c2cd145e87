"""MEAN over any axes: prepare-time arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.mean import fold_count, prepare_mean, resolve_axes
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.mean import CASES, mean_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.model.tflite import load_graph
from tests.opcheck import assert_matches_tflm

# --- prepare arithmetic, against values worked out by hand ---------------------------------


@pytest.mark.parametrize("multiplier, shift, count, expected", [
    # Equal scales: QuantizeMultiplier(1.0) = (2^30, 1); 36 = 2^5 + 4 folds 5 bits: 2^35 // 36.
    (1 << 30, 1, 36, (954437176, -4)),
    # A power-of-two count folds exactly.
    (1 << 30, 1, 64, (1 << 30, -5)),
    (1 << 30, 1, 1, (1 << 30, 1)),
    # shift -24 allows only 31 - 24 = 7 of the 8 bits of 490: TFLM's precision loss, kept.
    (1 << 30, -24, 490, ((1 << 37) // 490, -31)),
    (0, 0, 100, (0, -6)),
])
def test_fold_count_is_tflm_adjustment(multiplier, shift, count, expected):
    assert fold_count(multiplier, shift, count) == expected


@pytest.mark.parametrize("axes, expected", [
    ([1, 2], [1, 2]),
    ([2, 1], [2, 1]),
    ([-3, -2], [1, 2]),
    ([1, 2, -3], [1, 2]),
    ([3], [3]),
])
def test_resolve_axes(axes, expected):
    assert resolve_axes(axes, 4) == expected


def test_prepare_params_for_different_quantization():
    # 0.5 / 0.125 = 4 = 0.5 * 2^3 -> (2^30, 3); count 35 folds 5 bits: (2^30 << 5) // 35, shift 3 - 5.
    graph = load_graph(mean_model((1, 7, 5, 8), True, (0.5, -3), (0.125, 7)))
    prepared = prepare_mean(graph.ops[0], graph)
    assert prepared.inputs == [graph.ops[0].inputs[0]]   # the axis tensor is consumed at compile time
    assert prepared.params == {"input_zero_point": -3, "output_zero_point": 7,
                               "multiplier": (1 << 35) // 35, "shift": -2, "axes": 0b0110}


def test_prepare_params_for_channel_axis():
    # Axis -1 of [2, 3, 4, 6]: count 6 folds 2 bits of QuantizeMultiplier(0.5 / 0.25 = 0.5 * 2^2) = (2^30, 2).
    graph = load_graph(mean_model((2, 3, 4, 6), False, (0.5, 1), (0.25, -1), axes=(-1,)))
    prepared = prepare_mean(graph.ops[0], graph)
    assert prepared.params == {"input_zero_point": 1, "output_zero_point": -1,
                               "multiplier": (1 << 32) // 6, "shift": 0, "axes": 0b1000}


# --- rejections ---------------------------------------------------------------------------


def _mean(in_shape=(1, 4, 4, 8), out_shape=(1, 8), axes=(1, 2), keep_dims=False, constant_axes=True) -> bytes:
    b = ModelBuilder("mean")
    x = b.input("x", in_shape, 0.05, -3)
    if constant_axes:
        axis = b.const("axis", np.array(axes, dtype=np.int32))
    else:
        axis = b.tensor("axis", (len(axes),), np.int32)
    y = b.tensor("y", out_shape, np.int8, 0.05, -3)
    b.op("MEAN", [x, axis], [y], "ReducerOptions", keep_dims=keep_dims)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _mean(out_shape=(1, 4, 4), axes=(4,)), r"has 4, outside \[-4, 3\]"),
    (lambda: _mean(out_shape=(1, 4, 4), axes=(-5,)), r"has -5, outside \[-4, 3\]"),
    (lambda: _mean(out_shape=(1, 4, 4), axes=(1,)), r"expected \[1, 4, 8\]"),
    (lambda: _mean(constant_axes=False), "constant INT32"),
    (lambda: _mean(out_shape=(1, 1, 1, 8), keep_dims=False), r"expected \[1, 8\]"),
    (lambda: _mean(out_shape=(1, 8), keep_dims=True), r"expected \[1, 1, 1, 8\]"),
    (lambda: _mean(in_shape=(1, 2048, 4096, 1), out_shape=(1, 1)), "reducing 8388608 values"),
])
def test_unsupported_mean_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (MEAN)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_equal_quantization_requantizes_too():
    """TFLM's int8 MEAN has no separate integer-average path for equal quantization any more:
    the mean of -1 and -2 with zero point 3 is -1 (requantized), where a truncating
    average of the raw values would also give -1 but -2 and -3 give -2 (not -3)."""
    model = mean_model((1, 2, 1, 1), False, (0.1, 3))
    pairs = [(-1, -2), (-2, -3), (5, 6), (-128, -127), (127, 126), (0, -1)]
    batch = [[np.array(p, np.int8).reshape(1, 2, 1, 1)] for p in pairs]
    assert_matches_tflm(model, batch=batch)


def test_extreme_inputs_match_tflm():
    shape = (1, 25, 5, 16)
    model = CASES["kws_like_25x5"]()
    lo, hi = np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)
    assert_matches_tflm(model, batch=[[lo], [hi]])


# --- plan validation: a corrupted plan is refused at load, named precisely ----------------








def _mean_plan() -> bytes:
    """Input [1, 7, 5, 8] zero point -3 (tensor 0), output [1, 1, 1, 8] zero point 7 (tensor 1)."""
    return compile_model(mean_model((1, 7, 5, 8), True, (0.05, -3), (0.02, 7))).blob


@pytest.mark.parametrize("fields", [
    {"input_zero_point": 4},          # not the input tensor's
    {"output_zero_point": -7},        # not the output tensor's
    {"input_zero_point": 200},
    {"multiplier": -1},
    {"shift": 31},
    {"shift": -32},
])
def test_bad_params_are_refused(fields):
    blob = _mean_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == plan_format().op_ids["MEAN"]


@pytest.mark.parametrize("fields", [{"axes": 16}, {"axes": -1}])   # a dim the rank-4 input lacks
def test_bad_axes_are_refused(fields):
    blob = _mean_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_axes_disagreeing_with_the_output_are_refused():
    blob = _mean_plan()   # axes [1, 2]; reducing [1] alone wants output [1, 1, 5, 8]
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), axes=0b0010))
    assert info.value.status == "TH_ERR_SHAPE"


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim1": 2, "dim3": 4}, "TH_ERR_SHAPE"),                         # [1, 2, 1, 4]: not [n, 1, 1, c]
    (1, {"rank": 3, "dim0": 1, "dim1": 1, "dim2": 8, "dim3": 1}, "TH_ERR_SHAPE"),
    (1, {"rank": 2, "dim0": 8, "dim1": 1, "dim2": 1, "dim3": 1}, "TH_ERR_SHAPE"),  # [8, 1]: not [n, c]
    (0, {"rank": 3, "dim0": 7, "dim1": 5, "dim2": 8, "dim3": 1}, "TH_ERR_SHAPE"),  # input not 4-D
    (0, {"dtype": 2, "dim0": 1, "dim1": 7, "dim2": 5, "dim3": 2}, "TH_ERR_BAD_TENSOR"),  # int32 input
])
def test_bad_shapes_are_refused(tensor, fields, status):
    blob = _mean_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status


@pytest.mark.parametrize("fields", [
    {"multiplier": (1 << 31) - 1, "shift": 30},   # every sum saturates; the add wraps instead of overflowing
    {"multiplier": (1 << 31) - 1, "shift": -31},
    {"multiplier": 0, "shift": 0},
])
def test_extreme_accepted_params_run_without_undefined_behaviour(fields):
    blob = _mean_plan()
    patched = with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), **fields)
    shape = (1, 7, 5, 8)
    batch = [[np.full(shape, v, np.int8)] for v in (-128, 127, -3)]
    run_sanitized(patched, batch, [(1, 1, 1, 8)])


# --- int16: the same QuantizedMeanOrSum, int32 sums ---------------------------------------

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)


def test_int16_prepare_matches_hand_arithmetic():
    # 2^-12 / 2^-13 = 2 = 0.5 * 2^2: (2^30, 2); count 4 folds two more bits: (2^32 // 4, 0).
    from hil.compiler.ops.mean import prepare_mean
    graph = load_graph(mean_model((1, 2, 2, 3), False, (2.0 ** -12, 5), (2.0 ** -13, -7), dtype=np.int16))
    assert prepare_mean(graph.ops[0], graph).params == {"input_zero_point": 5, "output_zero_point": -7,
                                                        "multiplier": 1 << 30, "shift": 0, "axes": 0b0110}


@pytest.mark.parametrize("input_q, output_q", [
    ((3.1e-4, 0), (3.1e-4, 0)),                 # equal quantization (the converter's)
    ((2.0 ** -12, 0), (2.0 ** -13, 0)),          # powers of two, the output saturates
    ((1.7e-4, 1000), (2.9e-4, -3000)),           # other scales and zero points
])
def test_int16_every_input_matches_tflm(input_q, output_q):
    """Every int16 value, paired with its neighbour and with its mirror, averaged over an axis of 2."""
    model = mean_model((32768, 2), False, input_q, output_q, axes=(1,), dtype=np.int16)
    mirrored = np.stack([ALL_INT16[:32768], ALL_INT16[32768:][::-1]], axis=1)
    assert_matches_tflm(model, batch=[[ALL_INT16.reshape(32768, 2)], [mirrored]], sanitize=False)


def test_int16_largest_count_matches_tflm():
    """2^15 values per output at the int16 extremes and the zero point's far side: the sum stays exact."""
    shape = (1, 128, 256, 2)
    model = mean_model(shape, True, (1.0e-4, -32768), (3.0e-4, 32767), dtype=np.int16)
    batch = [[np.full(shape, v, np.int16)] for v in (-32768, 32767)]
    assert_matches_tflm(model, batch=batch, sanitize=False)


def _mean16(in_shape=(1, 4, 4, 8), out_shape=(1, 8), out_dtype=np.int16, op="MEAN", out_zp=0) -> bytes:
    b = ModelBuilder("mean16")
    x = b.input("x", in_shape, 3e-4, 0, dtype=np.int16)
    axis = b.const("axis", np.array((1, 2), dtype=np.int32))
    y = b.tensor("y", out_shape, out_dtype, 3e-4, out_zp)
    b.op(op, [x, axis], [y], "ReducerOptions", keep_dims=False)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason, op", [
    (lambda: _mean16(in_shape=(1, 256, 256, 1), out_shape=(1, 1)), "reducing 65536 values per output; the engine supports up to 32768", "MEAN"),
    (lambda: _mean16(out_dtype=np.int8), "with an INT16 input the output must be INT16", "MEAN"),
    (lambda: _mean16(op="SUM"), "is INT16, the engine supports only INT8", "SUM"),
])
def test_int16_unsupported_mean_is_rejected_with_reason(model, reason, op):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert f"op 0 ({op})" in str(info.value)


def _mean16_plan() -> bytes:
    """int16 input [1, 7, 5, 8] zero point 100 (tensor 0), output [1, 1, 1, 8] zero point -200 (tensor 1)."""
    return compile_model(mean_model((1, 7, 5, 8), True, (3e-4, 100), (2e-4, -200), dtype=np.int16)).blob


@pytest.mark.parametrize("fields", [
    {"input_zero_point": 101}, {"output_zero_point": -199}, {"input_zero_point": 32768},
    {"output_zero_point": -32769}, {"shift": 31}, {"multiplier": -1},
])
def test_int16_bad_params_are_refused(fields):
    blob = _mean16_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dtype": 1}, "TH_ERR_BAD_TENSOR"),     # int8 output of an int16 input
    (0, {"dtype": 1}, "TH_ERR_BAD_TENSOR"),   # int8 input of an int16 output
])
def test_int16_mixed_dtypes_are_refused(tensor, fields, status):
    blob = _mean16_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status


def test_int16_count_above_two_to_the_fifteen_is_refused():
    """A plan reducing 2^16 values per output (the int32 sum could overflow) is refused at load:
    [1, 128, 256, 2] over H and W patched to [1, 256, 256, 1] (the same bytes) and its output to [1, 1, 1, 1]."""
    blob = compile_model(mean_model((1, 128, 256, 2), True, (3e-4, 0), (3e-4, 0), dtype=np.int16)).blob
    blob = with_tensor_fields(blob, 0, dim1=256, dim3=1)
    blob = with_tensor_fields(blob, 1, dim3=1)
    with pytest.raises(EngineError) as info:
        HostEngine(blob)
    assert info.value.status == "TH_ERR_SHAPE"
    assert "32768" in str(info.value) and "65536" in str(info.value)


def test_int16_extreme_accepted_params_run_without_undefined_behaviour():
    blob = _mean16_plan()
    shape = (1, 7, 5, 8)
    batch = [[np.full(shape, v, np.int16)] for v in (-32768, 32767, 100)]
    for fields in ({"multiplier": (1 << 31) - 1, "shift": 30}, {"multiplier": (1 << 31) - 1, "shift": -31}):
        patched = with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), **fields)
        run_sanitized(patched, batch, [(1, 1, 1, 8)])
