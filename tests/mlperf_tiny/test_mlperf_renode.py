"""The MLPerf Tiny image on Renode's STM32F4 platform: `hil mlperf-tiny --board
renode-netduinoplus2` talks to it over Renode's UART terminal.  There m-lap-us
is TIM2 at the platform's frequency, Renode virtual time, in which the CPU
runs at the platform's MIPS; so the latency of each window, times MIPS, must
equal the instructions the marker hooks count per inference (two independent
measurements), and the results must be TFLM's."""
from __future__ import annotations

import re
import shutil
import statistics

import pytest

from hil.runners.renode import NOT_INSTALLED, find_renode

pytestmark = [
    pytest.mark.skipif(find_renode() is None, reason=NOT_INSTALLED),
    pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                       reason="needs arm-none-eabi-gcc (the README's setup command installs it)"),
]


def test_ad01_performance_on_renode_latency_is_instructions_at_renode_mips():
    from hil.model.golden import TflmReference
    from hil.mlperf_tiny.dataset import make_samples
    from hil.mlperf_tiny.driver import format_table, run
    from hil.mlperf_tiny.firmware import compiled_plan, constants_for, model_bytes
    from hil.mlperf_tiny.models import get_model
    from hil.mlperf_tiny.results_format import results_line
    import numpy as np

    r = run("renode-netduinoplus2", "ad", "performance", iterations=200)
    assert r["board"] == "renode-netduinoplus2" and len(r["windows"]) == 5
    m = re.search(r"Renode virtual time at ([0-9]+) MIPS", r["timer"] or "")
    assert m, r["timer"]
    mips = int(m.group(1))
    for w in r["windows"]:
        assert len(w["instructions"]) == 200
        per_inference = statistics.mean(w["instructions"])
        assert w["latency_us"] * mips == pytest.approx(per_inference, rel=0.005), format_table(r)

    model = get_model("ad")
    plan = compiled_plan(model)
    constants = constants_for(model, plan)
    golden = TflmReference(model_bytes(model)[0])
    for w, sample in zip(r["windows"], make_samples(model, 5, cover=False)):
        x = np.frombuffer(sample.data[:sample.bytes_to_send], np.int8).reshape(plan.inputs[0].shape)
        assert w["results"] == results_line(constants, x, golden.run([x])[0])
