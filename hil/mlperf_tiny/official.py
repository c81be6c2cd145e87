"""The official MLPerf Tiny runner, unmodified, against our image on a QEMU
board.

QEMU's console UART goes to a pty; the runner (run from its own folder,
../shared/mlperf-tiny-runner or $TINYHIL_MLPERF_RUNNER, in a virtualenv of its
own in the build cache) finds it through runner_site/sitecustomize.py, which
lists that pty with the DUT's VID/PID from the devices YAML.  Its session
folder (log.txt, results.txt, results.json) goes to a run directory in the
build cache.  Nothing of the runner is copied into the project."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..runners.registry import parse_board_name
from ..errors import HilError
from ..paths import REPO_ROOT, cache_dir
from .firmware import build_mlperf_firmware
from .models import get_model

RUNNER_DEPS = ["numpy", "pyserial", "pyyaml", "pyusb", "scikit-learn", "scipy", "matplotlib"]
SITE_DIR = Path(__file__).parent / "runner_site"


def runner_dir() -> Path:
    return Path(os.environ.get("TINYHIL_MLPERF_RUNNER", REPO_ROOT.parent / "shared" / "mlperf-tiny-runner"))


def runner_python(install: bool = True) -> Path:
    """The runner's own virtualenv (its dependencies are not the project's); made on first use."""
    venv = cache_dir() / "mlperf-runner-venv"
    python = venv / "bin" / "python"
    stamp = venv / ".tinyhil-deps"
    if stamp.exists() and stamp.read_text() == " ".join(RUNNER_DEPS):
        return python
    if not install:
        raise HilError(f"the official runner's virtualenv {venv} is not set up")
    print(f"[mlperf-tiny] installing the official runner's dependencies into {venv}", file=sys.stderr, flush=True)
    for cmd in ([sys.executable, "-m", "venv", str(venv)], [str(python), "-m", "pip", "install", "-q", *RUNNER_DEPS]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-5:])
            raise HilError(f"could not set up the official runner's virtualenv ({' '.join(cmd[:4])}): {tail}")
    stamp.write_text(" ".join(RUNNER_DEPS))
    return python


def _dut_usb(devices_yaml: Path) -> tuple[int, int]:
    """The VID/PID of the first `type: dut` entry (read with a regex: PyYAML is the runner's, not ours)."""
    text = devices_yaml.read_text()
    m = re.search(r"type:\s*dut\b.*?usb:\s*\n\s*(0x[0-9a-fA-F]+):\s*(0x[0-9a-fA-F]+)", text, re.S)
    if not m:
        raise HilError(f"{devices_yaml}: no DUT with a USB VID/PID")
    return int(m.group(1), 16), int(m.group(2), 16)


class PtyBoard:
    """Our MLPerf Tiny image in QEMU with its console UART on a pty."""

    def __init__(self, board: str, elf: Path, run_dir: Path, timeout: float = 30.0):
        from ..runners.process import die_with_parent
        from ..runners.qemu import QEMU_BINARY, QemuTarget

        b = parse_board_name(board)
        target = QemuTarget(b, elf=elf, run_dir=run_dir, plugin=False, gdb=False, start=False)
        cmd = target.command_line(0, None, None)
        serial_arg = next(i for i, a in enumerate(cmd) if a.startswith("tcp:127.0.0.1:0"))
        cmd[serial_arg] = "pty"
        target.close()
        if shutil.which(QEMU_BINARY) is None:
            raise HilError(f"'{QEMU_BINARY}' not found")
        self.log_path = run_dir / "qemu.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        self.pty = None
        while self.pty is None:
            m = re.search(r"char device redirected to (/dev/pts/\d+)", self.log_path.read_text(errors="replace"))
            if m:
                self.pty = m.group(1)
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise HilError(f"QEMU gave no pty: {self.log_path.read_text(errors='replace')[-500:]}")
            else:
                time.sleep(0.05)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def run_official(board: str, model: str, mode: str, dataset: str | Path, iterations: int | None = None,
                 timeout: float = 1800.0) -> dict:
    """Run the official runner's `main.py --mode p|a` against our image; its results.txt and session.
    `iterations`: performance windows of `infer N W` with this N (given to the runner as its own
    --test_script option), e.g. the N `hil mlperf-tiny` raised to last 10 s of device time."""
    m = get_model(model)
    runner = runner_dir()
    if not (runner / "main.py").exists():
        raise HilError(f"the official MLPerf Tiny runner is not at {runner} (set TINYHIL_MLPERF_RUNNER)")
    if mode not in ("performance", "accuracy"):
        raise HilError(f"mode must be performance or accuracy, got '{mode}'")
    dataset = Path(dataset).resolve()
    if not (dataset / m.version / "y_labels.csv").exists():
        raise HilError(f"{dataset}/{m.version}/y_labels.csv not found (write it with `hil mlperf-tiny dataset`)")
    python = runner_python()
    elf = build_mlperf_firmware(board, m)
    run_dir = cache_dir() / "runs" / f"mlperf-official-{board}-{m.key}-{mode}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    devices = runner / ("devices_ad.yaml" if m.key == "ad" else "devices_kws_ic_vww.yaml")
    vid, pid = _dut_usb(devices)
    tests = runner / ("tests_performance.yaml" if mode == "performance" else "tests_accuracy.yaml")
    if iterations is not None and mode == "performance":
        tests = run_dir / "tests_performance.yaml"
        tests.write_text(f"{m.version}:\n  name: {m.version}\n  model: {m.version}\n  truth_file: y_labels.csv\n"
                         f"  script:\n    - loop 5:\n      - download\n      - infer {iterations} {m.warmups}\n")
    qemu = PtyBoard(board, elf, run_dir)
    try:
        env = dict(os.environ, PYTHONPATH=str(SITE_DIR), TINYHIL_MLPERF_PTY=qemu.pty,
                   TINYHIL_MLPERF_VID=hex(vid), TINYHIL_MLPERF_PID=hex(pid), MPLBACKEND="Agg")
        cmd = [str(python), str(runner / "main.py"), "--device_list", str(devices), "--test_script", str(tests),
               "--dataset_path", str(dataset), "--mode", mode[0]]
        (run_dir / "runner.cmd").write_text(" ".join(cmd) + f"\n# pty {qemu.pty}, VID:PID {vid:04x}:{pid:04x}\n")
        with open(run_dir / "runner.out", "wb") as out:
            try:
                r = subprocess.run(cmd, cwd=run_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise HilError(f"the official runner did not finish within {timeout:g} s; see {run_dir}") from None
    finally:
        qemu.close()
    sessions = sorted((run_dir / "sessions").glob("*/results.txt"))
    if r.returncode != 0 or not sessions:
        tail = "\n".join((run_dir / "runner.out").read_text(errors="replace").splitlines()[-15:])
        raise HilError(f"the official runner failed (exit {r.returncode}); {run_dir}/runner.out ends:\n{tail}")
    text = sessions[-1].read_text()
    return {"results_text": text, "session_dir": str(sessions[-1].parent), "run_dir": str(run_dir),
            **parse_results(text)}


def parse_results(text: str) -> dict:
    """The figures of a results.txt: per-window runtimes and throughputs, the median, top-1 and AUC."""
    runtimes = [float(x) for x in re.findall(r"Runtime: ([0-9.eE+-]+) sec\.", text)]
    throughputs = [float(x) for x in re.findall(r"Throughput: ([0-9.eE+-]+) inf\./sec\.", text)]
    out = {"window_runtimes_s": runtimes, "window_throughputs": throughputs}
    if m := re.search(r"Median throughput is\s+([0-9.]+) inf\./sec\.", text):
        out["median_throughput"] = float(m.group(1))
    if m := re.search(r"Top 1% = ([0-9.]+)", text):
        out["top1_percent"] = float(m.group(1))
    if m := re.search(r"AUC = ([0-9.]+)", text):
        out["auc"] = float(m.group(1))
    out["errors"] = re.findall(r"ERROR[^\n]*", text)
    return out
