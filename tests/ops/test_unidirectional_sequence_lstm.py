"""UNIDIRECTIONAL_SEQUENCE_LSTM: prepare-time arithmetic, rejections, byte equality
with TFLM (zoo cases, extreme inputs, the converter's fused Keras LSTM), the state
reset per inference, and plan validation."""
from __future__ import annotations

import re

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.unidirectional_sequence_lstm import checked_log2, prepare_unidirectional_sequence_lstm
from hil.compiler.plan_format import params_offset, parse_plan, plan_format, with_record_fields, with_tensor_fields
from hil.compiler.quant import quantize_multiplier
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference, random_inputs
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.unidirectional_sequence_lstm import CASES, lstm_model
from hil.paths import KERNELS_DIR, SHARED_MODELS_DIR
from hil.session import Session
from tests.conftest import needs_emulator, shared_model
from tests.opcheck import assert_matches_tflm, assert_same_outputs
from tests.ops._sigmoid_lut import tflm_sigmoid_table

OP = "UNIDIRECTIONAL_SEQUENCE_LSTM"
INT32_MAX = (1 << 31) - 1


def _prepare(model: bytes):
    graph = load_graph(model)
    return prepare_unidirectional_sequence_lstm(graph.ops[0], graph)


def _lstm(units=4, input_dim=3, steps=2, batch=1, drop=(), add=(), input_dtype=np.int8, cell_dtype=np.int16,
          hidden_variable=True, weight_zp=0, weight_scales=None, activation=4, hidden_shape=None,
          diagonal=False, cell_scale=2.0 ** -14) -> bytes:
    """An LSTM with knobs for what the engine refuses: `drop` leaves inputs absent, `add` fills
    optional ones (peephole 9-11, projection 16-17, layer norm 20-23)."""
    rng = np.random.default_rng(0)
    b = ModelBuilder("lstm")
    x = b.input("x", (batch, steps, input_dim), scale=0.02, zero_point=1, dtype=input_dtype)
    inputs = [x]
    for k in range(8):
        cols = input_dim if k < 4 else units
        scale = weight_scales if weight_scales is not None else 0.01
        inputs.append(b.const(f"w{k}", rng.integers(-127, 128, (units, cols), dtype=np.int8), scale=scale,
                              zero_point=weight_zp, quantized_dimension=0))
    inputs += [-1, -1, -1]
    inputs += [b.const(f"bias{k}", np.zeros(units, np.int32), scale=0.0002, zero_point=0) for k in range(4)]
    inputs += [-1, -1]
    inputs.append(b.tensor("h", hidden_shape or (batch, units), np.int8, scale=0.01, zero_point=2,
                           is_variable=hidden_variable))
    inputs.append(b.tensor("c", (batch, units), cell_dtype, scale=cell_scale, zero_point=0, is_variable=True))
    inputs += [-1, -1, -1, -1]
    for position in add:
        size = units if position in (9, 10, 11, 17) or position >= 20 else (units, units)
        inputs[position] = b.const(f"extra{position}", np.zeros(size, np.int16), scale=0.001, zero_point=0)
    for position in drop:
        inputs[position] = -1
    y = b.tensor("y", (batch, steps, units), input_dtype, scale=0.01, zero_point=2)
    b.op(OP, inputs, [y], "UnidirectionalSequenceLSTMOptions", fused_activation_function=activation,
         cell_clip=10.0, proj_clip=0.0, time_major=False, asymmetric_quantize_inputs=False,
         diagonal_recurrent_tensors=diagonal)
    b.mark_output(y)
    return b.build()


# --- prepare arithmetic -------------------------------------------------------------------


