"""CONV_2D: prepare-time arithmetic, rejections, byte equality with TFLM (zoo cases
and every conv layer of the reference models), and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.conv_2d import prepare_conv_2d
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.model.layers import layer_model
from hil.modelgen.zoo.conv_2d import CASES, conv16_model, conv_model
from hil.compiler.plan_format import (params_offset, plan_format, tensor_offset, with_channel_quant, with_const_i32,
                                      with_record_fields, with_tensor_fields)
from hil.compiler.quant import quantize_multiplier
from hil.model.tflite import load_graph
from tests.conftest import shared_model
from tests.opcheck import assert_matches_tflm

INT32_MAX = (1 << 31) - 1


def _prepare(model: bytes):
    graph = load_graph(model)
    return prepare_conv_2d(graph.ops[0], graph)


def _conv(input_shape=(1, 8, 8, 2), out_channels=3, kernel=(3, 3), stride=(1, 1), dilation=(1, 1), padding=0,
          scales=(0.5, [0.25], 0.125), filter_zero_point=0, quantized_dimension=0, output_shape=None,
          filter_shape=None, activation=0, input_dtype=np.int8) -> bytes:
    """A CONV_2D with hand-picked quantization and all-ones weights."""
    b = ModelBuilder("conv")
    x = b.input("x", input_shape, scale=scales[0], zero_point=3, dtype=input_dtype)
    filter_shape = filter_shape or (out_channels, kernel[0], kernel[1], input_shape[3])
    w = b.const("w", np.ones(filter_shape, np.int8), scale=scales[1], zero_point=filter_zero_point,
                quantized_dimension=quantized_dimension)
    if output_shape is None:
        out_h = (input_shape[1] + stride[0] - 1) // stride[0] if padding == 0 else \
            (input_shape[1] - (kernel[0] - 1) * dilation[0] - 1) // stride[0] + 1
        out_w = (input_shape[2] + stride[1] - 1) // stride[1] if padding == 0 else \
            (input_shape[2] - (kernel[1] - 1) * dilation[1] - 1) // stride[1] + 1
        output_shape = (input_shape[0], out_h, out_w, out_channels)
    y = b.tensor("y", output_shape, scale=scales[2], zero_point=-4)
    b.op("CONV_2D", [x, w, -1], [y], "Conv2DOptions", padding=padding, stride_h=stride[0], stride_w=stride[1],
         dilation_h_factor=dilation[0], dilation_w_factor=dilation[1], fused_activation_function=activation)
    b.mark_output(y)
    return b.build()


# --- prepare arithmetic -------------------------------------------------------------------


def test_per_tensor_filter_gives_one_multiplier():
    # 0.5 * 0.25 / 0.125 = 1.0 = 0.5 * 2^1.
    prepared = _prepare(_conv())
    assert prepared.params["quant_count"] == 1
    assert prepared.arrays["multipliers"].tolist() == [1 << 30]
    assert prepared.arrays["shifts"].tolist() == [1]
    assert (prepared.params["input_offset"], prepared.params["output_offset"]) == (-3, -4)
    assert prepared.inputs[2] == -1


def test_per_channel_multipliers_are_double_products_of_float32_scales():
    scales = np.array([0.013, 0.0071, 0.2], np.float32)
    prepared = _prepare(_conv(scales=(0.047, scales, 0.31)))
    x, out = float(np.float32(0.047)), float(np.float32(0.31))
    expected = [quantize_multiplier(x * float(s) / out) for s in scales]
    assert prepared.params["quant_count"] == 3
    assert list(zip(prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist())) == expected


@pytest.mark.parametrize("in_size, kernel, stride, dilation, expected_pad, expected_out", [
    (8, 3, 2, 1, 0, 4),    # total padding 1: TFLM pads the odd pixel after, none before
    (7, 4, 1, 1, 1, 7),    # total 3: 1 before, 2 after
    (11, 3, 3, 1, 0, 4),   # total 1
    (10, 3, 1, 2, 2, 10),  # dilated filter spans 5: total 4
])
def test_same_padding_is_tflm_top_left(in_size, kernel, stride, dilation, expected_pad, expected_out):
    model = _conv(input_shape=(1, in_size, in_size, 1), kernel=(kernel, kernel), stride=(stride, stride),
                  dilation=(dilation, dilation))
    prepared = _prepare(model)
    assert (prepared.params["pad_h"], prepared.params["pad_w"]) == (expected_pad, expected_pad)
    assert load_graph(model).tensors[prepared.output].shape[1:3] == (expected_out, expected_out)


def test_macs_count_every_product_of_the_output():
    prepared = _prepare(_conv(input_shape=(2, 6, 6, 4), out_channels=5, kernel=(3, 3), stride=(2, 2)))
    assert prepared.macs == 2 * 3 * 3 * 5 * (3 * 3 * 4)


@pytest.mark.parametrize("activation, expected", [(0, (-128, 127)), (1, (-4, 127)), (3, (-4, 44)), (2, (-12, 4))])
def test_fused_activation_clamps(activation, expected):
    # Output scale 0.125, zero point -4: 6.0 -> -4 + 48, +-1.0 -> -4 -+ 8.
    params = _prepare(_conv(activation=activation)).params
    assert (params["act_min"], params["act_max"]) == expected


@pytest.mark.parametrize("real, expected", [
    (0.5, (1 << 30, 0)),
    (1.0, (1 << 30, 1)),
    (1.0 - 2.0 ** -40, (1 << 30, 1)),     # rounds up to 2^31: halved, shift + 1
    (0.75, (3 << 29, 0)),
    (2.0 ** -33, (0, 0)),                 # shift below -31 flushes to zero
    (2.0 ** 31, (1 << 30, 32)),           # TFLM's double-rounding build does not clamp the shift
])
def test_quantize_multiplier_edges(real, expected):
    assert quantize_multiplier(real) == expected


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _conv(filter_zero_point=2), "non-zero zero points"),
    (lambda: _conv(scales=(0.5, [0.1, 0.2], 0.1)), "per-channel quantization needs 3"),
    (lambda: _conv(scales=(0.5, [0.1, 0.2, 0.3], 0.1), quantized_dimension=3), "along dimension 3"),
    (lambda: _conv(filter_shape=(3, 3, 3, 3)), "does not divide the input depth"),
    (lambda: _conv(output_shape=(1, 7, 8, 3)), "the options give"),
    (lambda: _conv(output_shape=(1, 8, 8, 4)), "4 channels, the filter 3"),
    (lambda: _conv(input_shape=(1, 2, 2, 1), kernel=(3, 3), padding=1, output_shape=(1, 1, 1, 3)), "does not fit"),
    (lambda: _conv(stride=(1, 1025)), "stride_w 1025"),
    (lambda: _conv(scales=(1000.0, [1000.0], 1e-6)), "too large"),
    (lambda: _conv(input_shape=(1, 3, 3, 8192)), "more than 65536"),
    (lambda: _conv(activation=4), "fused activation 4"),
    (lambda: _conv(input_dtype=np.int16), "INT16"),
])
def test_unsupported_conv_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (CONV_2D)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_extreme_inputs_match_tflm():
    """Constant -128 and 127 inputs: the largest accumulators, the most clamping."""
    model = conv_model((1, 6, 6, 16), 8, stride=(2, 2), activation="RELU6", seed=21)
    shape = (1, 6, 6, 16)
    assert_matches_tflm(model, batch=[[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]])


@pytest.mark.shared
@pytest.mark.parametrize("name", ["vww_96_int8.tflite", "kws_ref_model.tflite", "pretrainedResnet_quant.tflite"])
def test_every_conv_layer_of_a_reference_model_matches_tflm(name):
    """Each layer alone on random inputs, which reach values the whole model's activations never do."""
    model = shared_model(name).read_bytes()
    layers = [op.index for op in load_graph(model).ops if op.type == "CONV_2D"]
    assert layers
    for index in layers:
        assert_matches_tflm(layer_model(model, index), num_inputs=3, seed=index)


