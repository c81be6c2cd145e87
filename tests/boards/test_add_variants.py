"""ADD's int8 fast paths (kernels/src/ops/add.c; same shapes, or one input a scalar): the DSP
loops the Cortex-M4 runs and the Helium loops the Cortex-M55 runs, byte for byte against TFLM and
the reference kernels.

Each variant is built for the host with its instructions written in C (TH_KERNELS_DSP_PORTABLE,
TH_KERNELS_MVE_PORTABLE) and run under ASan and UBSan on every ADD op-zoo case (against TFLM) and
on plans with parameters the compiler rarely or never writes (against the host engine's reference
kernels): extreme multipliers and shifts, other left shifts, every zero point's sign, narrow
activation clamps, one input a scalar, and sizes 1 to 67 (every tail of the four-lane and
two-output loops).  The same cases run on the emulated boards: Cortex-M4 (qemu-netduinoplus2,
qemu-mps2-an386) and Cortex-M55 with MVE (qemu-mps3-an547, its Helium build and its DSP build),
with ResNet-8, whose three residual ADDs take the fast paths."""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
from hil.engine.host import HostEngine, run_sanitized
from hil.model.golden import TflmReference, random_inputs
from hil.modelgen.zoo.add import CASES, add_model
from hil.backends import SessionOptions
from hil.session import Session
from tests.conftest import shared_model
from tests.opcheck import assert_same_batch

INT32_MAX = (1 << 31) - 1
HALF = 1 << 30
VARIANTS = {"DSP": ("TH_KERNELS_DSP_PORTABLE",), "MVE": ("TH_KERNELS_MVE_PORTABLE",)}
# (board, kernel build): the Cortex-M4s' DSP loops, the Cortex-M55's Helium loops, and its DSP build.
BOARDS = [("qemu-netduinoplus2", None), ("qemu-mps2-an386", None), ("qemu-mps3-an547", None),
          ("qemu-mps3-an547", "dsp")]

# (left_shift, input1 multiplier and shift, input2 multiplier and shift, output multiplier and shift):
# TFLM's form (one input 1/2, left shift 20) and what validate accepts beyond it.
EXTREME_QUANT = [
    (20, (HALF, 0), (HALF, 0), (HALF, -1)),               # equal input scales, the smallest output shift
    (20, (INT32_MAX, -1), (HALF, 0), (INT32_MAX, -22)),   # the largest output shift the DSP loop takes
    (20, (HALF, 0), (INT32_MAX, -31), (HALF, -23)),       # input 1 the half one; output shift past the DSP's
    (20, (0, -5), (HALF, 0), (1, -2)),
    (20, (1, -1), (HALF, 0), (INT32_MAX, -31)),
    (20, (INT32_MAX, 0), (HALF, 0), (INT32_MAX, -18)),    # the other input with shift 0, not 1/2
    (20, (HALF, 0), (HALF, 0), (INT32_MAX, 0)),           # output shift 0
    (22, (INT32_MAX, 0), (INT32_MAX, 0), (INT32_MAX, 0)),  # the largest left shift, neither input 1/2
    (22, (HALF, 0), (1234567890, -3), (987654321, -20)),
    (1, (HALF, 0), (HALF, 0), (HALF, -1)),                # half inputs with the smallest left shift
    (0, (HALF, 0), (HALF, 0), (HALF, 0)),
    (15, (1500000000, -2), (HALF, 0), (1100000000, -12)),
]
# (zero points of x1, x2, y; act_min, act_max)
EXTREME_OFFSETS = [(-128, 127, -128, -128, 127), (127, -128, 127, -128, 127), (0, 0, 0, -5, 9),
                   (-128, -128, 50, 50, 127), (127, 127, -128, -128, -100)]


def _patched(blob: bytes, quant, clamp=None) -> bytes:
    ls, (m1, s1), (m2, s2), (mo, so) = quant
    fields = dict(left_shift=ls, input1_multiplier=m1, input1_shift=s1, input2_multiplier=m2, input2_shift=s2,
                  output_multiplier=mo, output_shift=so)
    if clamp is not None:
        fields.update(act_min=clamp[0], act_max=clamp[1])
    return with_record_fields(blob, plan_format().op_params["ADD"], params_offset(blob), **fields)


def _batch(shape1, shape2, seed: int) -> list[list[np.ndarray]]:
    """Random inputs and the four constant corners (the most offset, the most clamped)."""
    rng = np.random.default_rng(seed)
    batch = [[rng.integers(-128, 128, shape1, dtype=np.int8), rng.integers(-128, 128, shape2, dtype=np.int8)]]
    for a in (-128, 127):
        for b in (-128, 127):
            batch.append([np.full(shape1, a, np.int8), np.full(shape2, b, np.int8)])
    return batch


