"""MEAN over H and W: prepare-time arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.mean import fold_count, prepare_mean, resolve_axes
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.mean import CASES, mean_model
from hil.compiler.plan_format import params_offset, plan_format, tensor_offset, with_record_fields
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
                               "multiplier": (1 << 35) // 35, "shift": -2}


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
    (lambda: _mean(out_shape=(1, 4, 4), axes=(3,)), r"axes \[3\] is not supported"),
    (lambda: _mean(out_shape=(1, 4, 8), axes=(1,)), r"axes \[1\] is not supported"),
    (lambda: _mean(out_shape=(8,), axes=(0, 1, 2)), r"axes \[0, 1, 2\] is not supported"),
    (lambda: _mean(out_shape=(1, 8), axes=(-1, -2)), r"axes \[-1, -2\] is not supported"),
    (lambda: _mean(constant_axes=False), "constant INT32"),
    (lambda: _mean(in_shape=(4, 4, 8), axes=(0, 1)), "rank 3"),
    (lambda: _mean(out_shape=(1, 1, 1, 8), keep_dims=False), r"expected \[1, 8\]"),
    (lambda: _mean(out_shape=(1, 8), keep_dims=True), r"expected \[1, 1, 1, 8\]"),
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
        HostEngine(with_record_fields(blob, plan_format().tensor, tensor_offset(blob, tensor), **fields))
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


# --- int16 --------------------------------------------------------------------------------


def test_int16_nonzero_zero_points_match_tflm():
    """TFLM's QuantizedMeanOrSum takes int16 zero points like int8 ones."""
    assert_matches_tflm(mean_model((1, 5, 5, 4), False, (0.001, 100), (0.002, -300), dtype=np.int16))


def test_int16_extreme_inputs_match_tflm():
    model = CASES["s16_diff_scale_up"]()
    shape = (2, 5, 4, 6)
    assert_matches_tflm(model, batch=[[np.full(shape, -32768, np.int16)], [np.full(shape, 32767, np.int16)]])


def _mean16(in_shape=(1, 4, 4, 8), out_dtype=np.int16) -> bytes:
    b = ModelBuilder("mean16")
    x = b.input("x", in_shape, 0.001, 0, dtype=np.int16)
    axis = b.const("axis", np.array([1, 2], np.int32))
    y = b.tensor("y", (in_shape[0], in_shape[3]), out_dtype, 0.001, 0)
    b.op("MEAN", [x, axis], [y], "ReducerOptions", keep_dims=False)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _mean16(out_dtype=np.int8), "output must be INT16 too"),
    (lambda: _mean16(in_shape=(1, 256, 129, 1)), "up to 32768"),
])
def test_unsupported_int16_mean_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason):
        compile_model(model())


@pytest.mark.parametrize("fields", [{"input_zero_point": 40000}, {"output_zero_point": 5}])
def test_bad_int16_params_are_refused(fields):
    blob = compile_model(_mean16()).blob
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["MEAN"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_int16_window_beyond_the_int32_sum_is_refused():
    blob = compile_model(_mean16(in_shape=(2, 128, 256, 1))).blob   # 32768 values per mean: the most accepted
    HostEngine(blob)
    bad = with_record_fields(blob, plan_format().tensor, tensor_offset(blob, 0), dim0=1, dim1=256)   # same bytes
    with pytest.raises(EngineError) as info:
        HostEngine(bad)
    assert info.value.status == "TH_ERR_SHAPE"
