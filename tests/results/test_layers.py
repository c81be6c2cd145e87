"""Layer-by-layer comparison with TFLM (`hil run --compare-layers`)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from hil.model import resolve_model
from hil.model.golden import random_inputs
from hil.results.layers import compare_layers
from hil.session import Session
from tests.conftest import needs_emulator


def test_every_layer_of_kws_equals_tflm_on_the_host():
    model = resolve_model("kws")
    with Session("host") as session:
        report = compare_layers(session, model, [random_inputs([(1, 49, 10, 1)], 4)])
    assert report.all_equal, report.summary()
    assert [d.op_type for d in report.layers] == [op.type for op in model.graph.ops]
    assert "all 13 op outputs equal TFLM's" in report.summary()


class _OneLayerOff:
    """A session whose output for graph tensor `tensor` is off by one in one element."""

    def __init__(self, session, tensor: int):
        self.session, self.tensor, self.board, self.options = session, tensor, session.board, session.options

    def load(self, plan):
        self.position = plan.output_tensors.index(self.tensor)
        self.session.load(plan)

    def infer(self, xs):
        result = self.session.infer(xs)
        out = result.outputs[self.position].copy()
        out.reshape(-1)[7] = np.int8(out.reshape(-1)[7] ^ 1)
        result.outputs[self.position] = out
        return result


def test_the_first_differing_op_is_named_with_its_tensor_and_diff():
    model = resolve_model("kws")
    op = model.graph.ops[5]
    with Session("host") as session:
        report = compare_layers(_OneLayerOff(session, op.outputs[0]), model, [random_inputs([(1, 49, 10, 1)], 1)])
    first = report.first_difference
    assert (first.op_index, first.op_type, first.tensor, first.max_abs_diff) == (5, op.type, op.outputs[0], 1.0)
    assert all(d.equal for d in report.layers[:5]) and not report.all_equal
    assert f"first difference at op 5 ({op.type}) output tensor {op.outputs[0]}" in report.summary()


@needs_emulator
def test_compare_layers_from_the_command_line_on_a_board():
    r = subprocess.run([sys.executable, "-m", "hil.cli", "run", "--board", "qemu-netduinoplus2", "--model", "kws",
                        "--compare-layers", "--inputs", "1", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["all_equal"] and len(d["layers"]) == 13 and d["board"] == "qemu-netduinoplus2"
