"""DEPTHWISE_CONV_2D's Helium (MVE) variant (kernels/src/ops/depthwise_conv_2d_mve.c), built for
the host with its instructions written in C (TH_KERNELS_MVE_PORTABLE), under AddressSanitizer and
UndefinedBehaviorSanitizer: every depthwise zoo case against TFLM, and hand-made plans (extreme
shifts and biases, strides, dilation, padding, depth multipliers above 1, 1 to 17 channels)
against the host engine's reference kernels; and the same cases on the Cortex-M55 board
(qemu-mps3-an547), where the variant is compiled with its Helium instructions and assembly."""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.plan_format import plan_format, tensor_offset, with_channel_quant, with_const_i32, with_fixed_crc
from hil.engine.host import HostEngine, run_sanitized
from hil.model.golden import TflmReference, random_inputs
from hil.modelgen.zoo import all_cases
from hil.modelgen.zoo.depthwise_conv_2d import depthwise_model
from hil.session import Session
from tests.opcheck import assert_same_batch

ZOO = {name: make for name, make in sorted(all_cases().items()) if name.startswith("depthwise_conv_2d/")}
INT32_MAX = (1 << 31) - 1
INT32_MIN = -(1 << 31)


def _run_portable_mve(blob: bytes, batch, out_shapes):
    return run_sanitized(blob, batch, out_shapes, defines=("TH_KERNELS_MVE_PORTABLE",))


def _shapes() -> dict[str, bytes]:
    """Shapes the variant takes (3x3, depth multiplier 1) and the ones it leaves to the DSP variant."""
    models = {}
    for channels in range(1, 18):
        models[f"3x3_same_{channels}_channels"] = depthwise_model((1, 7, 9, channels), seed=100 + channels)
    for channels in (4, 5, 12):
        for stride in ((2, 2), (1, 2), (2, 1), (3, 3)):
            models[f"3x3_stride{stride[0]}x{stride[1]}_{channels}"] = depthwise_model(
                (1, 11, 10, channels), stride=stride, seed=200 + channels + 7 * stride[0] + stride[1])
        models[f"3x3_valid_{channels}"] = depthwise_model((1, 6, 13, channels), padding="VALID", seed=300 + channels)
        models[f"3x3_valid_stride2_{channels}"] = depthwise_model((1, 9, 12, channels), padding="VALID",
                                                                  stride=(2, 2), seed=310 + channels)
    models.update({
        "3x3_smallest_image": depthwise_model((1, 3, 3, 8), seed=400),
        "3x3_stride2_smallest": depthwise_model((1, 3, 4, 8), stride=(2, 2), seed=401),
        "3x3_kws": depthwise_model((1, 25, 5, 64), seed=402),
        "3x3_two_images": depthwise_model((2, 5, 6, 8), seed=403),
        "3x3_two_images_16": depthwise_model((2, 5, 6, 16), seed=409),
        "3x3_stride2_two_images_48": depthwise_model((2, 7, 6, 48), stride=(2, 2), seed=415),
        "3x3_per_tensor_32": depthwise_model((1, 5, 6, 32), per_channel=False, seed=416),
        "3x3_relu6_24": depthwise_model((1, 6, 5, 24), activation="RELU6", seed=417),
        "3x3_8_channels_stride2": depthwise_model((1, 9, 10, 8), stride=(2, 2), seed=418),
        "3x3_8_channels_valid_odd": depthwise_model((1, 5, 10, 8), padding="VALID", seed=419),
        "3x3_relu6": depthwise_model((1, 6, 6, 8), activation="RELU6", seed=404),
        "3x3_per_tensor": depthwise_model((1, 6, 7, 12), per_channel=False, seed=405),
        "3x3_wide_row": depthwise_model((1, 4, 23, 8), seed=407),
        "3x3_stride2_wide_row": depthwise_model((1, 5, 26, 8), stride=(2, 2), seed=408),
        # left to the DSP variant
        "3x3_dilated": depthwise_model((1, 11, 12, 8), dilation=(2, 2), seed=410),
        "3x3_depth_multiplier_2": depthwise_model((1, 7, 7, 4), depth_multiplier=2, seed=411),
        "5x5": depthwise_model((1, 9, 9, 8), kernel=(5, 5), seed=412),
        "3x3_narrow_image": depthwise_model((1, 2, 7, 8), seed=413),
        "1x3": depthwise_model((1, 5, 7, 8), kernel=(1, 3), seed=414),
    })
    return models


def _check_against_tflm(models: dict[str, bytes]) -> None:
    for name, model in models.items():
        plan = compile_model(model)
        batch = [random_inputs(plan.inputs, seed) for seed in range(3)]
        if any(x.dtype != np.int8 for x in batch[0]):
            continue  # the 16x8 cases: not this kernel
        batch.append([np.full(x.shape, -128, np.int8) for x in batch[0]])
        batch.append([np.full(x.shape, 127, np.int8) for x in batch[0]])
        golden = TflmReference(model)
        got = _run_portable_mve(plan.blob, batch, [t.shape for t in plan.outputs])
        assert_same_batch(got, [golden.run(xs) for xs in batch], f"host MVE variant {name}")


