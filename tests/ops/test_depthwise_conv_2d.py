"""DEPTHWISE_CONV_2D: prepare-time arithmetic, rejections, byte equality with TFLM
(zoo cases and every depthwise layer of the reference models), and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.depthwise_conv_2d import prepare_depthwise_conv_2d
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference, random_inputs
from hil.modelgen.builder import ModelBuilder
from hil.model.layers import layer_model
from hil.modelgen.zoo.depthwise_conv_2d import CASES, depthwise_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.compiler.quant import quantize_multiplier
from hil.model.tflite import load_graph
from tests.conftest import shared_model
from tests.opcheck import assert_matches_tflm


def _depthwise(input_shape=(1, 6, 6, 2), depth_multiplier=2, option_multiplier=None, kernel=(3, 3), stride=(1, 1),
               padding=0, scales=(0.5, [0.25], 0.125), quantized_dimension=3, output_shape=None, filter_shape=None,
               activation=0) -> bytes:
    """A DEPTHWISE_CONV_2D with hand-picked quantization and all-ones weights."""
    b = ModelBuilder("depthwise")
    out_c = input_shape[3] * depth_multiplier
    x = b.input("x", input_shape, scale=scales[0], zero_point=3)
    w = b.const("w", np.ones(filter_shape or (1, kernel[0], kernel[1], out_c), np.int8), scale=scales[1],
                zero_point=0, quantized_dimension=quantized_dimension)
    out_h = (input_shape[1] + stride[0] - 1) // stride[0]
    out_w = (input_shape[2] + stride[1] - 1) // stride[1]
    y = b.tensor("y", output_shape or (input_shape[0], out_h, out_w, out_c), scale=scales[2], zero_point=-4)
    b.op("DEPTHWISE_CONV_2D", [x, w], [y], "DepthwiseConv2DOptions", padding=padding, stride_h=stride[0],
         stride_w=stride[1], dilation_h_factor=1, dilation_w_factor=1,
         depth_multiplier=depth_multiplier if option_multiplier is None else option_multiplier,
         fused_activation_function=activation)
    b.mark_output(y)
    return b.build()


def _prepare(model: bytes):
    graph = load_graph(model)
    return prepare_depthwise_conv_2d(graph.ops[0], graph)


# --- prepare arithmetic -------------------------------------------------------------------


def test_params_of_a_depth_multiplier_2_filter():
    prepared = _prepare(_depthwise(stride=(2, 2)))
    assert prepared.params["depth_multiplier"] == 2
    assert (prepared.params["pad_h"], prepared.params["pad_w"]) == (0, 0)  # 6 by 2 with 3 taps: total 1, after
    assert prepared.params["quant_count"] == 1
    assert (prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist()) == ([1 << 30], [1])
    assert prepared.inputs[2] == -1
    assert prepared.macs == 3 * 3 * 4 * 3 * 3


def test_per_channel_multipliers_along_the_last_filter_dimension():
    scales = np.array([0.011, 0.023, 0.005, 0.4], np.float32)
    prepared = _prepare(_depthwise(scales=(0.047, scales, 0.31)))
    x, out = float(np.float32(0.047)), float(np.float32(0.31))
    expected = [quantize_multiplier(x * float(s) / out) for s in scales]
    assert list(zip(prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist())) == expected


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _depthwise(option_multiplier=1), "depth_multiplier 1 does not turn 2 input channels into 4"),
    (lambda: _depthwise(option_multiplier=0), "depth_multiplier 0"),
    (lambda: _depthwise(filter_shape=(2, 3, 3, 2)), r"a depthwise filter is \[1, H, W, C\]"),
    (lambda: _depthwise(scales=(0.5, [0.1, 0.2, 0.3, 0.4], 0.1), quantized_dimension=0), "along dimension 0"),
    (lambda: _depthwise(output_shape=(1, 6, 5, 4)), "the options give"),
    (lambda: _depthwise(scales=(1000.0, [1000.0], 1e-6)), "too large"),
])
def test_unsupported_depthwise_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (DEPTHWISE_CONV_2D)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("kwargs", [
    {"input_shape": (1, 8, 8, 4), "activation": "RELU"},
    {"input_shape": (1, 6, 6, 1), "depth_multiplier": 8, "stride": (2, 2)},
])
def test_absent_bias_matches_tflm_with_a_zero_bias(kwargs):
    """TFLM's depthwise Prepare crashes on a bias given as index -1, so that form is checked
    against the same model with an all-zero bias, which TFLM computes identically."""
    absent = compile_model(depthwise_model(bias="absent", seed=3, **kwargs))
    golden = TflmReference(depthwise_model(bias="zeros", seed=3, **kwargs))
    batch = [random_inputs([kwargs["input_shape"]], seed) for seed in range(4)]
    outputs = run_sanitized(absent.blob, batch, [t.shape for t in absent.outputs])
    for xs, outs in zip(batch, outputs):
        np.testing.assert_array_equal(outs[0], golden.run(xs)[0])


def test_extreme_inputs_match_tflm():
    model = depthwise_model((1, 6, 6, 4), depth_multiplier=2, activation="RELU6", seed=21)
    shape = (1, 6, 6, 4)
    assert_matches_tflm(model, batch=[[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]])


@pytest.mark.shared
@pytest.mark.parametrize("name", ["vww_96_int8.tflite", "kws_ref_model.tflite"])
def test_every_depthwise_layer_of_a_reference_model_matches_tflm(name):
    model = shared_model(name).read_bytes()
    layers = [op.index for op in load_graph(model).ops if op.type == "DEPTHWISE_CONV_2D"]
    assert layers
    for index in layers:
        assert_matches_tflm(layer_model(model, index), num_inputs=3, seed=index)


# --- plan validation ----------------------------------------------------------------------








def _depthwise_plan() -> bytes:
    """Input [1,8,8,2] (tensor 0), filter [1,3,3,4] (1), bias (2), output [1,4,4,4] (3);
    depth multiplier 2, SAME, stride 2."""
    return compile_model(depthwise_model((1, 8, 8, 2), depth_multiplier=2, stride=(2, 2), seed=5)).blob


@pytest.mark.parametrize("fields", [
    {"depth_multiplier": 1},         # 2 input channels * 1 is not the 4 outputs
    {"depth_multiplier": 0},
    {"depth_multiplier": 1 << 30},
    {"stride_w": 0},
    {"dilation_w": 1025},
    {"pad_w": 1},
    {"input_offset": (1 << 31) - 1},
    {"act_min": -129},
    {"quant_count": 2},
])
def test_bad_params_are_refused(fields):
    blob = _depthwise_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["DEPTHWISE_CONV_2D"], params_offset(blob), **fields))
    assert info.value.status in ("TH_ERR_BAD_PARAMS", "TH_ERR_SHAPE")
    assert info.value.details["op_type"] == plan_format().op_ids["DEPTHWISE_CONV_2D"]


@pytest.mark.parametrize("tensor, fields", [
    (1, {"dim0": 2, "dim3": 2}),     # filter is not [1, H, W, C]
    (1, {"dim1": 1, "dim3": 12}),    # filter channels disagree with the output
    (3, {"dim0": 2, "dim1": 2}),     # output batches disagree with the input
    (0, {"dim3": 1, "dim2": 16}),    # one input channel times 2 is not 4 outputs
])
def test_bad_shapes_are_refused(tensor, fields):
    blob = _depthwise_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == "TH_ERR_SHAPE"
    assert info.value.details["op_type"] == plan_format().op_ids["DEPTHWISE_CONV_2D"]


# --- 16x8: int16 activations, int8 weights, int64 bias ------------------------------------


def _depthwise16(bias_dtype=np.int64) -> bytes:
    b = ModelBuilder("depthwise16")
    x = b.input("x", (1, 5, 5, 2), scale=1 / 32768, zero_point=0, dtype=np.int16)
    w = b.const("w", np.ones((1, 3, 3, 2), np.int8), scale=np.float32([0.01, 0.02]), zero_point=0,
                quantized_dimension=3)
    bias = b.const("b", np.array([3, -3], bias_dtype), scale=np.float32([0.01, 0.02]) / 32768, zero_point=0)
    y = b.tensor("y", (1, 5, 5, 2), dtype=np.int16, scale=0.001, zero_point=0)
    b.op("DEPTHWISE_CONV_2D", [x, w, bias], [y], "DepthwiseConv2DOptions", padding=0, stride_h=1, stride_w=1,
         dilation_h_factor=1, dilation_w_factor=1, depth_multiplier=1, fused_activation_function=3)
    b.mark_output(y)
    return b.build()


def test_16x8_prepare_has_no_offsets_and_an_int16_clamp():
    prepared = _prepare(_depthwise16())
    assert (prepared.params["input_offset"], prepared.params["output_offset"]) == (0, 0)
    assert (prepared.params["act_min"], prepared.params["act_max"]) == (0, 6000)   # RELU6 at scale 0.001
    real = float(np.float32(1 / 32768)) * float(np.float32(0.02)) / float(np.float32(0.001))
    assert (prepared.arrays["multipliers"][1], prepared.arrays["shifts"][1]) == quantize_multiplier(real)


def test_16x8_int32_bias_is_rejected():
    """TFLM's 16x8 depthwise kernel reads the bias as int64 whatever its type."""
    with pytest.raises(UnsupportedModelError, match="expected INT64 with INT16"):
        compile_model(_depthwise16(np.int32))


@pytest.mark.parametrize("tensor, fields", [(2, {"dtype": 2})])   # int32 bias
def test_16x8_int32_bias_plan_is_refused(tensor, fields):
    blob = compile_model(_depthwise16()).blob
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == "TH_ERR_BAD_TENSOR"
