"""The regression gate end to end: a deliberately slowed firmware build makes
the gate fail with old value, new value and percent; restoring it passes."""
import re

from hil.model import resolve_model
from hil.boards.firmware import build_firmware
from hil.results import BaselineFile, ResultsStore
from hil.session import SessionOptions, run_model
from tests.conftest import needs_emulator

pytestmark = needs_emulator
BOARD = "qemu-netduinoplus2"
SLOWDOWN = "TH_SLOW_DOWN_OPS_BY=20000"   # an extra loop in every op: ~100k instructions per op


def test_slowed_build_fails_the_gate_and_restoring_it_passes(tmp_path):
    model_bytes = resolve_model("kws").data
    model = tmp_path / "kws.tflite"
    model.write_bytes(model_bytes)
    baselines = BaselineFile(tmp_path / "baselines.json")

    with ResultsStore(tmp_path / "results.sqlite") as store:
        normal = run_model(BOARD, model, inputs=1)
        store.record_result(normal)
        baselines.update_from_store(store, BOARD, "kws")
        baselines.save()

        slow_elf = build_firmware(BOARD.removeprefix("qemu-"), defines=(SLOWDOWN,))
        slowed = run_model(BOARD, model, inputs=1, options=SessionOptions(target_options={"elf": slow_elf}))
        assert slowed["byte_equal"] == 1    # slower, still right
        gate = BaselineFile(tmp_path / "baselines.json").check(store.record_result(slowed))
        assert gate.gated and not gate.passed
        messages = [r.message for r in gate.regressions]
        instructions = next(m for m in messages if m.startswith("instructions_per_inference regressed"))
        old, new, percent = re.search(r": ([\d,]+) -> ([\d,]+) \(\+([\d.]+)%", instructions).groups()
        assert int(old.replace(",", "")) == normal["instructions"][0]
        assert int(new.replace(",", "")) == slowed["instructions"][0]
        assert float(percent) > 1.0

        restored = run_model(BOARD, model, inputs=1)
        gate = BaselineFile(tmp_path / "baselines.json").check(store.record_result(restored))
        assert gate.passed, gate.summary()
