"""Whole models on the emulated Cortex-M boards: byte-equal with TFLM on every
input, exact instruction counts that repeat, per-op counts that add up."""

import pytest

from hil.model import resolve_model
from hil.compiler import compile_model
from hil.model.golden import TflmReference, random_inputs
from hil.session import Session
from tests.conftest import needs_emulator
from tests.opcheck import assert_same_outputs

pytestmark = needs_emulator

BOARD_MODELS = [(board, model) for board in ("qemu-netduinoplus2", "qemu-mps2-an386", "qemu-mps3-an547")
                for model in ("vww", "kws", "ic", "ad")]
# The fewest MACs an instruction does: one on Cortex-M4, sixteen on the Cortex-M55 (a Helium VMLADAVA.S8).
MACS_PER_INSTRUCTION = {"qemu-mps3-an547": 16}
# Instructions the runtime spends per op outside the profiled window (decoding
# the op's records, the hooks themselves): measured ~490 on Cortex-M4.
MAX_UNPROFILED_PER_OP = 800


@pytest.mark.parametrize("board, model", BOARD_MODELS)
def test_model_byte_equal_on_board(board, model):
    model_bytes = resolve_model(model).data
    plan = compile_model(model_bytes, name=model)
    golden = TflmReference(model_bytes)
    with Session(board) as session:
        session.load(plan)
        for seed in range(3):
            xs = random_inputs([t.shape for t in plan.inputs], seed)
            result = session.infer(xs)
            expected = golden.run(xs)
            assert_same_outputs(result.outputs, expected, f"{board} {model} seed {seed}")
            # at least one instruction per MAC, or per sixteen with Helium
            assert result.instructions and result.instructions > plan.macs / MACS_PER_INSTRUCTION.get(board, 1)
            per_op = [op["instructions"] for op in result.per_op]
            assert len(per_op) == len(plan.ops) and all(per_op)
            unprofiled = result.instructions - sum(per_op)
            assert 0 < unprofiled <= MAX_UNPROFILED_PER_OP * len(plan.ops), unprofiled


@pytest.mark.parametrize("board", ["qemu-netduinoplus2", "qemu-mps2-an386"])
def test_instruction_counts_identical_across_three_boots(board):
    model_bytes = resolve_model("kws").data
    plan = compile_model(model_bytes, name="kws")
    xs = random_inputs([t.shape for t in plan.inputs], 11)
    runs = []
    for _ in range(3):
        with Session(board) as session:
            session.load(plan)
            result = session.infer(xs)
            runs.append((result.instructions, [op["instructions"] for op in result.per_op]))
    assert runs[0] == runs[1] == runs[2]
