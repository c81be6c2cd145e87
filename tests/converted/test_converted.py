"""Every converter-made model of ../shared/models/converted, byte-equal with its
TFLM golden outputs: on the host (the sanitizer build) and on emulated boards.

A model using an op the engine does not implement yet is skipped with the
compiler's own refusal (op index, type and reason), so what is missing stays
visible in the test report."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from tests.conftest import needs_emulator
from tests.converted.cases import MISSING_REASON, bit_equal, case_names, load_case

NAMES = case_names() or [pytest.param("none", marks=pytest.mark.skip(reason=MISSING_REASON))]
BOARDS = ("qemu-netduinoplus2", "qemu-mps3-an547")


def compiled(case):
    try:
        return compile_model(case.path.read_bytes(), name=case.name)
    except UnsupportedModelError as exc:
        pytest.skip(f"not supported yet: {exc}")


def assert_batch_matches(case, got: list[list[np.ndarray]], where: str) -> None:
    assert len(got) == case.samples
    for i, outs in enumerate(got):
        expected = case.golden(i)
        assert len(outs) == len(expected), f"{where}: {len(outs)} outputs, TFLM has {len(expected)}"
        for k, (out, ref) in enumerate(zip(outs, expected)):
            if not bit_equal(out, ref):
                diff = np.abs(np.asarray(out, np.float64) - np.asarray(ref, np.float64)).max() \
                    if np.shape(out) == np.shape(ref) else "shape"
                pytest.fail(f"{case.name} on {where}: sample {i} output {k} differs from TFLM "
                            f"({np.asarray(out).dtype}{list(np.shape(out))} vs {ref.dtype}{list(ref.shape)}, "
                            f"max abs diff {diff})")


@pytest.mark.parametrize("name", NAMES)
def test_converted_model_on_host(name):
    case = load_case(name)
    plan = compiled(case)
    got = run_sanitized(plan.blob, [plan.encode_inputs(xs) for xs in case.batch()])
    assert_batch_matches(case, [plan.decode_outputs(outs) for outs in got], "the host (ASan+UBSan)")


@pytest.fixture(scope="module")
def board_sessions():
    """One booted session per board for the whole module: each model is a new plan on it."""
    from hil.session import Session
    sessions = {}

    def session_for(board):
        if board not in sessions:
            sessions[board] = Session(board)
            sessions[board].open()
        return sessions[board]

    yield session_for
    for session in sessions.values():
        session.close()


@needs_emulator
@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("name", NAMES)
def test_converted_model_on_board(board_sessions, board, name):
    case = load_case(name)
    plan = compiled(case)
    session = board_sessions(board)
    fit = session.fit(plan)
    assert fit.fits, f"{case.name} does not fit {board}: {fit.message}"
    session.load(plan)
    got = [session.infer(xs).outputs for xs in case.batch()]
    assert_batch_matches(case, got, board)


FLOAT_IO = [n for n in case_names() if "float_io" in n]


@needs_emulator
@pytest.mark.parametrize("name", FLOAT_IO or [pytest.param("none", marks=pytest.mark.skip(reason=MISSING_REASON))])
def test_float_io_model_converted_on_target(name):
    """The FPU build (TH_FLOAT_IO) converts float I/O on the Cortex-M55 board: bit-equal floats, and the
    QUANTIZE/DEQUANTIZE counted there."""
    from hil.session import Session, SessionOptions
    case = load_case(name)
    plan = compile_model(case.path.read_bytes(), name=case.name, float_io="target")
    with Session("qemu-mps3-an547", SessionOptions(float_io="target")) as session:
        session.load(plan)
        inferences = [session.infer(xs) for xs in case.batch()]
    assert_batch_matches(case, [i.outputs for i in inferences], "qemu-mps3-an547 (float I/O on target)")
    counted = {op["type"]: op["instructions"] for op in inferences[0].per_op}
    assert counted.get("QUANTIZE", 0) > 0 and counted.get("DEQUANTIZE", 0) > 0, counted
    assert inferences[0].boundary == "target"


ARCHITECTURES = [n for n in case_names() if n.startswith("arch_")]


@pytest.mark.parametrize("board", ["host", pytest.param("qemu-netduinoplus2", marks=needs_emulator)])
@pytest.mark.parametrize("name", ARCHITECTURES or [pytest.param("none", marks=pytest.mark.skip(reason=MISSING_REASON))])
def test_architecture_agrees_with_tflm_layer_by_layer(board, name):
    """Random-weight networks give nearly constant outputs, so the final output is weak evidence:
    every op's output of sample 0 against TFLM's (hil run --compare-layers), and TFLM's against the
    tensors shipped beside the model."""
    from hil.model import Model
    from hil.results.layers import compare_layers
    from hil.session import Session
    case = load_case(name)
    model = Model.from_file(case.path)
    with Session(board) as session:
        report = compare_layers(session, model, [case.batch()[0]])
    assert report.all_equal, report.summary()
    assert len(report.layers) == sum(len(op.outputs) for op in model.graph.ops)
    shipped = np.load(case.tensors_file)
    from hil.model.golden import TflmReference
    reference = TflmReference(model, preserve_all_tensors=True)
    reference.run(case.batch()[0])
    for layer in report.layers:
        key = f"t{layer.tensor}"
        if key in shipped:
            assert reference.tensor(layer.tensor).tobytes() == shipped[key].tobytes(), key