def _edge_plans() -> list[tuple[str, object, list[list[np.ndarray]]]]:
    """Plans (name, compiled plan, inputs) with the parameters above; expected: the host's reference kernels."""
    plans = []
    # Same shapes, and one input a scalar (either one).
    for shape1, shape2 in (((1, 5, 7), (1, 5, 7)), ((1, 5, 7), (1,)), ((1,), (1, 5, 7))):
        for k, (z1, z2, zy, lo, hi) in enumerate(EXTREME_OFFSETS):
            compiled = compile_model(add_model(shape1, shape2, seed=60 + k, zero_points=(z1, z2, zy)))
            for j, quant in enumerate(EXTREME_QUANT):
                plan = dataclasses.replace(compiled, blob=_patched(compiled.blob, quant, (lo, hi)))
                plans.append((f"add_{shape1}_{shape2}_zp{k}_quant{j}", plan, _batch(shape1, shape2, k * 100 + j)))
    # Every size from 1 to 67 with TFLM's form of parameters, zero points and scales drawn per size;
    # every third size with a scalar second input.
    rng = np.random.default_rng(7)
    for n in range(1, 68):
        shape2 = (1,) if n % 3 == 0 else (n,)
        zps = [int(z) for z in rng.integers(-128, 128, 3)]
        s1 = float(rng.uniform(0.01, 0.2))
        scales = (s1, s1 * float(rng.uniform(0.05, 1.5)), s1 * float(rng.uniform(0.5, 3)))
        activation = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")[n % 4]
        plan = compile_model(add_model((n,), shape2, scales, activation=activation, seed=n, zero_points=zps))
        plans.append((f"add_size_{n}_{shape2}", plan, _batch((n,), shape2, 1000 + n)))
    return plans


# --- on the host, under the sanitizers --------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_add_variant_built_for_the_host_matches_tflm_on_the_zoo(variant):
    for name, make in sorted(CASES.items()):   # the int16 cases too: the reference loop beside
        model = make()
        plan = compile_model(model)
        batch = [random_inputs(plan.inputs, seed) for seed in range(3)]
        golden = TflmReference(model)
        got = run_sanitized(plan.blob, batch, [t.shape for t in plan.outputs], defines=VARIANTS[variant])
        assert_same_batch(got, [golden.run(xs) for xs in batch], f"host {variant} variant {name}")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_add_variant_built_for_the_host_equals_the_reference_kernels_on_edge_parameters(variant):
    for name, plan, batch in _edge_plans():
        reference = HostEngine(plan.blob)
        expected = [reference.run(xs) for xs in batch]
        got = run_sanitized(plan.blob, batch, defines=VARIANTS[variant])
        assert_same_batch(got, expected, f"host {variant} variant {name}")


@pytest.mark.shared
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_add_variant_built_for_the_host_matches_tflm_on_resnet(variant):
    model = shared_model("pretrainedResnet_quant.tflite").read_bytes()
    plan = compile_model(model)
    batch = [random_inputs(plan.inputs, 900 + seed) for seed in range(2)]
    golden = TflmReference(model)
    got = run_sanitized(plan.blob, batch, [t.shape for t in plan.outputs], defines=VARIANTS[variant])
    assert_same_batch(got, [golden.run(xs) for xs in batch], f"host {variant} variant ResNet-8")


# --- on the boards ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BOARDS, ids=[b if k is None else f"{b}+{k}" for b, k in BOARDS])
def session(request):
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None:
        pytest.skip("needs arm-none-eabi-gcc and qemu-system-arm (the README's setup command installs them)")
    board, kernels = request.param
    with Session(board, SessionOptions(kernels=kernels)) as s:
        yield s


def _run_on(session, plan, batch) -> list[list[np.ndarray]]:
    session.load(plan)
    return [session.infer(xs).outputs for xs in batch]


def test_add_zoo_matches_tflm_on_the_board(session):
    for name, make in sorted(CASES.items()):
        model = make()
        plan = compile_model(model)
        batch = [random_inputs(plan.inputs, seed) for seed in range(3)]
        golden = TflmReference(model)
        assert_same_batch(_run_on(session, plan, batch), [golden.run(xs) for xs in batch],
                          f"{session.label} {name}")


def test_add_edge_parameters_equal_the_reference_kernels_on_the_board(session):
    for name, plan, batch in _edge_plans():
        reference = HostEngine(plan.blob)
        expected = [reference.run(xs) for xs in batch]
        assert_same_batch(_run_on(session, plan, batch), expected, f"{session.label} {name}")


@pytest.mark.shared
def test_resnet_matches_tflm_on_the_board(session):
    model = shared_model("pretrainedResnet_quant.tflite").read_bytes()
    plan = compile_model(model)
    batch = [random_inputs(plan.inputs, 900 + seed) for seed in range(2)]
    golden = TflmReference(model)
    assert_same_batch(_run_on(session, plan, batch), [golden.run(xs) for xs in batch], f"{session.label} ResNet-8")
