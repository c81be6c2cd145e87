"""Robot Framework keywords for the MLPerf Tiny protocol: gate any firmware
that speaks it (ours, or a vendor's ELF or board) on latency and accuracy.

| ``Library``  | ``hil.mlperf_tiny.keywords.MlperfTinyKeywords`` |

Example:

| Open MLPerf Tiny Device      | qemu-netduinoplus2 | ad |
| Run MLPerf Tiny Performance  |
| Latency Should Be Below      | 590 |
| Latency Should Agree With Instructions |
| Run MLPerf Tiny Accuracy     | count=6 |
| AUC Should Be At Least       | 1.0 |
| Record MLPerf Tiny Result    |
| [Teardown] | Close MLPerf Tiny Device |
"""
from __future__ import annotations

import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from robot.api import SkipExecution, logger

from ..errors import HilError


def _variable(name: str, default=None):
    from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError
    try:
        return BuiltIn().get_variable_value(name, default)
    except RobotNotRunningError:
        return default


class MlperfTinyKeywords:
    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self):
        self._stack: ExitStack | None = None
        self._device = None
        self._model = None
        self._result: dict | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None

    def open_mlperf_tiny_device(self, board: str | None = None, model: str = "kws", elf: str | None = None,
                                url: str | None = None, count: bool = True) -> None:
        """Start ``board`` (default ``${BOARD}``, else ``qemu-netduinoplus2``) with our MLPerf Tiny
        image for ``model`` (vww, kws, ic, ad), or with ``elf`` (a vendor's firmware), or talk to
        the device at the pyserial ``url``; reads its name and model."""
        from .driver import open_device
        from .models import get_model
        self.close_mlperf_tiny_device()
        board = board or _variable("${BOARD}", None) or "qemu-netduinoplus2"
        try:
            self._model = get_model(model)
            self._stack = ExitStack()
            self._device = self._stack.enter_context(open_device(board, self._model, elf=elf, url=url,
                                                                 count=count))
        except HilError as exc:
            self.close_mlperf_tiny_device()
            raise AssertionError(str(exc)) from None
        logger.info(f"{board}: m-name-dut-[{self._device.info.name}], m-model-[{self._device.info.model}]")

    def close_mlperf_tiny_device(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack, self._device = None, None

    def _need(self):
        if self._device is None:
            raise AssertionError("no MLPerf Tiny device: use Open MLPerf Tiny Device first")
        return self._device

    def run_mlperf_tiny_performance(self, dataset: str | None = None, iterations: int | None = None) -> dict:
        """Five windows of ``infer N W`` with the official runner's N and W (N raised where the
        windows would last under 10 s of device time, unless ``iterations`` is given)."""
        from .dataset import make_samples, read_dataset
        from .driver import format_table, run_performance
        from .models import PERFORMANCE_WINDOWS
        device = self._need()
        try:
            if dataset:
                folder = Path(dataset) / self._model.version
                rows = read_dataset(folder if folder.is_dir() else Path(dataset))
                inputs = [r.segments()[0] for r in rows[:PERFORMANCE_WINDOWS]]
            else:
                inputs = [s.data[:s.bytes_to_send] for s in make_samples(self._model, PERFORMANCE_WINDOWS, cover=False)]
            self._result = run_performance(device, self._model, inputs, int(iterations) if iterations else None)
        except HilError as exc:
            raise AssertionError(str(exc)) from None
        logger.info(format_table(self._result))
        return self._result

    def run_mlperf_tiny_accuracy(self, dataset: str | None = None, count: int = 20) -> dict:
        """``infer 1 0`` per file of ``dataset`` (the runner's layout), or of ``count`` generated
        files; top-1 and AUC as the runner computes them."""
        from .driver import format_table, run_accuracy
        device = self._need()
        try:
            self._result = run_accuracy(device, self._model, Path(dataset) if dataset else None, int(count))
        except HilError as exc:
            raise AssertionError(str(exc)) from None
        logger.info(format_table(self._result))
        return self._result

    def _last(self, mode: str) -> dict:
        if not self._result or self._result["mode"] != mode:
            raise AssertionError(f"no {mode} result: run Run MLPerf Tiny {mode.capitalize()} first")
        return self._result

    def latency_should_be_below(self, microseconds: float) -> None:
        """The median window's latency per inference (m-lap-us) is below ``microseconds``."""
        r = self._last("performance")
        if not r["median_latency_us"] < float(microseconds):
            raise AssertionError(f"latency {r['median_latency_us']:.3f} us per inference is not below "
                                 f"{float(microseconds):g} us")

    def latency_should_agree_with_instructions(self, tolerance_us: float = 1.0) -> None:
        """On an emulator: the m-lap-us latency equals the plugin's instructions/1000 (1 GHz
        virtual) within ``tolerance_us``.  Skipped where nothing counts instructions."""
        r = self._last("performance")
        if not r["instructions"]:
            raise SkipExecution("this device has no instruction counter (not QEMU with its plugin)")
        expected = statistics.median_low(r["instructions"]) / 1000
        if abs(r["median_latency_us"] - expected) > float(tolerance_us):
            raise AssertionError(f"latency {r['median_latency_us']:.3f} us against {expected:.3f} us "
                                 f"from the instruction count")

    def top_1_should_be_at_least(self, percent: float) -> None:
        r = self._last("accuracy")
        if r["top1_percent"] < float(percent):
            raise AssertionError(f"top-1 {r['top1_percent']:.1f}% is below {float(percent):g}%")

    def auc_should_be_at_least(self, value: float) -> None:
        r = self._last("accuracy")
        if r["auc"] is None:
            raise AssertionError(f"no AUC: {r['auc_note']}")
        if r["auc"] < float(value):
            raise AssertionError(f"AUC {r['auc']:.3f} is below {float(value):g}")

    def record_mlperf_tiny_result(self) -> int:
        """Record the last result in the results store (``${RESULTS_DB}``, else the default)."""
        from .driver import record
        if not self._result:
            raise AssertionError("nothing to record: run a performance or accuracy mode first")
        run_id = record(self._result, _variable("${RESULTS_DB}", None) or None)
        logger.info(f"recorded run {run_id}")
        return run_id
