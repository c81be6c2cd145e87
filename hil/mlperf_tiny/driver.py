"""`hil mlperf-tiny`: drive a device that speaks the MLPerf Tiny protocol with
the official runner's rules.

performance: PERFORMANCE_WINDOWS windows of `infer N W` (N, W per model as in
  tests_performance.yaml) on the first sample; latency per window is
  (T1 - T0) / N from its two m-lap-us lines, the result the median window;
  the runner wants the windows together to last at least 10 s of device time,
  and the table says whether they did.
accuracy: `infer 1 0` per segment of every dataset file; top-1 and AUC as the
  runner computes them (scoring.py).

The device is our image on an emulated board (built for the model, started on
free ports), the same with a user's ELF (`elf=`), or any device at a pyserial
URL (`url=`).  On QEMU the counting plugin runs too, and on Renode the marker
hooks, so each inference's exact instruction count stands beside its emulated
microseconds."""
from __future__ import annotations

import math
import statistics
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import HilError
from ..progress import Progress
from .client import DeviceInfo, MlperfClient
from .dataset import make_samples, read_dataset
from .models import MIN_TOTAL_SECONDS, PERFORMANCE_WINDOWS, MlperfModel, get_model
from .scoring import auc, per_file_scores, top1_percent


class Device:
    """An open device: the protocol client and, on QEMU, the target (for instruction counts)."""

    def __init__(self, client: MlperfClient, info: DeviceInfo, board: str, target=None, elf: Path | None = None,
                 emulator: str | None = None):
        self.client, self.info, self.board, self.target, self.elf = client, info, board, target, elf
        self.emulator = emulator    # "qemu" or "renode" where we started the board; None for --url

    def invoke_instructions(self) -> list[int]:
        """Instructions of each invoke since the last call (QEMU with its plugin; else [])."""
        if self.target is None or self.target.counter is None:
            return []
        markers = self.target.take_counts().markers
        begins = [m.total for m in markers if m.name == "invoke_begin"]
        ends = [m.total for m in markers if m.name == "invoke_end"]
        return [e - b for b, e in zip(begins, ends)]


@contextmanager
def open_device(board: str, model: MlperfModel, elf: str | Path | None = None, url: str | None = None,
                count: bool = True, log=None) -> Iterator[Device]:
    if url:
        client = MlperfClient.open(url, log=log)
        try:
            client.command("name", timeout=5.0)   # drops whatever boot output is still queued
            yield Device(client, client.identify(), board)
        finally:
            client.close()
        return
    from ..runners import parse_target_name
    from ..runners.qemu import QemuTarget
    from ..runners.renode import RenodeTarget
    from .firmware import build_mlperf_firmware

    parsed = parse_target_name(board)
    emulator = None if parsed.is_host else {QemuTarget: "qemu", RenodeTarget: "renode"}.get(parsed.driver.target)
    if emulator is None:
        raise HilError(f"board '{board}': this driver starts qemu-* and renode-* boards itself; for a bench "
                       "board or another emulator give its console with --url (a serial device or socket://)")

    image = Path(elf) if elf else build_mlperf_firmware(parsed.board, model, emulator=emulator)
    if not image.exists():
        raise HilError(f"ELF {image} does not exist")
    if emulator == "renode":    # its marker hooks count each inference's instructions exactly
        target = RenodeTarget(parsed.board, elf=image, count=count)
    else:
        target = QemuTarget(parsed.board, elf=image, plugin=count, gdb=False)
    try:
        client = MlperfClient(target.console, target.name, log=log)
        boot = client.wait_ready(timeout=30.0)
        info = client.identify()
        info.boot_lines = info.boot_lines or boot
        yield Device(client, info, board, target, image, emulator)
    finally:
        target.close()


def _check_model(device: Device, model: MlperfModel) -> None:
    if device.info.model != model.version:
        raise HilError(f"the device runs m-model-[{device.info.model}], not {model.version}")