def test_mve_variant_built_for_the_host_matches_tflm_on_the_zoo():
    assert ZOO, "no depthwise cases in the zoo"
    _check_against_tflm({name: make() for name, make in ZOO.items()})


def test_mve_variant_built_for_the_host_matches_tflm_on_strides_padding_and_channel_counts():
    _check_against_tflm(_shapes())


MULTIPLIERS = [INT32_MAX, 1 << 30, 0, INT32_MAX, 1 << 30, 1518500250, INT32_MAX]
EXTREMES = (("largest_shifts", [30, 1, 0, -31, 0, 7, -1], [INT32_MAX, INT32_MIN, 0, INT32_MAX, -1, 5, INT32_MIN]),
            ("small_shifts", [-31, -2, -1, -16, -30, -5, -31], [INT32_MIN, INT32_MAX, 3, -3, INT32_MAX, 0, 1]))


def _with_const_i8(blob: bytes, const_offset: int, index: int, value: int) -> bytes:
    data = bytearray(blob)
    data[plan_format().header.unpack(blob)["const_offset"] + const_offset + index] = value & 0xFF
    return with_fixed_crc(bytes(data))


def _patched_plans():
    """Per-channel multipliers and shifts at the ends of what validate allows and biases that carry
    the accumulator past int32, for each way to a channel group (four lanes: 7 channels; two pixels
    of eight channels; sixteen channels with a tail of four); and a weight of -128, which sends a
    sixteen-lane group (or the eight-channel pairs) to the four-lane path."""
    fmt = plan_format()
    plans = []
    for channels in (7, 8, 20):
        compiled = compile_model(depthwise_model((1, 6, 7, channels), seed=500 + channels))
        blob = compiled.blob
        bias = fmt.tensor.unpack(blob, tensor_offset(blob, 2))
        filt = fmt.tensor.unpack(blob, tensor_offset(blob, 1))
        for name, shifts, biases in EXTREMES:
            repeat = -(-channels // len(shifts))
            plan = with_const_i32(blob, bias["offset"], (biases * repeat)[:channels])
            plan = with_channel_quant(plan, 0, (MULTIPLIERS * repeat)[:channels], (shifts * repeat)[:channels])
            plans.append((f"{name}_{channels}", dataclasses.replace(compiled, blob=plan)))
        if channels >= 8:
            plan = _with_const_i8(blob, filt["offset"], 4 * channels + 5, -128)   # centre tap, channel 5
            plans.append((f"weight_-128_{channels}", dataclasses.replace(compiled, blob=plan)))
    return plans


def _extreme_cases():
    """(name, plan, inputs, the host engine's outputs) for the patched plans and a plan without a bias
    (TFLM's depthwise kernel needs one, so these are checked against the host engine)."""
    no_bias = [(f"no_bias_{c}", compile_model(depthwise_model((1, 6, 7, c), bias="absent", seed=406 + c)))
               for c in (6, 8)]
    for name, plan in _patched_plans() + no_bias:
        batch = [random_inputs(plan.inputs, seed) for seed in range(2)]
        batch += [[np.full(x.shape, v, np.int8) for x in batch[0]] for v in (-128, 127)]
        reference = HostEngine(plan.blob)
        yield name, plan, batch, [reference.run(xs) for xs in batch]


def test_mve_variant_built_for_the_host_equals_the_host_engine_on_extreme_quantization():
    for name, plan, batch, expected in _extreme_cases():
        got = _run_portable_mve(plan.blob, batch, [t.shape for t in plan.outputs])
        assert_same_batch(got, expected, f"host MVE variant {name}")


# --- on the Cortex-M55 board, as the compiler emits the variant ------------------------------

M55_BOARD = "qemu-mps3-an547"


@pytest.fixture(scope="module")
def m55_session():
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None:
        pytest.skip("needs arm-none-eabi-gcc and qemu-system-arm (the README's setup command installs them)")
    with Session(M55_BOARD) as s:
        yield s


def _run_on_board(session, plan, batch):
    session.load(plan)
    return [session.infer(xs).outputs for xs in batch]


def test_mve_variant_on_the_board_matches_tflm_on_strides_padding_and_channel_counts(m55_session):
    for name, model in {**{n: make() for n, make in ZOO.items()}, **_shapes()}.items():
        plan = compile_model(model)
        batch = [random_inputs(plan.inputs, seed) for seed in range(2)]
        if any(x.dtype != np.int8 for x in batch[0]):
            continue
        batch += [[np.full(x.shape, v, np.int8) for x in batch[0]] for v in (-128, 127)]
        golden = TflmReference(model)
        assert_same_batch(_run_on_board(m55_session, plan, batch), [golden.run(xs) for xs in batch],
                          f"{M55_BOARD} {name}")


def test_mve_variant_on_the_board_equals_the_host_engine_on_extreme_quantization(m55_session):
    for name, plan, batch, expected in _extreme_cases():
        assert_same_batch(_run_on_board(m55_session, plan, batch), expected, f"{M55_BOARD} {name}")
