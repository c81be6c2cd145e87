"""AVERAGE_POOL_2D: prepare-time geometry, rejections, byte equality with TFLM, and plan validation.

The plan-validation tests cover MAX_POOL_2D too: it shares this op's validate."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.average_pool_2d import prepare_average_pool_2d
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.average_pool_2d import CASES, SAME, VALID, pool_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.model.tflite import load_graph
from tests.opcheck import assert_matches_tflm

# --- prepare: padding, output size and clamp, against values worked out by hand ------------


@pytest.mark.parametrize("shape, filter_hw, stride_hw, padding, expected_pad", [
    ((1, 8, 8, 4), (3, 3), (2, 2), SAME, (0, 0)),     # total pad 1: 0 before, 1 after
    ((1, 8, 8, 4), (4, 4), (2, 2), SAME, (1, 1)),     # total pad 2
    ((1, 11, 10, 3), (5, 3), (2, 3), SAME, (2, 1)),   # totals 4 and 2
    ((1, 7, 7, 8), (7, 7), (1, 1), SAME, (3, 3)),
    ((1, 10, 9, 4), (3, 3), (2, 2), VALID, (0, 0)),
])
def test_padding_is_tflm_total_halved(shape, filter_hw, stride_hw, padding, expected_pad):
    graph = load_graph(pool_model("AVERAGE_POOL_2D", shape, filter_hw, stride_hw, padding))
    params = prepare_average_pool_2d(graph.ops[0], graph).params
    assert (params["pad_h"], params["pad_w"]) == expected_pad
    assert (params["filter_h"], params["filter_w"], params["stride_h"], params["stride_w"]) == filter_hw + stride_hw


@pytest.mark.parametrize("activation, scale, zero_point, expected", [
    ("none", 0.05, -3, (-128, 127)),
    ("relu", 0.05, 10, (10, 127)),
    ("relu6", 0.06, -20, (-20, 80)),            # -20 + round(6 / 0.06)
    ("relu_n1_to_1", 0.02, 5, (-45, 55)),       # 5 -/+ round(1 / 0.02)
])
def test_fused_activation_range(activation, scale, zero_point, expected):
    graph = load_graph(pool_model("AVERAGE_POOL_2D", (1, 4, 4, 2), (2, 2), (2, 2), VALID, activation,
                                  scale=scale, zero_point=zero_point))
    params = prepare_average_pool_2d(graph.ops[0], graph).params
    assert (params["act_min"], params["act_max"]) == expected


# --- rejections ---------------------------------------------------------------------------


def _pool(in_shape, out_shape, out_q=(0.05, -3), filter_hw=(2, 2), stride_hw=(2, 2), padding=VALID) -> bytes:
    b = ModelBuilder("pool")
    x = b.input("x", in_shape, 0.05, -3)
    y = b.tensor("y", out_shape, np.int8, *out_q)
    b.op("AVERAGE_POOL_2D", [x], [y], "Pool2DOptions", padding=padding, stride_w=stride_hw[1],
         stride_h=stride_hw[0], filter_width=filter_hw[1], filter_height=filter_hw[0], fused_activation_function=0)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _pool((1, 4, 4, 2), (1, 2, 2, 2), out_q=(0.1, -3)), "quantized differently"),
    (lambda: _pool((1, 4, 4, 2), (1, 2, 2, 2), out_q=(0.05, 0)), "quantized differently"),
    (lambda: _pool((1, 4, 4, 2), (1, 3, 2, 2)), "padding and strides give"),
    (lambda: _pool((1, 4, 4, 2), (1, 1, 1, 2), filter_hw=(5, 2)), "does not fit"),
    (lambda: _pool((1, 4, 4, 2), (1, 2, 2, 2), filter_hw=(2, 2000)), "filter_width is 2000"),
    (lambda: _pool((4, 4, 2), (2, 2, 2)), "rank 3"),
])
def test_unsupported_pool_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (AVERAGE_POOL_2D)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_extreme_inputs_match_tflm():
    """Constant inputs: every window sum is at its extreme, and halves round away from zero."""
    model = CASES["same_3x3_s1"]()
    shape = (1, 7, 9, 8)
    lo, hi = np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)
    alternating = np.where(np.indices(shape).sum(axis=0) % 2 == 0, -128, 127).astype(np.int8)
    assert_matches_tflm(model, batch=[[lo], [hi], [alternating], [-alternating - 1]])


# --- plan validation: a corrupted plan is refused at load, named precisely ----------------








@pytest.fixture(params=["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def pool_plan(request):
    """Input [1, 8, 8, 4] (tensor 0), 3x3 stride 2 SAME, output [1, 4, 4, 4] (tensor 1); pads 0."""
    op_type = request.param
    return op_type, compile_model(pool_model(op_type, (1, 8, 8, 4), (3, 3), (2, 2), SAME)).blob


@pytest.mark.parametrize("fields", [
    {"stride_h": 0},
    {"stride_w": 1025},
    {"filter_h": 0},
    {"filter_w": 1025},
    {"pad_h": -1},
    {"pad_w": 3},                   # pad >= filter: the first window would be empty
    {"act_min": 10, "act_max": 9},
    {"act_max": 128},
    {"act_min": -129},
])
def test_bad_params_are_refused(pool_plan, fields):
    op_type, blob = pool_plan
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params[op_type], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == plan_format().op_ids[op_type]


@pytest.mark.parametrize("target, fields, status", [
    ("params", {"stride_h": 4}, "TH_ERR_SHAPE"),   # the 3rd and 4th output rows would start past the input
    ("params", {"stride_w": 3}, "TH_ERR_SHAPE"),   # the 4th column would start at 9 > 7
    ("output", {"dim3": 2}, "TH_ERR_SHAPE"),             # channels differ from the input's
    ("output", {"rank": 3, "dim0": 4, "dim1": 4, "dim2": 4, "dim3": 1}, "TH_ERR_SHAPE"),
    ("output", {"zero_point": 5}, "TH_ERR_BAD_TENSOR"),               # quantization differs from the input's
    ("input", {"dtype": 2, "dim3": 1}, "TH_ERR_BAD_TENSOR"),          # int32 input of the same bytes
])
def test_bad_shapes_are_refused(pool_plan, target, fields, status):
    op_type, blob = pool_plan
    fmt = plan_format()
    if target == "params":
        patched = with_record_fields(blob, fmt.op_params[op_type], params_offset(blob), **fields)
    else:
        patched = with_tensor_fields(blob, 0 if target == "input" else 1, **fields)
    with pytest.raises(EngineError) as info:
        HostEngine(patched)
    assert info.value.status == status


@pytest.mark.parametrize("pad, expected", [
    (1016, "global average"),   # window rows/cols [-1016, 8): the whole input
    (1023, "first pixel"),      # window [-1023, 1): only the first row and column are in bounds
])
def test_largest_accepted_window_runs_without_undefined_behaviour(pad, expected):
    """A 1024x1024 window with the largest pads validate accepts, over an 8x8 input, runs
    clean under ASan+UBSan; only in-bounds taps are averaged."""
    model = CASES["global_8x8_resnet"]()
    blob = compile_model(model).blob
    patched = with_record_fields(blob, plan_format().op_params["AVERAGE_POOL_2D"], params_offset(blob), filter_h=1024,
                     filter_w=1024, stride_h=1024, stride_w=1024, pad_h=pad, pad_w=pad)
    shape = (1, 8, 8, 16)
    batch = [[np.full(shape, v, np.int8)] for v in (-128, 127)]
    batch.append([np.random.default_rng(0).integers(-128, 128, shape, dtype=np.int8)])
    golden = TflmReference(model)
    for xs, outs in zip(batch, run_sanitized(patched, batch, [(1, 1, 1, 16)])):
        want = golden.run(xs)[0] if expected == "global average" else xs[0][:, :1, :1, :]
        np.testing.assert_array_equal(outs[0], want)


# --- int16 --------------------------------------------------------------------------------


def test_int16_activation_range_is_int16():
    graph = load_graph(CASES["s16_relu6_valid_2x2"]())
    params = prepare_average_pool_2d(graph.ops[0], graph).params
    assert (params["act_min"], params["act_max"]) == (0, 24576)   # 6 / (1/4096)


def _pool16(out_dtype=np.int16, filter_hw=(2, 2), in_shape=(1, 4, 4, 2)) -> bytes:
    b = ModelBuilder("pool16")
    x = b.input("x", in_shape, 0.001, 0, dtype=np.int16)
    out_shape = (1, in_shape[1] // filter_hw[0], in_shape[2] // filter_hw[1], in_shape[3])
    y = b.tensor("y", out_shape, out_dtype, 0.001, 0)
    b.op("AVERAGE_POOL_2D", [x], [y], "Pool2DOptions", padding=VALID, stride_w=filter_hw[1], stride_h=filter_hw[0],
         filter_width=filter_hw[1], filter_height=filter_hw[0], fused_activation_function=0)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _pool16(out_dtype=np.int8), "output must be INT16 too"),
    (lambda: _pool16(filter_hw=(257, 256), in_shape=(1, 257, 256, 1)), "at most 65536"),
])
def test_unsupported_int16_pool_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason):
        compile_model(model())


@pytest.fixture(params=["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def pool16_plan(request):
    return compile_model(pool_model(request.param, (1, 6, 6, 2), (6, 6), (6, 6), VALID, scale=0.001, zero_point=0,
                                    dtype=np.int16)).blob


@pytest.mark.parametrize("fields", [
    {"act_min": -32769},
    {"act_max": 32768},
    {"filter_h": 512, "filter_w": 256},    # 131072 int16 taps would overflow the int32 sum
])
def test_bad_int16_params_are_refused(pool16_plan, fields):
    layout = plan_format().op_params["AVERAGE_POOL_2D"]   # MAX_POOL_2D stores the same fields
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(pool16_plan, layout, params_offset(pool16_plan), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_int16_extreme_inputs_match_tflm():
    for op_type in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        model = pool_model(op_type, (1, 5, 5, 3), (3, 3), (2, 2), SAME, scale=0.001, zero_point=0, dtype=np.int16)
        shape = (1, 5, 5, 3)
        assert_matches_tflm(model, batch=[[np.full(shape, -32768, np.int16)], [np.full(shape, 32767, np.int16)]])
