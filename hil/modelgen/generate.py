"""Write every generated model (MLPerf stand-ins and op-zoo cases) to a folder."""
from __future__ import annotations

import fnmatch
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

from ..paths import MODELS_DIR
from . import mlperf, zoo

DEFAULT_OUT_DIR = MODELS_DIR / "generated"


def all_generators() -> dict[str, Callable[[], bytes]]:
    """Name -> generator: the stand-ins ("vww", ...), whole models ("mobilenet_v2_035_96"), then the
    zoo cases ("conv_2d/same_stride2", ...)."""
    return {**mlperf.STANDINS, **mlperf.WHOLE_MODELS, **zoo.all_cases()}


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically (temp file + rename) unless the file already holds `data`; True if written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder so the rename is atomic; open() (unlike mkstemp) honours the umask.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def generate_all(out_dir: Path | str = DEFAULT_OUT_DIR, only: Iterable[str] | None = None) -> list[Path]:
    """Generate each model into out_dir/<name>.tflite; returns the paths, written or already current.

    `only` keeps the names matching any of its glob patterns ("vww", "conv_2d/*").
    A failing generator does not stop the others; all failures are raised together at the end."""
    out_dir = Path(out_dir)
    patterns = list(only) if only else None
    generators = {name: make for name, make in all_generators().items()
                  if patterns is None or any(fnmatch.fnmatchcase(name, p) for p in patterns)}
    if patterns is not None and not generators:
        raise ValueError(f"no generated model matches {patterns}")
    paths, failures = [], []
    for name, make in generators.items():
        path = out_dir / f"{name}.tflite"
        start = time.perf_counter()
        try:
            data = make()
        except Exception as exc:  # report and go on: one broken case should not hide the rest
            failures.append(name)
            print(f"FAILED    {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            continue
        written = write_if_changed(path, data)
        elapsed = time.perf_counter() - start
        status = "wrote    " if written else "unchanged"
        # Progress on stderr: a command that resolves a generated model keeps its stdout (JSON) clean.
        print(f"{status} {path} ({len(data):,} bytes, {elapsed:.2f} s)", file=sys.stderr, flush=True)
        paths.append(path)
    if failures:
        raise RuntimeError(f"{len(failures)} model(s) failed to generate: {', '.join(failures)}")
    return paths