def test_prepare_takes_tflm_gate_and_inter_gate_scales():
    model = CASES["keras_units16_steps10"]()
    graph = load_graph(model)
    op = graph.ops[0]
    scale = {i: float(graph.tensors[op.inputs[i]].scale[0]) for i in (0, 1, 2, 3, 4, 5, 6, 7, 8, 18, 19)}
    p = _prepare(model)
    for k, gate in enumerate(("input", "forget", "cell", "output")):
        # CalculateOpDataFullyConnected: double products of the float32 scales over 2^-12.
        assert (p.params[f"{gate}_gate_input_multiplier"], p.params[f"{gate}_gate_input_shift"]) == \
            quantize_multiplier(scale[0] * scale[1 + k] / 2.0 ** -12)
        assert (p.params[f"{gate}_gate_recurrent_multiplier"], p.params[f"{gate}_gate_recurrent_shift"]) == \
            quantize_multiplier(scale[18] * scale[5 + k] / 2.0 ** -12)
    assert scale[19] == 2.0 ** -14
    # forget x cell: 2^-15 * c / c = 2^-15;  input x cell gate: 2^-30 / 2^-14 = 2^-16.
    assert (p.params["forget_cell_multiplier"], p.params["forget_cell_shift"]) == (1 << 30, -14)
    assert (p.params["input_cell_multiplier"], p.params["input_cell_shift"]) == (1 << 30, -15)
    assert (p.params["hidden_multiplier"], p.params["hidden_shift"]) == quantize_multiplier(2.0 ** -30 / scale[18])
    # tanh(cell): left shift 15 - 14 - 3 = -2, so multiplier 3 and a rounding shift of 2.
    assert (p.params["cell_tanh_multiplier"], p.params["cell_tanh_shift"]) == (3, 2)
    # cell_clip 10 / 2^-14 = 163840, clamped to int16.
    assert (p.params["use_cell_clip"], p.params["cell_clip"]) == (1, 32767)
    assert (p.params["input_zero_point"], p.params["hidden_zero_point"], p.params["time_major"]) == (-5, 9, 0)
    # The plan reads the input, 8 weights and 4 biases; the states live in the scratch.
    assert p.inputs == [op.inputs[i] if i <= 8 or 12 <= i <= 15 else -1 for i in range(24)]
    assert p.scratch_bytes == 1 * 16 * 11
    assert p.macs == 10 * 4 * 16 * (8 + 16)


@pytest.mark.parametrize("case, multiplier, shift, clip", [
    ("small_clip_cell_scale_2e-11", 6, 0, 819),       # left shift 1: 3 << 1; 0.4 / 2^-11 = 819.2
    ("cell_scale_2e-16", 3, 4, 29491),                # left shift -4; 0.45 / 2^-16 = 29491.2
    ("time_major_no_clip_zp_ends", 3, 2, 0),          # cell_clip 0: no clipping
])
def test_cell_scale_sets_the_tanh_input_scaling_and_clip(case, multiplier, shift, clip):
    p = _prepare(CASES[case]()).params
    assert (p["cell_tanh_multiplier"], p["cell_tanh_shift"], p["cell_clip"]) == (multiplier, shift, clip)
    assert p["use_cell_clip"] == int(clip > 0)


def test_checked_log2_rounds_like_tflm():
    assert [checked_log2(2.0 ** e) for e in (-16, -14, -11, 0, 2)] == [-16, -14, -11, 0, 2]
    assert checked_log2(1.3 * 2.0 ** -12) == -12    # not a power of two: rounded, not refused (as TFLM)


@pytest.mark.shared
def test_converted_model_prepare_matches_its_manifest():
    graph = load_graph(shared_model("converted/lstm16_fused_10x8.tflite").read_bytes())
    prepared = prepare_unidirectional_sequence_lstm(graph.ops[0], graph)
    assert prepared.macs == 15360      # MANIFEST.md's count
    assert prepared.params["cell_clip"] == 32767 and prepared.params["hidden_zero_point"] == 9


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _lstm(drop=(1, 5)), "no CIFG variant"),
    (lambda: _lstm(add=(10,)), "peephole"),
    (lambda: _lstm(add=(16,)), "projection weights"),
    (lambda: _lstm(add=(21,)), "layer-norm"),
    (lambda: _lstm(drop=(13,)), "forget gate bias"),
    (lambda: _lstm(activation=6), "fused activation 6"),
    (lambda: _lstm(activation=1), "fused activation 1"),
    (lambda: _lstm(input_dtype=np.int16), "not the 16x8 one"),
    (lambda: _lstm(cell_dtype=np.int8), "cell state .* is INT8, expected INT16"),
    (lambda: _lstm(hidden_variable=False), "not a variable tensor"),
    (lambda: _lstm(weight_zp=3), "symmetric int8 weights"),
    (lambda: _lstm(weight_scales=[0.01, 0.02, 0.01, 0.01]), "per-channel"),
    (lambda: _lstm(hidden_shape=(4,)), "second dimension"),
    (lambda: _lstm(diagonal=True), "diagonal_recurrent_tensors"),
    (lambda: _lstm(cell_scale=2.0 ** 4), "int16 tanh"),
])
def test_unsupported_lstm_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert f"op 0 ({OP})" in str(info.value)


def test_state_used_by_another_op_is_rejected():
    b = ModelBuilder("lstm state shared")
    graph_model = _lstm()
    graph = load_graph(graph_model)
    op = graph.ops[0]
    remap = {}
    for t in graph.tensors:
        remap[t.index] = b.tensor(t.name, t.shape, t.data_dtype, t.scale, t.zero_point, t.quantized_dimension,
                                  t.data, is_variable=t.is_variable)
    b.inputs.append(remap[graph.inputs[0]])
    b.op(OP, [remap[i] if i >= 0 else -1 for i in op.inputs], [remap[op.outputs[0]]],
         "UnidirectionalSequenceLSTMOptions", fused_activation_function=4, cell_clip=0.0, time_major=False)
    b.mark_output(remap[op.outputs[0]])
    b.mark_output(remap[op.inputs[18]])          # the hidden state read out as a model output
    with pytest.raises(UnsupportedModelError, match="used outside the LSTM"):
        compile_model(b.build())