def run_performance(device: Device, model: MlperfModel, inputs: list[bytes], iterations: int | None = None,
                    warmups: int | None = None, min_seconds: float = MIN_TOTAL_SECONDS) -> dict:
    """Window i runs on inputs[i] (the runner downloads the next file before each window).
    N is the runner's unless `iterations` is given; when the windows at that N would last less
    than `min_seconds` of device time together (the runner's minimum), N is raised to meet it."""
    _check_model(device, model)
    n = iterations or model.iterations
    w = model.warmups if warmups is None else warmups

    def window(i: int, n: int) -> dict:
        device.client.load(inputs[i % len(inputs)])
        device.invoke_instructions()       # forget the counts of what came before
        reply = device.client.infer(n, w)
        counts = device.invoke_instructions()[w:]   # the measured inferences, warm-ups dropped
        return {"window": i + 1, "iterations": n, "warmups": w, "elapsed_us": reply.elapsed_us,
                "latency_us": reply.elapsed_us / n,
                "throughput": n / (reply.elapsed_us / 1e6) if reply.elapsed_us > 0 else 0.0,
                "instructions": counts, "results": reply.results_text}

    windows = [window(0, n)]
    if iterations is None and min_seconds and windows[0]["elapsed_us"] > 0 \
            and PERFORMANCE_WINDOWS * windows[0]["elapsed_us"] < min_seconds * 1e6:
        per_inference = windows[0]["elapsed_us"] / n
        n = math.ceil(min_seconds * 1e6 / PERFORMANCE_WINDOWS / per_inference * 1.01)
        windows = [window(0, n)]
    with Progress("performance windows", PERFORMANCE_WINDOWS) as progress:
        progress.advance(note=f"{windows[0]['latency_us']:.1f} us/inference")
        for i in range(1, PERFORMANCE_WINDOWS):
            windows.append(window(i, n))
            progress.advance(note=f"{windows[-1]['latency_us']:.1f} us/inference")
    total_s = sum(w_["elapsed_us"] for w_ in windows) / 1e6
    all_counts = [c for w_ in windows for c in w_["instructions"]]
    return {"mode": "performance", "board": device.board, "emulator": device.emulator, "model": model.version,
            "device": device.info.name,
            "runner_iterations": model.iterations, "iterations": n, "warmups": w,
            "iterations_from": "given" if iterations else ("runner" if n == model.iterations else "raised"),
            "windows": windows, "median_throughput": statistics.median(w_["throughput"] for w_ in windows),
            "median_latency_us": statistics.median(w_["latency_us"] for w_ in windows),
            "total_device_s": total_s, "meets_min_seconds": total_s >= MIN_TOTAL_SECONDS,
            "instructions": all_counts,
            "timer": next((ln[len("m-timer-["):-1] for ln in device.info.boot_lines
                           if ln.startswith("m-timer-[") and ln.endswith("]")), None)}


def run_accuracy(device: Device, model: MlperfModel, dataset: Path | None, count: int = 20) -> dict:
    _check_model(device, model)
    if dataset is not None:
        rows = read_dataset(Path(dataset) / model.version if (Path(dataset) / model.version).is_dir()
                            else Path(dataset))
        files = [(r.file.name, r.label, r.segments()) for r in rows]
    else:
        files = []
        for s in make_samples(model, count):
            segs = [s.data[i:i + s.bytes_to_send] for i in range(0, len(s.data) - s.bytes_to_send + 1, s.stride)]
            files.append((s.file, s.label, segs))
    per_file, labels, printed = [], [], []
    total = sum(len(segs) for _, _, segs in files)
    with Progress("accuracy inferences", total) as progress:
        for name, label, segs in files:
            results = []
            for seg in segs:
                device.client.load(seg)
                reply = device.client.infer(1, 0)
                results.append(reply.results)
                printed.append(reply.results_text)
                progress.advance(note=name)
            per_file.append(per_file_scores(results))
            labels.append(label)
    y_pred, y_true = np.asarray(per_file), np.asarray(labels)
    try:
        area, why = auc(y_pred, y_true), None
    except ValueError as exc:
        area, why = None, str(exc)
    return {"mode": "accuracy", "board": device.board, "model": model.version, "device": device.info.name,
            "files": len(files), "inferences": total, "top1_percent": top1_percent(y_pred, y_true),
            "auc": area, "auc_note": why, "results": printed}


