"""TRANSPOSE_CONV: prepare-time arithmetic, rejections, byte equality with TFLM
(zoo cases, every fused activation, odd output sizes, extreme inputs) and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.transpose_conv import prepare_transpose_conv, tflm_pad
from hil.compiler.plan_format import (params_offset, parse_plan, plan_format, tensor_offset, with_channel_quant, with_const_i32,
                                      with_record_fields, with_tensor_fields)
from hil.compiler.quant import quantize_multiplier
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.transpose_conv import CASES, transpose_conv_model
from tests.conftest import shared_model
from tests.opcheck import assert_matches_tflm

INT32_MAX = (1 << 31) - 1


def _prepare(model: bytes):
    graph = load_graph(model)
    return prepare_transpose_conv(graph.ops[0], graph)


def _tconv(input_shape=(1, 4, 4, 2), out_channels=3, kernel=(3, 3), stride=(2, 2), padding=0,
           scales=(0.5, [0.25], 0.125), filter_zero_point=0, output_shape=None, shape_values=None,
           shape_const=True, filter_shape=None, activation=0, input_dtype=np.int8, bias_dtype=None) -> bytes:
    """A TRANSPOSE_CONV with hand-picked quantization and all-ones weights."""
    b = ModelBuilder("transpose_conv")
    if output_shape is None:
        size = (lambda i, k, s: i * s) if padding == 0 else (lambda i, k, s: (i - 1) * s + k)
        output_shape = (input_shape[0], size(input_shape[1], kernel[0], stride[0]),
                        size(input_shape[2], kernel[1], stride[1]), out_channels)
    values = np.array(output_shape if shape_values is None else shape_values, np.int32)
    if shape_const:
        shape = b.const("output_shape", values)
    else:
        shape = b.input("output_shape", values.shape, scale=None, zero_point=None, dtype=np.int32)
    filter_shape = filter_shape or (out_channels, kernel[0], kernel[1], input_shape[3])
    w = b.const("w", np.ones(filter_shape, np.int8), scale=scales[1], zero_point=filter_zero_point)
    x = b.input("x", input_shape, scale=scales[0], zero_point=3, dtype=input_dtype)
    inputs = [shape, w, x]
    if bias_dtype is not None:
        inputs.append(b.const("bias", np.zeros(out_channels, bias_dtype), scale=0.125, zero_point=0))
    y = b.tensor("y", output_shape, scale=scales[2], zero_point=-4)
    b.op("TRANSPOSE_CONV", inputs, [y], "TransposeConvOptions", padding=padding, stride_h=stride[0],
         stride_w=stride[1], fused_activation_function=activation)
    b.mark_output(y)
    return b.build()


# --- prepare arithmetic -------------------------------------------------------------------


def test_per_tensor_filter_gives_one_multiplier_and_kernel_order_inputs():
    # 0.5 * 0.25 / 0.125 = 1.0 = 0.5 * 2^1.
    model = _tconv()
    prepared = _prepare(model)
    graph = load_graph(model)
    op = graph.ops[0]
    assert prepared.params["quant_count"] == 1
    assert prepared.arrays["multipliers"].tolist() == [1 << 30]
    assert prepared.arrays["shifts"].tolist() == [1]
    assert (prepared.params["input_offset"], prepared.params["output_offset"]) == (-3, -4)
    assert prepared.inputs == [op.inputs[2], op.inputs[1], -1]   # input, filter, no bias
    assert prepared.scratch_bytes == 4 * (1 * 8 * 8 * 3)


def test_per_channel_multipliers_are_double_products_of_float32_scales():
    scales = np.array([0.013, 0.0071, 0.2], np.float32)
    prepared = _prepare(_tconv(scales=(0.047, scales, 0.31)))
    x, out = float(np.float32(0.047)), float(np.float32(0.31))
    expected = [quantize_multiplier(x * float(s) / out) for s in scales]
    assert prepared.params["quant_count"] == 3
    assert list(zip(prepared.arrays["multipliers"].tolist(), prepared.arrays["shifts"].tolist())) == expected


@pytest.mark.parametrize("padding, out_size, kernel, stride, expected", [
    ("SAME", 8, 3, 2, 0),    # 4 windows over 8: (4-1)*2+3-8 = 1 in total, 0 before
    ("SAME", 16, 3, 2, 0),
    ("SAME", 6, 3, 1, 1),    # total 2
    ("SAME", 9, 4, 2, 1),    # 5 windows: 8+4-9 = 3 in total
    ("SAME", 6, 5, 1, 2),
    ("VALID", 9, 3, 2, 0),
    ("VALID", 1, 5, 2, 0),   # negative window count: TFLM's total padding clamps at 0
])
def test_pads_are_tflm_padding_of_the_output_size(padding, out_size, kernel, stride, expected):
    assert tflm_pad(padding, out_size, kernel, stride) == expected


def test_prepare_pads_for_same_stride_1_kernel_3():
    params = _prepare(_tconv(input_shape=(1, 5, 6, 1), kernel=(3, 5), stride=(1, 1))).params
    assert (params["pad_h"], params["pad_w"], params["stride_h"], params["stride_w"]) == (1, 2, 1, 1)


def test_macs_count_every_input_value_times_every_filter_tap():
    # Nominal, as CONV_2D counts them: the products TFLM skips outside the output count too.
    prepared = _prepare(_tconv(input_shape=(2, 4, 4, 2), out_channels=3))
    assert prepared.macs == (2 * 4 * 4 * 2) * (3 * 3 * 3)


@pytest.mark.shared
def test_converted_model_macs_match_its_manifest():
    graph = load_graph(shared_model("converted/transpose_conv_k3_s2_same_8x8x8.tflite").read_bytes())
    assert prepare_transpose_conv(graph.ops[0], graph).macs == 36864   # MANIFEST.md's count


@pytest.mark.parametrize("activation, expected", [(0, (-128, 127)), (1, (-4, 127)), (3, (-4, 44)), (2, (-12, 4))])
def test_fused_activation_clamps(activation, expected):
    params = _prepare(_tconv(activation=activation)).params
    assert (params["act_min"], params["act_max"]) == expected


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _tconv(filter_zero_point=2), "non-zero zero points"),
    (lambda: _tconv(scales=(0.5, [0.1, 0.2], 0.1)), "per-channel quantization needs 3"),
    (lambda: _tconv(filter_shape=(3, 3, 3, 5)), "has depth 5, the input 2 channels"),
    (lambda: _tconv(output_shape=(1, 8, 8, 4)), "4 channels, the filter 3"),
    (lambda: _tconv(output_shape=(2, 8, 8, 3), shape_values=(2, 8, 8, 3)), "2 batches, the input 1"),
    (lambda: _tconv(shape_values=(1, 9, 8, 3)), r"holds \[1, 9, 8, 3\]"),
    (lambda: _tconv(shape_const=False), "must be a constant INT32"),
    (lambda: _tconv(stride=(1, 1025)), "stride_w 1025"),
    (lambda: _tconv(scales=(1000.0, [1000.0], 1e-6)), "too large"),
    (lambda: _tconv(input_shape=(1, 2, 2, 8192)), "more than 65536"),
    (lambda: _tconv(activation=4), "fused activation 4"),
    (lambda: _tconv(input_dtype=np.int16), "INT16"),
    (lambda: _tconv(bias_dtype=np.int64), "expected INT32"),
])
def test_unsupported_transpose_conv_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (TRANSPOSE_CONV)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("activation", ["RELU6", "RELU_N1_TO_1"])
def test_fused_activations_match_tflm(activation):
    """The pinned TFLM clamps int8 outputs to the fused activation's range."""
    assert_matches_tflm(transpose_conv_model((1, 3, 4, 3), 4, stride=(2, 2), activation=activation, seed=12),
                        num_inputs=3)