# --- byte equality with TFLM --------------------------------------------------------------


def test_engine_sigmoid_table_is_tflms():
    """The C table (sigmoid(i/24) in 0.16) equals the one the pinned wheel's int16 kernels read."""
    source = (KERNELS_DIR / "src" / "ops" / "sigmoid_lut.c").read_text()
    body = re.search(r"sigmoid_table_u16\[256\] = \{(.*?)\};", source, re.S).group(1)
    table = [int(v) for v in body.replace("\n", " ").split(",") if v.strip()]
    assert table == tflm_sigmoid_table()


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_extreme_inputs_match_tflm():
    """Constant -128 and 127 inputs drive the gates into the LUTs' saturation and the cell to its clip."""
    model = lstm_model(batch=2, steps=6, input_dim=5, units=7, cell_clip=0.9, seed=11)
    shape = (2, 6, 5)
    assert_matches_tflm(model, batch=[[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]])


def test_cell_clip_changes_the_outputs():
    """The clipping case really clips: without the clip the engine's outputs differ."""
    model = CASES["small_clip_cell_scale_2e-11"]()
    blob = compile_model(model).blob
    unclipped = with_record_fields(blob, plan_format().op_params[OP], params_offset(blob), use_cell_clip=0)
    plan = compile_model(model)
    batch = [random_inputs(plan.inputs, i) for i in range(3)]
    clipped_out, unclipped_out = HostEngine(blob), HostEngine(unclipped)
    assert any(not np.array_equal(clipped_out.run(xs)[0], unclipped_out.run(xs)[0]) for xs in batch)


def test_every_inference_starts_from_the_reset_state():
    """The engine zeroes the state per inference, as TFLM after reset(); TflmReference.run does that reset."""
    model = CASES["batch2_units8_steps5"]()
    plan = compile_model(model)
    xs = random_inputs(plan.inputs, 3)
    engine, golden = HostEngine(plan.blob), TflmReference(model)
    first, second = engine.run(xs)[0], engine.run(xs)[0]
    assert np.array_equal(first, second)
    assert np.array_equal(golden.run(xs)[0], golden.run(xs)[0])
    assert np.array_equal(first, golden.run(xs)[0])


def _converted_lstm_alone():
    """lstm16_fused_10x8 cut after its LSTM (before the STRIDED_SLICE): (the case, its model, the LSTM op,
    the model of the LSTM alone)."""
    from tests.converted.cases import MISSING_REASON, load_case, manifest
    if manifest() is None:
        pytest.skip(MISSING_REASON)
    case = load_case("lstm16_fused_10x8")
    model = case.path.read_bytes()
    graph = load_graph(model)
    op = graph.ops[0]
    assert op.type == OP
    b = ModelBuilder("lstm16_fused_10x8 up to its LSTM")
    remap = {}
    for i in [i for i in op.inputs if i >= 0] + op.outputs:
        t = graph.tensors[i]
        remap[i] = b.tensor(t.name, t.shape, t.data_dtype, t.scale, t.zero_point, t.quantized_dimension, t.data,
                            is_variable=t.is_variable)
    b.inputs.append(remap[op.inputs[0]])
    b.op(OP, [remap[i] if i >= 0 else -1 for i in op.inputs], [remap[op.outputs[0]]],
         "UnidirectionalSequenceLSTMOptions", **op.options)
    b.mark_output(remap[op.outputs[0]])
    return case, model, op, b.build()


@pytest.mark.shared
def test_converted_keras_lstm_output_matches_tflm():
    """The converted model's LSTM on the engine against TFLM's tensor of the whole model, and its
    last step against the model's golden output."""
    case, model, op, alone = _converted_lstm_alone()
    plan = compile_model(alone)
    got = run_sanitized(plan.blob, [[x] for x in case.inputs[0]])
    full = TflmReference(model, preserve_all_tensors=True)
    for i, outs in enumerate(got):
        full.run([case.inputs[0][i]])
        assert np.array_equal(outs[0], full.tensor(op.outputs[0]).reshape(outs[0].shape)), f"sample {i}"
        assert np.array_equal(outs[0][:, -1, :], case.golden(i)[0]), f"sample {i}: last step"