# --- plan validation ----------------------------------------------------------------------








def _conv_plan() -> bytes:
    """Input [1,8,8,3] (tensor 0), per-channel filter [4,3,3,3] (1), bias (2), output [1,4,4,4] (3);
    SAME, stride 2."""
    return compile_model(conv_model((1, 8, 8, 3), 4, stride=(2, 2), seed=5)).blob


@pytest.mark.parametrize("fields", [
    {"stride_h": 0},
    {"stride_w": 1025},
    {"dilation_h": -1},
    {"stride_h": 1},                 # output height no longer what the options give
    {"pad_h": 1},                    # SAME stride 2 on 8 pads 0 before
    {"pad_w": -(1 << 31)},
    {"input_offset": 0},             # not -zero point of the input
    {"output_offset": 200},
    {"depth_multiplier": 2},
    {"act_min": 5, "act_max": 4},
    {"quant_count": 3},
    {"words_offset": 1 << 30},
    {"words_offset": 2},             # misaligned
    {"shift_base": 30},              # packed: shift_base + 1 past 30
    {"shifts_offset": 1 << 30},
])
def test_bad_params_are_refused(fields):
    blob = _conv_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["CONV_2D"], params_offset(blob), **fields))
    assert info.value.status in ("TH_ERR_BAD_PARAMS", "TH_ERR_SHAPE", "TH_ERR_BOUNDS")
    assert info.value.details["op_type"] == plan_format().op_ids["CONV_2D"]


