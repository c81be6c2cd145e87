"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED as the boards run them.

Where the compiler targets the Arm DSP extension (every board here: Cortex-M4
and M55), the engine takes the DSP variants of these kernels
(kernels/src/ops/*_dsp.c) instead of the reference ones the host build runs;
on the Cortex-M55 (Helium), the MVE variants (*_mve.c) of CONV_2D and
FULLY_CONNECTED, which fall back on the DSP ones for the shapes they do not
take.  The same cases check them: every op-zoo case of the three ops and the
reference models on the emulated boards, byte for byte against TFLM; plans
with parameters the compiler never emits (the deepest accumulation, extreme
shifts and biases, a filter offset) against the host engine's reference
kernels; and the same variants built for the host with their instructions
written in C (TH_KERNELS_DSP_PORTABLE, TH_KERNELS_MVE_PORTABLE), under
AddressSanitizer and UndefinedBehaviorSanitizer.

The hand-made plans are checked for self-consistency (board or DSP variant ==
host engine), since TFLM cannot express most of them; the paths they reach also
have a TFLM-golden test: the deepest accumulation unpatched, and the filter
offset as a model with asymmetric weights, which TFLM's reference kernel runs."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.engine.build import build_host_tool
from hil.engine.host import HostEngine, run_sanitized
from hil.model.golden import TflmReference, random_inputs
from hil.modelgen.zoo import all_cases
from hil.modelgen.zoo.conv_2d import conv_model
from hil.modelgen.zoo.depthwise_conv_2d import depthwise_model
from hil.modelgen.zoo.fully_connected import fully_connected_model
from hil.compiler.plan_format import (params_offset, parse_plan, plan_format, tensor_offset, with_channel_quant,
                                      with_const_i32, with_record_fields, with_tensor_fields)
from hil.session import Session
from tests.conftest import shared_model
from tests.opcheck import assert_same_batch

OPS = ("conv_2d/", "depthwise_conv_2d/", "fully_connected/")
ZOO = {name: make for name, make in all_cases().items() if name.startswith(OPS)}
REAL_MODELS = ["vww_96_int8.tflite", "kws_ref_model.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite"]
INT32_MAX = (1 << 31) - 1
# Cortex-M4 (the DSP variants) and Cortex-M55 (the MVE variants, and the DSP ones where they fall back).
BOARDS = ["qemu-mps2-an386", "qemu-mps3-an547"]


# --- cases beyond the zoo: what only a hand-made plan or an unusual shape reaches ------------



DEEPEST_CONV_SHAPE = (1, 16, 16, 256)


def _deepest_conv_model() -> bytes:
    """The deepest accumulation validate accepts: 65536 products of -127 by the input."""
    return conv_model(DEEPEST_CONV_SHAPE, 1, kernel=(16, 16), padding="VALID", seed=9,
                      weights=np.full(16 * 16 * 256, -127))


def _constant_inputs(shape) -> list[list[np.ndarray]]:
    return [[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]


def _deepest_conv_plans() -> list[tuple[str, object, list[list[np.ndarray]]]]:
    """The deepest accumulation, a bias of INT32_MAX that carries the sum past int32, and the
    largest and smallest shifts: the window is longer than the DSP variant copies at once, and
    the accumulator wraps."""
    shape = DEEPEST_CONV_SHAPE
    compiled = compile_model(_deepest_conv_model())
    blob = compiled.blob
    fmt = plan_format()
    bias = fmt.tensor.unpack(blob, tensor_offset(blob, 2))
    blob = with_const_i32(blob, bias["offset"], [INT32_MAX])
    batch = _constant_inputs(shape)
    plans = []
    for multiplier, shift in ((INT32_MAX, 30), (INT32_MAX, -31), (0, 0), (1 << 30, 0), (1 << 30, 1)):
        plan = with_channel_quant(blob, 0, [multiplier], [shift])
        plans.append((f"deepest_conv_m{multiplier}_s{shift}", dataclasses.replace(compiled, blob=plan), batch))
    return plans


def _mve_edge_plans() -> list[tuple[str, object, list[list[np.ndarray]]]]:
    """Per-channel quantizations the compiler never writes next to each other, on the MVE paths (the matrix
    multiply's rows of four and single rows, the windows): a left shift, the largest right shift, a zero
    multiplier, INT32_MAX multipliers, and biases that carry the accumulator past int32."""
    models = {"conv_1x1": (conv_model((1, 3, 3, 20), 8, kernel=(1, 1), seed=51), (1, 3, 3, 20)),
              "conv_1x1_depth_8": (conv_model((1, 3, 3, 8), 8, kernel=(1, 1), seed=55), (1, 3, 3, 8)),
              "conv_1x1_depth_16": (conv_model((1, 3, 3, 16), 8, kernel=(1, 1), seed=60), (1, 3, 3, 16)),
              "conv_3x3": (conv_model((1, 4, 5, 6), 8, stride=(2, 1), seed=52), (1, 4, 5, 6)),
              "conv_3x3x32": (conv_model((1, 3, 3, 32), 8, seed=56), (1, 3, 3, 32)),
              "fc": (fully_connected_model((5, 36), 8, per_channel=True, seed=53), (5, 36))}
    multipliers = [INT32_MAX, 1 << 30, 0, INT32_MAX, 1518500250, INT32_MAX, 1 << 30, 1234567890]
    shifts = [3, -31, 0, 0, -1, -20, 1, -7]
    fmt = plan_format()
    plans = []
    for name, (model, shape) in models.items():
        compiled = compile_model(model)
        blob = compiled.blob
        op = "FULLY_CONNECTED" if name == "fc" else "CONV_2D"
        params = fmt.op_params[op].unpack(blob, params_offset(blob))
        assert params["quant_count"] == 8, name
        bias = fmt.tensor.unpack(blob, tensor_offset(blob, 2))
        blob = with_const_i32(blob, bias["offset"], [INT32_MAX, -INT32_MAX - 1, 0, 1 << 30, INT32_MAX, -5, 7, 0])
        blob = with_channel_quant(blob, 0, multipliers, shifts)
        batch = _constant_inputs(shape) + [random_inputs([shape], 3)]
        plans.append((f"mve_edges_{name}", dataclasses.replace(compiled, blob=blob), batch))
    return plans


FILTER_OFFSET_FC_CASES = ((10, 37, 3, 5), (7, 64, 2, -128), (16, 13, 1, 127))   # units, depth, batches, zero point


def _filter_offset_fc_plans() -> list[tuple[str, object, list[list[np.ndarray]]]]:
    """A per-tensor FULLY_CONNECTED with a filter zero point: TFLM's reference kernel takes
    one, the compiler never writes one (it refuses asymmetric weights), so the plan of the
    same model with symmetric weights is patched."""
    plans = []
    for units, depth, batches, zero_point in FILTER_OFFSET_FC_CASES:
        compiled = compile_model(fully_connected_model((batches, depth), units, seed=units))
        blob = compiled.blob
        fmt = plan_format()
        blob = with_tensor_fields(blob, 1, zero_point=zero_point)
        blob = with_record_fields(blob, fmt.op_params["FULLY_CONNECTED"], params_offset(blob),
                                  filter_offset=-zero_point)
        batch = [random_inputs([(batches, depth)], seed) for seed in range(2)]
        plans.append((f"fc_filter_offset_{zero_point}", dataclasses.replace(compiled, blob=blob), batch))
    return plans


def _filter_offset_fc_goldens() -> list[tuple[str, object, list[list[np.ndarray]], list[list[np.ndarray]]]]:
    """Each filter-offset plan with TFLM's outputs for the model it stands for: the same weight
    bytes with that zero point (the generator draws the same values whatever the zero point)."""
    cases = []
    for (name, plan, batch), (units, depth, batches, zero_point) in zip(_filter_offset_fc_plans(),
                                                                        FILTER_OFFSET_FC_CASES):
        golden = TflmReference(fully_connected_model((batches, depth), units, seed=units,
                                                     weights_zero_point=zero_point))
        cases.append((name, plan, batch, [golden.run(xs) for xs in batch]))
    return cases


def _odd_shapes() -> dict[str, bytes]:
    """Shapes the DSP variants split differently: depths that are not multiples of four (the
    scalar tails), an odd number of rows (the single-row loop), a window longer than one copy,
    grouped filters of odd group size, four-channel depthwise groups with a leftover, buffers in the
    op's scratch (with and without a bias, an odd number of pixels)."""
    return {
        "conv_window_1152": conv_model((1, 5, 5, 128), 5, seed=31),
        "conv_1x1_odd_rows_depth_7": conv_model((1, 3, 3, 7), 5, kernel=(1, 1), seed=32),
        "conv_1x1_stride2": conv_model((1, 7, 7, 12), 6, kernel=(1, 1), stride=(2, 2), seed=33),
        "conv_grouped_3_per_group": conv_model((1, 5, 6, 6), 9, groups=3, seed=34),
        "conv_dilation_3_stride_2": conv_model((1, 13, 11, 5), 3, dilation=(3, 3), stride=(2, 2), seed=35),
        "depthwise_7_channels_stride2": depthwise_model((1, 9, 8, 7), stride=(2, 2), seed=36),
        "depthwise_5x5_dilated": depthwise_model((1, 11, 12, 12), kernel=(5, 5), dilation=(2, 1), seed=37),
        "fc_depth_1023": fully_connected_model((1, 1023), 9, seed=38),
        "fc_5_batches": fully_connected_model((5, 24), 11, per_channel=True, seed=39),
        # Buffers too large for the stack: in the op's scratch.
        "fc_depth_1024_scratch": fully_connected_model((2, 1024), 10, seed=40),
        "fc_depth_768_70_per_channel_no_bias": fully_connected_model((1, 768), 70, per_channel=True, bias="absent",
                                                                     seed=41),
        "conv_3x3x64_no_bias_odd_pixels": conv_model((1, 5, 5, 64), 6, bias="absent", seed=42),
        # The MVE variants: a pixel block across rows and the batch, fewer than four pixels, many channels,
        # windows in the op's scratch (one block at a time, by every channel), dilated taps, depths off a multiple of
        # sixteen, leftover rows and channels of the matrix multiply.
        "conv_3x3x32_2_batches": conv_model((2, 5, 3, 32), 10, stride=(2, 2), seed=43),
        "conv_3_pixels": conv_model((1, 1, 3, 5), 7, kernel=(1, 3), padding="VALID", seed=44),
        "conv_70_channels_1x3": conv_model((1, 4, 5, 3), 70, kernel=(1, 3), seed=45),
        "conv_1x1_70_channels_odd_pixels": conv_model((1, 3, 3, 33), 70, kernel=(1, 1), seed=46),
        "conv_1x1_depth_8_odd_pixels": conv_model((1, 3, 5, 8), 6, kernel=(1, 1), activation="RELU6", seed=54),
        "conv_1x1_depth_16": conv_model((1, 4, 5, 16), 6, kernel=(1, 1), seed=59),
        "conv_dilation_w_2": conv_model((1, 7, 9, 4), 5, dilation=(1, 2), seed=47),
        "conv_3x3x2_stride_2_runs": conv_model((1, 9, 11, 2), 4, stride=(2, 2), seed=57),
        "conv_3x3x5_dilation_h_2_runs": conv_model((1, 12, 10, 5), 3, dilation=(2, 1), padding="VALID", seed=58),
        "conv_5x5x48_scratch": conv_model((1, 6, 6, 48), 8, kernel=(5, 5), seed=48),
        "fc_6_batches_9_units_depth_23": fully_connected_model((6, 23), 9, per_channel=True, seed=49),
        "fc_1_unit": fully_connected_model((1, 40), 1, seed=50),
    }


# --- on the boards ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BOARDS)
def session(request):
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None:
        pytest.skip("needs arm-none-eabi-gcc and qemu-system-arm (the README's setup command installs them)")
    with Session(request.param) as s:
        yield s


def _run_on(session, plan, batch) -> list[list[np.ndarray]]:
    session.load(plan)
    return [session.infer(xs).outputs for xs in batch]


def _assert_equal(got: list[list[np.ndarray]], expected: list[list[np.ndarray]], what: str) -> None:
    assert_same_batch(got, expected, what)


def _zoo_and_odd_models() -> dict[str, bytes]:
    models = {name: make() for name, make in sorted(ZOO.items())}
    models.update(_odd_shapes())
    return models


def test_every_zoo_case_and_odd_shape_matches_tflm_on_the_board(session):
    for name, model in _zoo_and_odd_models().items():
        plan = compile_model(model)
        batch = [random_inputs(plan.inputs, seed) for seed in range(3)]  # int8 or int16 (16x8 cases)
        golden = TflmReference(model)
        _assert_equal(_run_on(session, plan, batch), [golden.run(xs) for xs in batch], f"{session.board} {name}")


def test_extreme_inputs_match_tflm_on_the_board(session):
    """Constant -128 and 127 inputs: the largest accumulators, the most clamping."""
    models = {"conv": (conv_model((1, 6, 6, 16), 8, stride=(2, 2), activation="RELU6", seed=21), (1, 6, 6, 16)),
              "depthwise": (depthwise_model((1, 6, 6, 8), activation="RELU6", seed=22), (1, 6, 6, 8)),
              "fully_connected": (fully_connected_model((1, 96), 12, seed=23), (1, 96))}
    for name, (model, shape) in models.items():
        plan = compile_model(model)
        batch = [[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]
        golden = TflmReference(model)
        _assert_equal(_run_on(session, plan, batch), [golden.run(xs) for xs in batch], f"{session.board} {name}")


def test_board_equals_the_host_engine_on_hand_made_plans(session):
    """Self-consistency: the board's variants against the host's reference kernels."""
    for name, plan, batch in _deepest_conv_plans() + _filter_offset_fc_plans() + _mve_edge_plans():
        reference = HostEngine(plan.blob)   # the host build: the reference kernels
        expected = [reference.run(xs) for xs in batch]
        _assert_equal(_run_on(session, plan, batch), expected, f"{session.board} {name}")


def test_deepest_accumulation_and_filter_offset_match_tflm_on_the_board(session):
    """The paths of the hand-made plans that a model can express, against TFLM."""
    model = _deepest_conv_model()
    batch = _constant_inputs(DEEPEST_CONV_SHAPE)
    golden = TflmReference(model)
    _assert_equal(_run_on(session, compile_model(model), batch), [golden.run(xs) for xs in batch],
                  f"{session.board} deepest conv")
    for name, plan, batch, expected in _filter_offset_fc_goldens():
        _assert_equal(_run_on(session, plan, batch), expected, f"{session.board} {name}")


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL_MODELS)
def test_reference_model_matches_tflm_on_the_board(session, name):
    model = shared_model(name).read_bytes()
    plan = compile_model(model)
    batch = [random_inputs(plan.inputs, 700 + seed) for seed in range(2)]
    golden = TflmReference(model)
    _assert_equal(_run_on(session, plan, batch), [golden.run(xs) for xs in batch], f"{session.board} {name}")


# --- the same variants on the host, under the sanitizers -------------------------------------


# The DSP variants, and the MVE variants (with the DSP ones they fall back on), their instructions written in C.
PORTABLE = {"dsp": "TH_KERNELS_DSP_PORTABLE", "mve": "TH_KERNELS_MVE_PORTABLE"}


@pytest.fixture(params=sorted(PORTABLE))
def portable(request) -> str:
    return request.param


def _run_portable(variant: str, blob: bytes, batch: list[list[np.ndarray]], out_shapes) -> list[list[np.ndarray]]:
    """The `variant` ("dsp" or "mve") kernels with their instructions written in C, under ASan and UBSan."""
    return run_sanitized(blob, batch, out_shapes, defines=(PORTABLE[variant],))


def test_variants_built_for_the_host_match_tflm_under_sanitizers(portable):
    for name, model in _zoo_and_odd_models().items():
        plan = compile_model(model)
        batch = [random_inputs(plan.inputs, seed) for seed in range(3)]
        if any(x.dtype != np.int8 for x in batch[0]):
            continue  # the 16x8 cases: the DSP and MVE variants are int8 only (the board test runs these)
        golden = TflmReference(model)
        got = _run_portable(portable, plan.blob, batch, [t.shape for t in plan.outputs])
        _assert_equal(got, [golden.run(xs) for xs in batch], f"host {portable} variant {name}")


def test_host_variants_equal_the_host_engine_on_hand_made_plans(portable):
    """Self-consistency: the DSP or MVE variants against the reference kernels, both built for the host."""
    for name, plan, batch in _deepest_conv_plans() + _filter_offset_fc_plans() + _mve_edge_plans():
        reference = HostEngine(plan.blob)
        expected = [reference.run(xs) for xs in batch]
        got = _run_portable(portable, plan.blob, batch, [t.shape for t in plan.outputs])
        _assert_equal(got, expected, f"host {portable} variant {name}")


def test_variants_built_for_the_host_match_tflm_on_the_deepest_accumulation_and_filter_offset(portable):
    model = _deepest_conv_model()
    plan = compile_model(model)
    batch = _constant_inputs(DEEPEST_CONV_SHAPE)
    golden = TflmReference(model)
    got = _run_portable(portable, plan.blob, batch, [t.shape for t in plan.outputs])
    _assert_equal(got, [golden.run(xs) for xs in batch], f"host {portable} variant deepest conv")
    for name, plan, batch, expected in _filter_offset_fc_goldens():
        _assert_equal(_run_portable(portable, plan.blob, batch, [t.shape for t in plan.outputs]), expected,
                      f"host {portable} variant {name}")


@pytest.mark.shared
@pytest.mark.parametrize("name", REAL_MODELS)
def test_variants_built_for_the_host_match_tflm_on_reference_models(portable, name):
    model = shared_model(name).read_bytes()
    plan = compile_model(model)
    batch = [random_inputs(plan.inputs, 700 + seed) for seed in range(2)]
    golden = TflmReference(model)
    got = _run_portable(portable, plan.blob, batch, [t.shape for t in plan.outputs])
    _assert_equal(got, [golden.run(xs) for xs in batch], f"host {portable} variant {name}")


def test_dsp_scratch_reserved_by_the_compiler_is_what_the_kernels_ask_for():
    """hil/compiler/ops/dsp_scratch.py against the kernels' size queries: the plans above load (the
    plan's scratch is at least the query's), and one byte less is refused (it is not more)."""
    tool = build_host_tool("th_run", sanitize=True, defines=("TH_KERNELS_DSP_PORTABLE",))
    fmt = plan_format()
    checked = 0
    for name, model in _zoo_and_odd_models().items():
        plan = compile_model(model)
        inputs = random_inputs(plan.inputs, 0)
        if any(x.dtype != np.int8 for x in inputs):
            continue
        parsed = parse_plan(plan.blob)
        for i, op in enumerate(parsed.ops):
            if op["scratch_bytes"] == 0:
                continue
            blob = with_record_fields(plan.blob, fmt.op, parsed.op_offset(i), scratch_bytes=op["scratch_bytes"] - 1)
            with tempfile.TemporaryDirectory(prefix="tinyhil-scratch-") as tmp:
                plan_path, in_path, out_path = (Path(tmp) / n for n in ("plan.bin", "inputs.bin", "outputs.bin"))
                plan_path.write_bytes(blob)
                in_path.write_bytes(b"".join(np.ascontiguousarray(x).tobytes() for x in inputs))
                result = subprocess.run([str(tool), str(plan_path), str(in_path), str(out_path)], capture_output=True,
                                        text=True, check=False, env={"PATH": "/usr/bin:/bin"})
            want = f"TH_ERR_BAD_OP op={i} "
            sizes = f"expected={op['scratch_bytes']} got={op['scratch_bytes'] - 1}"
            assert result.returncode != 0 and want in result.stderr and sizes in result.stderr, \
                f"{name} op {i}: the plan's scratch one byte short of {op['scratch_bytes']} was not refused " \
                f"({result.returncode}: {result.stderr.strip()[-500:]})"
            checked += 1
    # CONV_2D and FULLY_CONNECTED ask for scratch beyond their stack buffers; DEPTHWISE_CONV_2D never does.
    assert checked >= 5, f"only {checked} ops with a DSP scratch in the zoo"