@needs_emulator
def test_zoo_and_converted_lstm_match_tflm_on_qemu_netduinoplus2():
    models = {name: make() for name, make in sorted(CASES.items())}
    if (SHARED_MODELS_DIR / "converted" / "lstm16_fused_10x8.tflite").exists():
        models["lstm16_fused_10x8 LSTM"] = _converted_lstm_alone()[3]
    with Session("qemu-netduinoplus2") as session:
        for name, model in models.items():
            plan = compile_model(model)
            golden = TflmReference(model)
            session.load(plan)
            for seed in range(3):
                xs = random_inputs(plan.inputs, seed)
                assert_same_outputs(session.infer(xs).outputs, golden.run(xs), f"qemu-netduinoplus2 {name} {seed}")


# --- plan validation ----------------------------------------------------------------------


def _plan() -> bytes:
    """Input [2,5,6] (tensor 0), input weights [8,6] (1-4), recurrent [8,8] (5-8), biases [8] (9-12),
    output [2,5,8] (13)."""
    return compile_model(CASES["batch2_units8_steps5"]()).blob


def test_plan_holds_the_op_tensors_in_kernel_order():
    records = parse_plan(_plan()).tensors[:14]
    assert [(r["dim0"], r["dim1"]) for r in (records[0], records[1], records[5], records[13])] == \
        [(2, 5), (8, 6), (8, 8), (2, 5)]
    assert [r["dtype"] for r in records[9:13]] == [2] * 4


@pytest.mark.parametrize("fields", [
    {"time_major": 2},
    {"input_zero_point": 11},               # not the input tensor's 12
    {"hidden_zero_point": 128},
    {"forget_gate_input_shift": 31},
    {"cell_gate_recurrent_multiplier": -1},
    {"hidden_shift": -32},
    {"forget_cell_multiplier": -5},
    {"cell_tanh_multiplier": 0},
    {"cell_tanh_multiplier": 65536},
    {"cell_tanh_shift": 16},
    {"use_cell_clip": 2},
    {"cell_clip": 32768},
    {"cell_clip": -1},
])
def test_bad_params_are_refused(fields):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params[OP], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == plan_format().op_ids[OP]


@pytest.mark.parametrize("tensor, fields, status", [
    (2, {"dim1": 5}, "TH_ERR_SHAPE"),          # input-to-forget weights [8,5] for 6 inputs
    (6, {"dim0": 4, "dim1": 16}, "TH_ERR_SHAPE"),           # recurrent weights [4,16]
    (10, {"dtype": 1}, "TH_ERR_BAD_TENSOR"),    # an int8 bias
    (11, {"dim0": 4}, "TH_ERR_SHAPE"),         # a bias of 4 for 8 units
    (13, {"dim2": 4}, "TH_ERR_SHAPE"),         # output of 4 units
    (13, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),                # uint8 output
    (0, {"rank": 2, "dim1": 30, "dim2": 1}, "TH_ERR_SHAPE"),
    (3, {"zero_point": 1}, "TH_ERR_BAD_TENSOR"),            # asymmetric weights
])
def test_bad_shapes_and_types_are_refused(tensor, fields, status):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status
    assert info.value.details["op_type"] == plan_format().op_ids[OP]


def test_too_little_scratch_is_refused():
    blob = _plan()
    fmt = plan_format()
    at = fmt.header.unpack(blob, 0)["ops_offset"]
    record = fmt.op.unpack(blob, at)
    assert record["scratch_bytes"] == 2 * 8 * 11
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, fmt.op, at, scratch_bytes=record["scratch_bytes"] - 1))
    assert info.value.status == "TH_ERR_BAD_OP"


def test_extreme_accepted_params_run_without_undefined_behaviour():
    """The largest and smallest multipliers and shifts validate accepts, the widest tanh input
    scaling and no clip run clean under ASan+UBSan (the kernel wraps where TFLM's int32 would overflow)."""
    blob = _plan()
    record = plan_format().op_params[OP]
    shape = (2, 5, 6)
    batch = [[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]
    gates = [f"{g}_gate_{s}" for g in ("input", "forget", "cell", "output") for s in ("input", "recurrent")]
    for multiplier, shift in ((INT32_MAX, 30), (INT32_MAX, -31), (0, 0)):
        fields = {f"{name}_multiplier": multiplier for name in gates + ["forget_cell", "input_cell", "hidden"]}
        fields.update({f"{name}_shift": shift for name in gates + ["forget_cell", "input_cell", "hidden"]})
        plan = with_record_fields(blob, record, params_offset(blob), cell_tanh_multiplier=65535, cell_tanh_shift=15,
                                  use_cell_clip=0, hidden_zero_point=-128, **fields)
        run_sanitized(plan, batch, [(2, 5, 8)])