@pytest.mark.parametrize("tensor, fields", [
    (1, {"dim0": 2, "dim1": 6}),             # filter output channels disagree with the output
    (1, {"dim3": 1, "dim1": 9}),             # filter depth 1 does not split the 4 outputs into 3 groups
    (3, {"dim1": 2, "dim2": 8}),             # output height 2 is neither SAME's nor VALID's
    (2, {"dim0": 2}),            # bias of 2 for 4 channels
    (2, {"dtype": 1}),           # int8 bias
])
def test_bad_shapes_and_types_are_refused(tensor, fields):
    blob = _conv_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status in ("TH_ERR_SHAPE", "TH_ERR_BAD_TENSOR")
    assert info.value.details["op_type"] == plan_format().op_ids["CONV_2D"]



def test_extreme_accepted_params_run_without_undefined_behaviour():
    """The deepest accumulation validate accepts (65536 products of -127 * 255), a bias of
    INT32_MAX that carries the sum past int32, and the largest and smallest shifts all run
    clean under ASan+UBSan: the kernel wraps where TFLM's int32 arithmetic would overflow."""
    shape = (1, 16, 16, 256)
    blob = compile_model(conv_model(shape, 1, kernel=(16, 16), padding="VALID", seed=9,
                                    weights=np.full(16 * 16 * 256, -127))).blob
    fmt = plan_format()
    bias = fmt.tensor.unpack(blob, tensor_offset(blob, 2))
    blob = with_const_i32(blob, bias["offset"], [INT32_MAX])
    lo, hi = np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)
    for multiplier, shift in ((INT32_MAX, 30), (INT32_MAX, -31), (0, 0), (1 << 30, 0)):
        plan = with_channel_quant(blob, 0, [multiplier], [shift])
        run_sanitized(plan, [[lo], [hi]], [(1, 1, 1, 1)])


# --- 16x8: int16 activations, int8 weights, int64 (or int32) bias ------------------------


def _conv16(bias_dtype=np.int64, bias_values=None, input_zero_point=0, output_dtype=np.int16,
            scales=(1 / 32768, [0.01, 0.02], 0.001), activation=1) -> bytes:
    """A 16x8 CONV_2D [1,6,6,2] -> [1,6,6,2], 3x3 SAME, all-ones weights."""
    b = ModelBuilder("conv16")
    x = b.input("x", (1, 6, 6, 2), scale=scales[0], zero_point=input_zero_point, dtype=np.int16)
    w = b.const("w", np.ones((2, 3, 3, 2), np.int8), scale=np.float32(scales[1]), zero_point=0)
    inputs = [x, w]
    if bias_dtype is not None:
        values = [5, -7] if bias_values is None else bias_values
        inputs.append(b.const("bias", np.array(values, bias_dtype),
                              scale=np.float32(scales[0]) * np.float32(scales[1]), zero_point=0))
    y = b.tensor("y", (1, 6, 6, 2), dtype=output_dtype, scale=scales[2], zero_point=0)
    b.op("CONV_2D", inputs, [y], "Conv2DOptions", padding=0, stride_h=1, stride_w=1, dilation_h_factor=1,
         dilation_w_factor=1, fused_activation_function=activation)
    b.mark_output(y)
    return b.build()


