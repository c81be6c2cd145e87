"""SOFTMAX: prepare-time arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.softmax import calculate_input_radius, preprocess_softmax_scaling, softmax_params
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.softmax import CASES, softmax_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.compiler.quant import quantize_multiplier
from tests.opcheck import assert_matches_tflm

# --- prepare arithmetic, against values worked out by hand ---------------------------------


@pytest.mark.parametrize("beta, scale, expected", [
    # beta * scale * 2^26 = 2^18 -> frexp (0.5, 19); radius 31 * 2^26 >> 19 = 31 * 128.
    (1.0, 1.0 / 256, {"input_multiplier": 1 << 30, "input_left_shift": 19, "diff_min": -3968}),
    (1.0, 0.125, {"input_multiplier": 1 << 30, "input_left_shift": 24, "diff_min": -124}),
    (0.5, 1.0, {"input_multiplier": 1 << 30, "input_left_shift": 26, "diff_min": -31}),
    # float32 0.1 is 13421773 * 2^-27, so the real multiplier is 13421773 * 2^-1 and
    # q * 2^31 = 13421773 * 2^7 exactly; radius 31 * 2^3.
    (1.0, float(np.float32(0.1)), {"input_multiplier": 13421773 << 7, "input_left_shift": 23, "diff_min": -248}),
    # 2 * 16 * 2^26 = 2^31 is capped at 2^31 - 1: shift 31, and only the row maximum survives.
    (2.0, 16.0, {"input_multiplier": (1 << 31) - 1, "input_left_shift": 31, "diff_min": 0}),
])
def test_softmax_params_match_hand_derivation(beta, scale, expected):
    assert softmax_params(beta, scale) == expected


def test_input_radius_is_tflite_floor_of_the_double_formula():
    for left_shift in range(0, 32):
        double_value = 1.0 * 31 * (1 << 26) / (1 << left_shift)
        assert calculate_input_radius(5, left_shift) == int(np.floor(double_value))


def test_quantize_multiplier_rounds_up_into_the_next_power_of_two():
    # q * 2^31 rounds to 2^31: TFLite halves it and bumps the shift.
    assert quantize_multiplier(1.0 - 2.0 ** -40) == (1 << 30, 1)
    assert quantize_multiplier(0.0) == (0, 0)


def test_quantize_multiplier_keeps_shift_31_as_tflm_double_rounding_does():
    assert quantize_multiplier(float((1 << 31) - 1)) == ((1 << 31) - 1, 31)


def test_multiplier_must_exceed_one():
    with pytest.raises(ValueError):
        preprocess_softmax_scaling(1e-9, 1.0 / 256)


# --- rejections ---------------------------------------------------------------------------


def _softmax_with_output(shape, output_scale, output_zero_point, beta=1.0, input_scale=0.1) -> bytes:
    b = ModelBuilder("softmax")
    x = b.input("x", shape, scale=input_scale, zero_point=0)
    y = b.tensor("y", shape, scale=output_scale, zero_point=output_zero_point)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=beta)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _softmax_with_output((1, 10), 1.0 / 256, -127), "zero point -128"),
    (lambda: _softmax_with_output((1, 10), 1.0 / 255, -128), "scale 1/256"),
    (lambda: _softmax_with_output((1, 4096), 1.0 / 256, -128), "at most 4095"),
    (lambda: _softmax_with_output((1, 10), 1.0 / 256, -128, beta=1e-9, input_scale=1.0 / 256), "too small"),
    (lambda: _softmax_with_output((1, 10), 1.0 / 256, -128, beta=-1.0), "not positive"),
    (lambda: _softmax_with_output((), 1.0 / 256, -128), "rank 0"),
])
def test_unsupported_softmax_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SOFTMAX)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("scale", [1.0 / 256, 0.0371, 0.1, 0.5, 2.0])
@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_every_input_value_matches_tflm(scale, beta):
    """Rows holding all 256 int8 values (so every difference from the max occurs),
    rows with a lower maximum, and a flat row (the largest sum of exps)."""
    values = np.arange(-128, 128, dtype=np.int16)
    rng = np.random.default_rng(0)
    rows = [values, values[::-1], rng.permutation(values), np.minimum(values, 3), np.full(256, 42)]
    x = np.stack(rows).astype(np.int8)
    assert_matches_tflm(softmax_model(x.shape, scale, beta), batch=[[x]])


# --- plan validation: a corrupted plan is refused at load, named precisely ----------------







def _softmax_plan() -> bytes:
    return compile_model(softmax_model((1, 10), 0.1, 1.0)).blob  # left shift 23, diff_min -248


@pytest.mark.parametrize("fields", [
    {"input_left_shift": 32},
    {"input_left_shift": -1},
    {"input_multiplier": -5},
    {"diff_min": 1},
    {"diff_min": -249},                       # beyond the input radius for left shift 23
    {"input_left_shift": 31, "diff_min": -1},  # radius 0 at left shift 31
])
def test_bad_params_are_refused(fields):
    blob = _softmax_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["SOFTMAX"], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == plan_format().op_ids["SOFTMAX"]


def test_output_zero_point_other_than_minus_128_is_refused():
    blob = _softmax_plan()
    output = plan_format().header.unpack(blob)["num_tensors"] - 1
    bad = with_tensor_fields(blob, output, zero_point=-127)
    with pytest.raises(EngineError) as info:
        HostEngine(bad)
    assert info.value.status == "TH_ERR_BAD_TENSOR"
    assert (info.value.details["expected"], info.value.details["got"]) == (-128, -127)


def test_output_shape_differing_from_input_is_refused():
    blob = _softmax_plan()
    output = plan_format().header.unpack(blob)["num_tensors"] - 1
    bad = with_tensor_fields(blob, output, dim1=5)
    with pytest.raises(EngineError) as info:
        HostEngine(bad)
    assert info.value.status == "TH_ERR_SHAPE"


def test_depth_beyond_the_q12_19_sum_is_refused():
    blob = compile_model(softmax_model((1, 4095), 0.1, 1.0)).blob
    for tensor in (0, 1):
        blob = with_tensor_fields(blob, tensor, dim1=4096)
    with pytest.raises(EngineError) as info:
        HostEngine(blob)
    assert info.value.status == "TH_ERR_SHAPE"
    assert (info.value.details["expected"], info.value.details["got"]) == (4095, 4096)


@pytest.mark.parametrize("fields", [
    {"input_multiplier": (1 << 31) - 1, "input_left_shift": 0, "diff_min": -(31 << 26)},
    {"input_multiplier": (1 << 31) - 1, "input_left_shift": 31, "diff_min": 0},
    {"input_multiplier": 0, "input_left_shift": 1, "diff_min": -(31 << 25)},
])
def test_extreme_accepted_params_run_without_undefined_behaviour(fields):
    """Params validate accepts but the compiler would not write still run clean under ASan+UBSan."""
    blob = _softmax_plan()
    patched = with_record_fields(blob, plan_format().op_params["SOFTMAX"], params_offset(blob), **fields)
    rows = [np.arange(-128, -118), np.full(10, 127), np.full(10, -128), np.array([127] + [-128] * 9)]
    run_sanitized(patched, [[np.asarray(r, dtype=np.int8).reshape(1, 10)] for r in rows], [(1, 10)])


# --- int16: TFLM's LUT softmax ------------------------------------------------------------

from hil.compiler.ops.softmax import LUT_SIZE, expf, gen_lut_int16, softmax_luts  # noqa: E402
from hil.compiler.plan_format import with_const_i32  # noqa: E402
from hil.modelgen.zoo.softmax import softmax16_model  # noqa: E402

# Input scale 10/65535: a difference d of the int16 values is d of the LUT's [-65535, 0] range.
UNIT_SCALE = 10.0 / 65535


def test_luts_have_tflms_size_and_ends():
    exp_lut, recip_lut = softmax_luts()
    assert exp_lut.dtype == np.int16 and exp_lut.size == recip_lut.size == LUT_SIZE == 513
    assert exp_lut[512] == 32767                 # exp(0) * 32768, clamped to int16
    assert exp_lut[0] in (1, 2)                  # exp(-10) * 32768 = 1.49
    assert recip_lut[0] == 32767 and recip_lut[512] == 16384   # 1/(1+0) clamped, 1/(1+1)
    assert np.all(np.diff(exp_lut.astype(np.int32)) >= 0) and np.all(np.diff(recip_lut.astype(np.int32)) <= 0)


def test_exp_lut_is_the_same_with_libms_expf():
    """TFLM's std::exp(float) is glibc's expf, which is not correctly rounded everywhere: it differs
    from the compiler's exact exp on one of gen_lut's points, but not in any table entry (numpy's
    float32 exp, off on a third of the points, would not be safe)."""
    import ctypes
    import ctypes.util
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.expf.restype, libm.expf.argtypes = ctypes.c_float, [ctypes.c_float]
    seen = []
    ours = gen_lut_int16(lambda v: seen.append(v) or expf(v), -10.0, 0.0, -1.0, 1.0)
    assert len(seen) == 3 * 512 + 1
    differing = [v for v in seen if expf(v) != np.float32(libm.expf(float(v)))]
    assert len(differing) <= 1
    assert np.array_equal(ours, gen_lut_int16(lambda v: np.float32(libm.expf(float(v))), -10.0, 0.0, -1.0, 1.0))


def test_16bit_prepare_rescales_the_input_onto_the_lut_range():
    from hil.compiler.ops.softmax import prepare_softmax
    from hil.model.tflite import load_graph
    graph = load_graph(softmax16_model((1, 10), 1.0 / 4096, 2.0))
    prepared = prepare_softmax(graph.ops[0], graph)
    real = float(np.float32(1.0 / 4096)) * 2.0 / (10.0 / 65535.0)
    assert (prepared.params["input_multiplier"], prepared.params["input_left_shift"]) == quantize_multiplier(real)
    assert prepared.params["diff_min"] == 0
    assert prepared.arrays["exp_lut"].size == prepared.arrays["one_over_one_plus_x_lut"].size == 257


def test_every_16bit_difference_matches_tflm():
    """Rows [v, 32767] for every int16 v: each exp LUT segment and offset, and sums of exps that
    sweep the whole 1/(1+x) LUT; any single LUT entry off by one changes some output."""
    x = np.stack([np.arange(-32768, 32768, dtype=np.int16), np.full(65536, 32767, np.int16)], axis=1)
    assert_matches_tflm(softmax16_model((65536, 2), UNIT_SCALE), batch=[[x]])


def test_16bit_extreme_rows_match_tflm():
    rows = [np.full(16, -32768), np.full(16, 32767), np.array([32767] + [-32768] * 15), np.arange(16) * 2000]
    assert_matches_tflm(CASES["s16_output_scale_tolerance"](),
                        batch=[[np.asarray(r, np.int16).reshape(1, 16)] for r in rows])


def _softmax16_with(shape=(1, 10), output_scale=1.0 / 32768, output_zero_point=0, output_dtype=np.int16) -> bytes:
    b = ModelBuilder("softmax16")
    x = b.input("x", shape, scale=1.0 / 4096, zero_point=0, dtype=np.int16)
    y = b.tensor("y", shape, dtype=output_dtype, scale=output_scale, zero_point=output_zero_point)
    b.op("SOFTMAX", [x], [y], "SoftmaxOptions", beta=1.0)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _softmax16_with(output_scale=1.0 / 16384), "scale 1/32768"),
    (lambda: _softmax16_with(output_scale=1.0011 / 32768), "within 0.1%"),
    (lambda: _softmax16_with(output_zero_point=5), "zero point 0"),
    (lambda: _softmax16_with(output_dtype=np.int8, output_scale=1.0 / 256), "INT16 output"),
    (lambda: _softmax16_with(shape=(1, 65537)), "at most 65536"),
])
def test_unsupported_16bit_softmax_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SOFTMAX)" in str(info.value)


def _softmax16_plan() -> bytes:
    return compile_model(softmax16_model((1, 10), 1.0 / 4096)).blob


@pytest.mark.parametrize("fields, status", [
    ({"diff_min": -1}, "TH_ERR_BAD_PARAMS"),
    ({"input_left_shift": 31}, "TH_ERR_BAD_PARAMS"),
    ({"input_multiplier": -1}, "TH_ERR_BAD_PARAMS"),
    ({"exp_lut_offset": 1 << 28}, "TH_ERR_BOUNDS"),
    ({"one_over_one_plus_x_lut_offset": 2}, "TH_ERR_BOUNDS"),   # misaligned
])
def test_bad_16bit_params_are_refused(fields, status):
    blob = _softmax16_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["SOFTMAX"], params_offset(blob), **fields))
    assert info.value.status == status


def test_lut_offsets_in_an_int8_plan_are_refused():
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(_softmax_plan(), plan_format().op_params["SOFTMAX"],
                                      params_offset(_softmax_plan()), exp_lut_offset=16))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_exp_lut_entry_outside_1_to_32767_is_refused_at_the_entry():
    """A zero exp could make the row sum 0 (no reciprocal); validate names the entry's byte."""
    blob = _softmax16_plan()
    params = plan_format().op_params["SOFTMAX"].unpack(blob, params_offset(blob))
    bad = with_const_i32(blob, params["exp_lut_offset"] + 4 * 10, [0])   # entries 20 and 21
    with pytest.raises(EngineError) as info:
        HostEngine(bad)
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    const_offset = plan_format().header.unpack(blob)["const_offset"]
    assert info.value.details["byte_offset"] == const_offset + params["exp_lut_offset"] + 40


def test_16bit_extreme_accepted_luts_run_without_undefined_behaviour():
    """Every exp 1 (the smallest row sums) or 32767, reciprocals at both int16 ends: clean under ASan+UBSan."""
    blob = _softmax16_plan()
    params = plan_format().op_params["SOFTMAX"].unpack(blob, params_offset(blob))
    rows = [np.full(10, -32768), np.full(10, 32767), np.array([32767] + [-32768] * 9)]
    batch = [[np.asarray(r, np.int16).reshape(1, 10)] for r in rows]
    def pair(lo, hi):   # two int16 LUT entries as the plan's int32 word
        return int(np.array([lo, hi], "<i2").view("<i4")[0])
    for exp_word, recip_word in ((pair(1, 1), pair(-32768, 32767)), (pair(32767, 32767), pair(32767, -32768))):
        plan = with_const_i32(blob, params["exp_lut_offset"], [exp_word] * 257)
        plan = with_const_i32(plan, params["one_over_one_plus_x_lut_offset"], [recip_word] * 257)
        run_sanitized(plan, batch, [(1, 10)])
