"""FULLY_CONNECTED: prepare-time arithmetic, rejections, byte equality with TFLM (zoo
cases and every layer of the reference models), and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.fully_connected import prepare_fully_connected
from hil.engine.host import HostEngine
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference, random_inputs
from hil.modelgen.builder import ModelBuilder
from hil.model.layers import layer_model
from hil.modelgen.zoo.fully_connected import CASES, fully_connected_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.compiler.quant import quantize_multiplier
from hil.model.tflite import load_graph
from tests.conftest import shared_model
from tests.opcheck import assert_matches_tflm, assert_same_outputs


def _fc(input_shape=(1, 8), units=4, scales=(0.5, [0.25], 0.125), bias_scale=None, output_shape=None,
        filter_shape=None, filter_zero_point=0, weights_format=0, activation=0) -> bytes:
    """A FULLY_CONNECTED with hand-picked quantization and all-ones weights."""
    b = ModelBuilder("fc")
    x = b.input("x", input_shape, scale=scales[0], zero_point=3)
    filter_shape = filter_shape or (units, input_shape[-1])
    w = b.const("w", np.ones(filter_shape, np.int8), scale=scales[1], zero_point=filter_zero_point)
    bias = -1
    if bias_scale is not None:
        bias = b.const("bias", np.arange(units, dtype=np.int32), scale=bias_scale, zero_point=0)
    batches = int(np.prod(input_shape)) // filter_shape[1]
    y = b.tensor("y", output_shape or (batches, units), scale=scales[2], zero_point=-4)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions", fused_activation_function=activation,
         weights_format=weights_format, keep_num_dims=False)
    b.mark_output(y)
    return b.build()


def _prepare(model: bytes):
    graph = load_graph(model)
    return prepare_fully_connected(graph.ops[0], graph)


# --- prepare arithmetic -------------------------------------------------------------------


def test_per_tensor_params():
    prepared = _prepare(_fc(bias_scale=0.125))
    assert prepared.params == {"input_offset": -3, "filter_offset": 0, "output_offset": -4, "act_min": -128,
                               "act_max": 127, "quant_count": 1}
    assert (prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist()) == ([1 << 30], [1])
    assert prepared.macs == 8 * 4


def test_per_tensor_multiplier_takes_the_scale_product_in_double():
    """The pinned TFLM widens both scales before multiplying (older releases multiplied in
    float32); these scales give different multipliers the two ways."""
    x, w, y = np.float32(0.0231), np.float32(0.00417), np.float32(0.0507)
    in_double = quantize_multiplier(float(x) * float(w) / float(y))
    assert in_double != quantize_multiplier(float(x * w) / float(y))  # x, w are float32
    prepared = _prepare(_fc(scales=(x, [w], y)))
    assert (prepared.arrays["multipliers"][0], prepared.arrays["shifts"][0]) == in_double


def test_per_channel_filter_gets_a_multiplier_per_unit():
    scales = np.array([0.01, 0.02, 0.004, 0.3], np.float32)
    prepared = _prepare(_fc(scales=(0.047, scales, 0.31)))
    x, out = float(np.float32(0.047)), float(np.float32(0.31))
    expected = [quantize_multiplier(x * float(s) / out) for s in scales]
    assert prepared.params["quant_count"] == 4
    assert list(zip(prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist())) == expected


def test_4d_input_is_read_as_batches_of_the_filter_depth():
    prepared = _prepare(_fc(input_shape=(2, 2, 2, 8), units=6, filter_shape=(6, 16)))
    assert prepared.macs == 4 * 6 * 16


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _fc(filter_zero_point=1), "non-zero zero points"),
    (lambda: _fc(weights_format=1), "weights_format 1"),
    (lambda: _fc(bias_scale=0.5), "TFLM refuses this model"),
    (lambda: _fc(input_shape=(1, 10), filter_shape=(4, 8)), "not a multiple of the filter's depth 8"),
    (lambda: _fc(output_shape=(1, 5)), r"1 batch\(es\) of 4 are expected"),
    (lambda: _fc(input_shape=(1, 70000)), "more than 65536"),
    (lambda: _fc(scales=(0.5, [0.1, 0.2], 0.1)), "per-channel quantization needs 4"),
    (lambda: _fc(scales=(1000.0, [1000.0], 1e-6)), "too large"),
])
def test_unsupported_fully_connected_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (FULLY_CONNECTED)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_extreme_inputs_match_tflm():
    model = fully_connected_model((2, 64), 16, activation="RELU", per_channel=True, seed=21)
    shape = (2, 64)
    assert_matches_tflm(model, batch=[[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]])


@pytest.mark.shared
@pytest.mark.parametrize("name", ["ad01_int8.tflite", "hello_world_int8.tflite", "vww_96_int8.tflite",
                                  "kws_ref_model.tflite", "pretrainedResnet_quant.tflite"])
def test_every_fully_connected_layer_of_a_reference_model_matches_tflm(name):
    model = shared_model(name).read_bytes()
    layers = [op.index for op in load_graph(model).ops if op.type == "FULLY_CONNECTED"]
    assert layers
    for index in layers:
        assert_matches_tflm(layer_model(model, index), num_inputs=3, seed=index)


@pytest.mark.shared
def test_ad01_inputs_that_expose_a_float32_scale_product():
    """Seeds 116 and 254 give a different ad01_int8 output when the per-tensor multipliers
    come from the float32 product of the scales."""
    model = shared_model("ad01_int8.tflite").read_bytes()
    assert_matches_tflm(model, batch=[random_inputs([(1, 640)], seed) for seed in (116, 254)])


# --- plan validation ----------------------------------------------------------------------








def _fc_plan(per_channel: bool = False) -> bytes:
    """Input [2, 32] (tensor 0), filter [8, 32] (1), bias [8] (2), output [2, 8] (3)."""
    return compile_model(fully_connected_model((2, 32), 8, per_channel=per_channel, seed=5)).blob


@pytest.mark.parametrize("per_channel, fields", [
    (False, {"input_offset": 999}),
    (False, {"filter_offset": 1}),           # not -zero point of the filter
    (False, {"output_offset": -(1 << 31)}),
    (False, {"act_min": 100, "act_max": 99}),
    (False, {"quant_count": 0}),
    (True, {"quant_count": 4}),
    (True, {"shifts_offset": 1 << 31}),
    (True, {"words_offset": 2}),             # misaligned
    (False, {"shift_base": 30}),             # packed: shift_base + 1 past 30
])
def test_bad_params_are_refused(per_channel, fields):
    blob = _fc_plan(per_channel)
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["FULLY_CONNECTED"], params_offset(blob), **fields))
    assert info.value.status in ("TH_ERR_BAD_PARAMS", "TH_ERR_BOUNDS")
    assert info.value.details["op_type"] == plan_format().op_ids["FULLY_CONNECTED"]


@pytest.mark.parametrize("tensor, fields", [
    (1, {"rank": 3, "dim0": 2, "dim1": 4, "dim2": 32}),    # filter is not 2-D
    (1, {"dim0": 4, "dim1": 64}),                          # input is 1 batch of 64, output has 2 of 8
    (3, {"dim0": 4, "dim1": 4}),                           # output's last dim is not the units
    (2, {"dim0": 4}),                         # bias of 4 for 8 units
])
def test_bad_shapes_are_refused(tensor, fields):
    blob = _fc_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == "TH_ERR_SHAPE"
    assert info.value.details["op_type"] == plan_format().op_ids["FULLY_CONNECTED"]


def test_input_of_any_rank_with_the_same_values_is_accepted():
    """TFLM reads the input as [batches, depth] whatever its shape: [1, 64] is 2 batches of 32,
    so the engine given the same 64 values as [1, 64] answers what TFLM answers for [2, 32]."""
    model = fully_connected_model((2, 32), 8, seed=5)
    blob = compile_model(model).blob
    engine = HostEngine(with_tensor_fields(blob, 0, dim0=1, dim1=64))
    golden = TflmReference(model)
    for seed in range(3):
        (x,) = random_inputs([(1, 64)], seed)
        assert_same_outputs(engine.run([x]), golden.run([x.reshape(2, 32)]), f"[1, 64] input, seed {seed}")


@pytest.mark.parametrize("units, depth, batches, zero_point", [(10, 37, 3, 5), (7, 64, 2, -128), (16, 13, 1, 127)])
def test_filter_zero_point_matches_tflm(units, depth, batches, zero_point):
    """The compiler refuses asymmetric weights, but the engine takes a filter offset as TFLM's
    reference kernel does: the plan of the symmetric model, given the zero point, answers what
    TFLM answers for the same weight bytes with that zero point."""
    blob = compile_model(fully_connected_model((batches, depth), units, seed=units)).blob
    fmt = plan_format()
    blob = with_tensor_fields(blob, 1, zero_point=zero_point)
    blob = with_record_fields(blob, fmt.op_params["FULLY_CONNECTED"], params_offset(blob), filter_offset=-zero_point)
    engine = HostEngine(blob)
    golden = TflmReference(fully_connected_model((batches, depth), units, seed=units, weights_zero_point=zero_point))
    for seed in range(3):
        xs = random_inputs([(batches, depth)], seed)
        assert_same_outputs(engine.run(xs), golden.run(xs), f"filter zero point {zero_point}, seed {seed}")


# --- 16x8: int16 activations, int8 weights, int64 (or int32) bias ------------------------


def test_16x8_prepare_has_no_offsets_and_an_int16_clamp():
    graph = load_graph(CASES["s16_per_tensor_int64_bias_relu"]())
    prepared = prepare_fully_connected(graph.ops[0], graph)
    assert (prepared.params["input_offset"], prepared.params["filter_offset"], prepared.params["output_offset"]) \
        == (0, 0, 0)
    assert (prepared.params["act_min"], prepared.params["act_max"]) == (0, 32767)
    x, w, y = (graph.tensors[i] for i in (0, 1, 3))
    assert (prepared.arrays["multipliers"][0], prepared.arrays["shifts"][0]) == \
        quantize_multiplier(float(x.scale[0]) * float(w.scale[0]) / float(y.scale[0]))


def _fc16_zero_bias(bias_dtype) -> bytes:
    """A 16x8 FULLY_CONNECTED [8,40] -> [8,6] with a zero bias of `bias_dtype` (None: absent)."""
    rng = np.random.default_rng(1)
    b = ModelBuilder("fc16")
    x = b.input("x", (8, 40), scale=3e-4, zero_point=0, dtype=np.int16)
    w = b.const("w", rng.integers(-127, 128, (6, 40), dtype=np.int8), scale=0.01, zero_point=0)
    bias = -1 if bias_dtype is None else b.const("b", np.zeros(6, bias_dtype), scale=np.float32(3e-4) * np.float32(0.01),
                                                  zero_point=0)
    y = b.tensor("y", (8, 6), dtype=np.int16, scale=0.003, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions", fused_activation_function=0,
         weights_format=0, keep_num_dims=False)
    b.mark_output(y)
    return b.build()


def test_16x8_accumulator_follows_the_bias_type():
    """The pinned TFLM requantizes in int64 (multiplier rounded to 16 bits) without a bias or with
    an int64 one, in int32 (full multiplier) with an int32 one: the same sums can round apart."""
    xs = [np.random.default_rng(seed).integers(-32768, 32768, (8, 40), dtype=np.int16) for seed in range(4)]
    tflm = {}
    for bias_dtype in (None, np.int64, np.int32):
        model = _fc16_zero_bias(bias_dtype)
        assert_matches_tflm(model, batch=[[x] for x in xs])
        tflm[bias_dtype] = np.stack([TflmReference(model).run([x])[0] for x in xs])
    assert np.array_equal(tflm[None], tflm[np.int64])
    assert not np.array_equal(tflm[np.int64], tflm[np.int32])


@pytest.mark.parametrize("fields", [{"input_offset": 1}, {"filter_offset": 1}, {"output_offset": 1},
                                    {"act_min": -40000}])
def test_bad_16x8_params_are_refused(fields):
    blob = compile_model(CASES["s16_per_tensor_int64_bias_relu"]()).blob
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["FULLY_CONNECTED"], params_offset(blob),
                                      **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_16x8_int8_output_is_rejected():
    b = ModelBuilder("fc16")
    x = b.input("x", (1, 8), scale=1 / 32768, zero_point=0, dtype=np.int16)
    w = b.const("w", np.ones((4, 8), np.int8), scale=0.01, zero_point=0)
    y = b.tensor("y", (1, 4), scale=0.01, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], "FullyConnectedOptions", fused_activation_function=0, weights_format=0,
         keep_num_dims=False)
    b.mark_output(y)
    with pytest.raises(UnsupportedModelError, match="output must be INT16 too"):
        compile_model(b.build())