@pytest.mark.parametrize("output_hw, padding", [((9, 7), "SAME"), ((10, 9), "VALID"), ((4, 3), "SAME")])
def test_output_sizes_tf_reaches_with_output_padding_match_tflm(output_hw, padding):
    """An output one larger (TF's output_padding) or cropped: TFLM derives the pads from the output size."""
    model = transpose_conv_model((1, 4, 3, 2), 3, stride=(2, 2), padding=padding, output_hw=output_hw, seed=13)
    assert_matches_tflm(model, num_inputs=3)


def test_extreme_inputs_match_tflm():
    """Constant -128 and 127 inputs: the largest accumulators, the most clamping."""
    model = transpose_conv_model((1, 4, 4, 16), 8, stride=(2, 2), activation="RELU6", seed=21)
    shape = (1, 4, 4, 16)
    assert_matches_tflm(model, batch=[[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]])


# --- plan validation ----------------------------------------------------------------------


def _plan() -> bytes:
    """Input [1,5,5,4] (tensor 0), per-channel filter [6,3,3,4] (1), bias (2), output [1,10,10,6] (3);
    SAME, stride 2."""
    return compile_model(CASES["k3_s2_same_per_channel_bias"]()).blob


def test_plan_tensor_order_is_input_filter_bias_output():
    shapes = parse_plan(_plan()).tensors[:4]
    assert [s["rank"] for s in shapes] == [4, 4, 1, 4]
    assert (shapes[1]["dim0"], shapes[3]["dim1"], shapes[2]["dtype"]) == (6, 10, 2)