def test_16x8_prepare_has_no_offsets_and_an_int16_clamp():
    prepared = _prepare(_conv16())
    assert (prepared.params["input_offset"], prepared.params["output_offset"]) == (0, 0)
    assert (prepared.params["act_min"], prepared.params["act_max"]) == (0, 32767)   # RELU within int16
    real = [float(np.float32(1 / 32768)) * float(np.float32(s)) / float(np.float32(0.001)) for s in (0.01, 0.02)]
    assert list(zip(prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist())) == \
        [quantize_multiplier(r) for r in real]
    assert _prepare(_conv16(activation=0)).params["act_min"] == -32768


@pytest.mark.parametrize("model, reason", [
    (lambda: _conv16(output_dtype=np.int8), "output must be INT16 too"),
    (lambda: _conv16(input_zero_point=3), "INT16 with zero point 3"),
    (lambda: _conv16(bias_dtype=np.int8), "expected INT64 or INT32"),
    # The int64 requantization takes shifts up to 7 (TFLM asserts): 2^8 needs 9.
    (lambda: _conv16(scales=(1.0, [256.0, 1.0], 1.0)), "at most 7"),
    (lambda: _conv16(bias_values=[(1 << 47) - 1000, 0]), "2\\^47"),
])
def test_unsupported_16x8_conv_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (CONV_2D)" in str(info.value)


def test_16x8_int32_bias_takes_the_int32_requantization():
    """With an int32 bias TFLM accumulates and requantizes in int32, whose shifts reach 30."""
    prepared = _prepare(_conv16(bias_dtype=np.int32, scales=(1.0, [256.0, 1.0], 1.0)))
    assert prepared.arrays["shifts"].tolist() == [9, 1]


def test_16x8_extreme_inputs_match_tflm():
    model = CASES["s16_int64_bias_relu"]()
    shape = (1, 8, 8, 3)
    assert_matches_tflm(model, batch=[[np.full(shape, -32768, np.int16)], [np.full(shape, 32767, np.int16)]])


def _conv16_plan(bias: str = "int64") -> bytes:
    return compile_model(conv16_model((1, 6, 6, 2), 3, bias=bias, seed=3)).blob


@pytest.mark.parametrize("fields", [
    {"input_offset": 1},              # int16 tensors have no zero point
    {"output_offset": -1},
    {"act_min": -32769},
    {"act_max": 32768},
])
def test_bad_16x8_params_are_refused(fields):
    blob = _conv16_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["CONV_2D"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_16x8_shift_above_7_is_refused_only_for_the_int64_accumulator():
    for bias, refused in (("int64", True), ("int32", False)):
        blob = _conv16_plan(bias)
        plan = with_channel_quant(blob, 0, [1 << 30] * 3, [8] * 3)
        if refused:
            with pytest.raises(EngineError) as info:
                HostEngine(plan)
            assert info.value.status == "TH_ERR_BAD_PARAMS"
        else:
            HostEngine(plan)


@pytest.mark.parametrize("tensor, fields", [
    (3, {"dtype": 1}),         # int8 output for an int16 input
    (2, {"dtype": 1}),           # int8 bias
])
def test_bad_16x8_tensors_are_refused(tensor, fields):
    blob = _conv16_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status in ("TH_ERR_SHAPE", "TH_ERR_BAD_TENSOR")


def test_16x8_extreme_accepted_params_run_without_undefined_behaviour():
    """An int64 bias of INT64_MAX (past TFLM's 2^47, which a plan may still hold) with the
    largest and smallest int64-path shifts: the kernel wraps instead of overflowing."""
    blob = _conv16_plan()
    fmt = plan_format()
    bias = fmt.tensor.unpack(blob, tensor_offset(blob, 2))
    blob = with_const_i32(blob, bias["offset"], [-1, INT32_MAX] * 3)   # little-endian INT64_MAX
    lo, hi = np.full((1, 6, 6, 2), -32768, np.int16), np.full((1, 6, 6, 2), 32767, np.int16)
    for multiplier, shift in ((INT32_MAX, 7), (INT32_MAX, -31), (0, 0), (0x7FFF0000, 0)):
        plan = with_channel_quant(blob, 0, [multiplier] * 3, [shift] * 3)
        run_sanitized(plan, [[lo], [hi]], [(1, 6, 6, 3)])
