"""The converter-made models of ../shared/models/converted (real TensorFlow PTQ
output with TFLM golden outputs), read as test cases."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from hil.paths import SHARED_MODELS_DIR

CONVERTED_DIR = SHARED_MODELS_DIR / "converted"
MISSING_REASON = (f"{CONVERTED_DIR} not present: the converter-made models live beside the repository, "
                  "not in it (a fresh clone tests the generated op zoo instead)")


@dataclass
class ConvertedCase:
    name: str
    path: Path
    inputs: list[np.ndarray]      # one per model input, shape (samples, *input shape)
    outputs: list[np.ndarray]     # TFLM's, one per model output, shape (samples, *output shape)
    ops: list[str]
    tensors_file: Path | None     # every activation tensor of sample 0 (architectures only)

    @property
    def samples(self) -> int:
        return int(self.inputs[0].shape[0])

    def batch(self) -> list[list[np.ndarray]]:
        """Per sample, the list of model inputs."""
        return [[x[i] for x in self.inputs] for i in range(self.samples)]

    def golden(self, sample: int) -> list[np.ndarray]:
        return [y[sample] for y in self.outputs]


@lru_cache(maxsize=1)
def manifest() -> dict | None:
    path = CONVERTED_DIR / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def case_names() -> list[str]:
    m = manifest()
    return [entry["name"] for entry in m["models"]] if m else []


def _numbered(stem: Path, kind: str) -> list[Path]:
    single = stem.with_name(f"{stem.name}.{kind}.npy")
    if single.exists():
        return [single]
    paths, k = [], 0
    while (p := stem.with_name(f"{stem.name}.{kind}{k}.npy")).exists():
        paths.append(p)
        k += 1
    return paths


def load_case(name: str) -> ConvertedCase:
    entry = next(e for e in manifest()["models"] if e["name"] == name)
    stem = CONVERTED_DIR / name
    inputs = [np.load(p) for p in _numbered(stem, "in")]
    outputs = [np.load(p) for p in _numbered(stem, "out")]
    assert inputs and outputs, f"{name}: no .in/.out files beside the model"
    ops = entry["ops"] if isinstance(entry["ops"], list) else eval(entry["ops"])  # noqa: S307 (manifest's own repr)
    tensors = stem.with_name(f"{name}.tensors.npz")
    return ConvertedCase(name, CONVERTED_DIR / entry["file"], inputs, outputs, list(ops),
                         tensors if tensors.exists() else None)


def bit_equal(got: np.ndarray, expected: np.ndarray) -> bool:
    """Same dtype, shape and bytes (float32 compared as bit patterns)."""
    got, expected = np.asarray(got), np.asarray(expected)
    return got.dtype == expected.dtype and got.shape == expected.shape and got.tobytes() == expected.tobytes()