@pytest.mark.parametrize("fields", [
    {"stride_h": 0},
    {"stride_w": 1025},
    {"pad_h": 1},                    # SAME on 10 with stride 2 pads 0 before
    {"pad_w": -(1 << 31)},
    {"input_offset": 0},             # not -zero point of the input
    {"output_offset": 200},
    {"act_min": 5, "act_max": 4},
    {"quant_count": 3},
    {"words_offset": 1 << 30},
    {"words_offset": 2},             # misaligned
    {"shift_base": -30},             # packed: shift_base - 2 below -31
    {"shifts_offset": 1 << 30},
])
def test_bad_params_are_refused(fields):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["TRANSPOSE_CONV"], params_offset(blob), **fields))
    assert info.value.status in ("TH_ERR_BAD_PARAMS", "TH_ERR_SHAPE", "TH_ERR_BOUNDS")
    assert info.value.details["op_type"] == plan_format().op_ids["TRANSPOSE_CONV"]


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim0": 3, "dim1": 6}, "TH_ERR_SHAPE"),          # filter output channels disagree with the output
    (1, {"dim3": 2, "dim1": 6}, "TH_ERR_SHAPE"),          # filter depth 2 for 4 input channels
    (3, {"dim0": 2, "dim1": 5}, "TH_ERR_SHAPE"),          # output batch 2 for 1
    (2, {"dim0": 2}, "TH_ERR_SHAPE"),         # bias of 2 for 6 channels
    (2, {"dtype": 1}, "TH_ERR_BAD_TENSOR"),   # int8 bias
    (0, {"rank": 3, "dim0": 5, "dim1": 5, "dim2": 4, "dim3": 1}, "TH_ERR_SHAPE"),  # rank-3 input
])
def test_bad_shapes_and_types_are_refused(tensor, fields, status):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status
    assert info.value.details["op_type"] == plan_format().op_ids["TRANSPOSE_CONV"]


def test_too_little_scratch_is_refused():
    blob = _plan()
    fmt = plan_format()
    at = fmt.header.unpack(blob, 0)["ops_offset"]
    record = fmt.op.unpack(blob, at)
    assert record["scratch_bytes"] == 4 * 10 * 10 * 6
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, fmt.op, at, scratch_bytes=record["scratch_bytes"] - 4))
    assert info.value.status == "TH_ERR_BAD_OP"


def test_extreme_accepted_params_run_without_undefined_behaviour():
    """The deepest accumulation validate accepts (16 * 16 * 256 products of -127 * 255 land on the
    middle output of a stride-1 VALID 16x16 filter over a 16x16 input), a bias of INT32_MAX that carries the sum past int32, and the largest and smallest shifts
    all run clean under ASan+UBSan: the kernel wraps where TFLM's int32 arithmetic would overflow."""
    shape = (1, 16, 16, 256)
    blob = compile_model(transpose_conv_model(shape, 1, kernel=(16, 16), padding="VALID", seed=9,
                                              weights=np.full(16 * 16 * 256, -127))).blob
    fmt = plan_format()
    bias = fmt.tensor.unpack(blob, tensor_offset(blob, 2))
    blob = with_const_i32(blob, bias["offset"], [INT32_MAX])
    lo, hi = np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)
    for multiplier, shift in ((INT32_MAX, 30), (INT32_MAX, -31), (0, 0), (1 << 30, 0)):
        plan = with_channel_quant(blob, 0, [multiplier], [shift])
        run_sanitized(plan, [[lo], [hi]], [(1, 31, 31, 1)])