def format_table(r: dict) -> str:
    lines = [f"MLPerf Tiny {r['mode']}: {r['model']} on {r['board']} (device name {r['device']})"]
    if r["mode"] == "performance":
        lines.append(f"{'window':>6} {'inferences':>10} {'elapsed us':>12} {'us/inference':>13} "
                     f"{'inf./sec.':>10} {'instructions/inference':>23}")
        for w in r["windows"]:
            instr = f"{statistics.median_low(w['instructions']):,}" if w["instructions"] else "-"
            lines.append(f"{w['window']:>6} {w['iterations']:>10} {w['elapsed_us']:>12,} {w['latency_us']:>13.3f} "
                         f"{w['throughput']:>10.3f} {instr:>23}")
        lines.append(f"median throughput {r['median_throughput']:.3f} inf./sec., median latency "
                     f"{r['median_latency_us']:.3f} us")
        if r["instructions"]:
            med = statistics.median_low(r["instructions"])
            if r.get("emulator") == "renode":
                lines.append(f"instructions per inference (Renode marker hooks, median) {med:,}")
            else:
                lines.append(f"instructions per inference (QEMU plugin, median) {med:,} = {med / 1000:.3f} "
                             "emulated us at 1 GHz virtual")
        if r.get("timer"):
            lines.append(f"m-lap-us: {r['timer']}")
        if r["iterations_from"] == "raised":
            lines.append(f"N = {r['iterations']} per window (the runner's {r['runner_iterations']}, raised so "
                         "that the windows last 10 s of device time together)")
        elif r["iterations_from"] == "given":
            lines.append(f"N = {r['iterations']} per window as given (the runner's is {r['runner_iterations']})")
        lines.append(f"windows together: {r['total_device_s']:.3f} s of device time "
                     + ("(meets the 10 s minimum)" if r["meets_min_seconds"]
                        else "(below the runner's 10 s minimum: not valid for submission)"))
    else:
        area = f"{r['auc']:.3f}" if r["auc"] is not None else f"n/a ({r['auc_note']})"
        lines.append(f"files {r['files']}, inferences {r['inferences']}")
        lines.append(f"Top 1% = {r['top1_percent']:2.1f}")
        lines.append(f"AUC = {area}")
    return "\n".join(lines)


def run(board: str, model: str, mode: str, dataset: str | None = None, elf: str | None = None,
        url: str | None = None, count: bool = True, iterations: int | None = None) -> dict:
    m = get_model(model)
    if mode not in ("performance", "accuracy"):
        raise HilError(f"mode must be performance or accuracy, got '{mode}'")
    if dataset is not None and not Path(dataset).is_dir():
        raise HilError(f"dataset {dataset} is not a directory")
    with open_device(board, m, elf=elf, url=url, count=count) as device:
        if mode == "performance":
            if dataset is not None:
                rows = read_dataset(Path(dataset) / m.version if (Path(dataset) / m.version).is_dir()
                                    else Path(dataset))
                inputs = [r.segments()[0] for r in rows[:PERFORMANCE_WINDOWS]]
            else:
                inputs = [s.data[:s.bytes_to_send] for s in make_samples(m, PERFORMANCE_WINDOWS, cover=False)]
            return run_performance(device, m, inputs, iterations)
        return run_accuracy(device, m, Path(dataset) if dataset else None)


# --- the results store ------------------------------------------------------

def registry():
    from ..results.metrics import DEFAULT_METRICS, Direction, Metric, MetricRegistry
    extra = (
        Metric("mlperf_latency_us", "us", Direction.LOWER_IS_BETTER, 1.0, "latency us",
               "MLPerf Tiny latency per inference, median window ((T1-T0)/N of m-lap-us)"),
        Metric("mlperf_throughput", "inf/s", Direction.HIGHER_IS_BETTER, 1.0, "inf/s",
               "MLPerf Tiny median throughput"),
        Metric("mlperf_top1_percent", "%", Direction.HIGHER_IS_BETTER, 0.0, "top-1 %",
               "MLPerf Tiny accuracy: top-1 (ad01: best (precision+recall)/2)"),
        Metric("mlperf_auc", "", Direction.HIGHER_IS_BETTER, 0.0, "AUC", "MLPerf Tiny AUC"),
    )
    return MetricRegistry(DEFAULT_METRICS + extra)


def record(result: dict, path: str | None = None) -> int:
    from ..results import ResultsStore
    values = {"instructions": result.get("instructions") or None,
              "mlperf_latency_us": result.get("median_latency_us"),
              "mlperf_throughput": result.get("median_throughput"),
              "mlperf_top1_percent": result.get("top1_percent"), "mlperf_auc": result.get("auc"),
              "board": result["board"], "model": result["model"]}
    with ResultsStore(path, registry=registry()) as store:
        return store.record_result(values, runner="mlperf-tiny").id
