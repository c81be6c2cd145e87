"""A whole model a user would bring, beyond the MLPerf Tiny four: MobileNetV2-0.35 on 96x96
(generated, seeded weights).  It needs a 140,368 B arena: it runs byte-equal on the 4 MiB
qemu-mps2-an386 and is reported as not fitting the 128 KiB netduinoplus2, never crashing it."""
from __future__ import annotations

import pytest

from hil.compiler import compile_model
from hil.errors import HilError
from hil.model import resolve_model
from hil.model.golden import TflmReference
from hil.results.layers import compare_layers
from hil.session import Session, run_model
from tests.conftest import needs_emulator

MODEL = "mobilenet_v2_035_96"


@pytest.fixture(scope="module")
def model():
    return resolve_model(MODEL)


def test_every_layer_matches_tflm_on_the_host(model):
    with Session("host") as session:
        report = compare_layers(session, model, [[x] for x in _inputs(model, 1)])
    assert report.all_equal, report.summary()
    assert len(report.layers) == len(model.graph.ops) == 66


@needs_emulator
def test_it_runs_where_it_fits(model):
    run = run_model("qemu-mps2-an386", model, inputs=1)
    assert run.all_equal and run.instructions and run.instructions[0] > 10_000_000


@needs_emulator
def test_it_is_reported_as_not_fitting_the_small_board(model):
    plan = compile_model(model)
    with Session("qemu-netduinoplus2") as session:
        fit = session.fit(plan)
        assert not fit.fits
        assert f"arena {plan.arena_bytes:,} B" in fit.message and "does not fit" in fit.message
        with pytest.raises(HilError, match="does not fit any plan slot"):
            session.load(plan)
        # The board is still there for the next model.
        small = compile_model(resolve_model("kws"))
        session.load(small)
        assert session.infer(_inputs(small, 1)[0:1]).outputs[0].size == small.outputs[0].shape[-1]


def _inputs(model_or_plan, n):
    from hil.model.golden import random_inputs
    plan = model_or_plan if hasattr(model_or_plan, "inputs") and hasattr(model_or_plan, "blob") else compile_model(model_or_plan)
    return [random_inputs(plan.inputs, seed)[0] for seed in range(n)]
