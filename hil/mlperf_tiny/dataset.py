"""Datasets in the official runner's layout: DIR/y_labels.csv with rows
"file, classes, class, bytes_to_send, stride" and one raw input file per
sample, the bytes `db load`/`db` send.

Inputs are the reference images where there are some (vww: person.bmp and
no_person.bmp as RGB), one input per class a bounded seeded search finds (see
_cover_classes), and seeded random inputs; labels are what the
TFLM reference makes of each (the top-1 class; for ad01, 1 for the files whose
reconstruction error is above the median of the set)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import HilError
from ..model.golden import random_inputs
from ..paths import SHARED_MODELS_DIR
from .models import MlperfModel, get_model
from .results_format import results_line

AD_SEGMENTS = 4       # windows per ad01 file, as the runner cuts them with bytes_to_send and stride
AD_STRIDE = 128


@dataclass
class Sample:
    file: str
    label: int
    data: bytes
    bytes_to_send: int
    stride: int


def _bmp_gray(path: Path) -> np.ndarray:
    """An uncompressed 8-bit BMP as rows top-down (the TFLM test images)."""
    raw = path.read_bytes()
    if raw[:2] != b"BM":
        raise HilError(f"{path}: not a BMP file")
    offset = int.from_bytes(raw[10:14], "little")
    width = int.from_bytes(raw[18:22], "little", signed=True)
    height = int.from_bytes(raw[22:26], "little", signed=True)
    bpp = int.from_bytes(raw[28:30], "little")
    if bpp != 8:
        raise HilError(f"{path}: {bpp}-bit BMP; expected 8-bit grayscale")
    stride = (width + 3) & ~3
    rows = np.frombuffer(raw, np.uint8, stride * abs(height), offset).reshape(abs(height), stride)[:, :width]
    return rows[::-1] if height > 0 else rows


def _candidates(shape, seed: int):
    """Seeded inputs of varied structure (flat, noise of each amplitude, waves, blocks), which
    between them reach more classes than uniform noise does."""
    rng = np.random.default_rng(seed)
    grid = np.indices(shape).astype(float)
    i = 0
    while True:
        kind = i % 5
        if kind == 4:
            x = np.full(shape, rng.integers(-128, 128))
        elif kind == 0:
            amp = rng.integers(0, 128)
            x = rng.integers(-amp, amp + 1, size=shape) + rng.integers(-128, 128)
        elif kind == 1:
            f = rng.uniform(0.05, 1.0, size=len(shape))
            x = 127 * np.sin(sum(f[k] * grid[k] for k in range(len(shape))) + rng.uniform(0, 6))
        elif kind == 2:
            x = rng.integers(-128, 128, size=shape) * rng.uniform(0, 1, size=shape[-1:])
        else:
            small = rng.integers(-128, 128, size=tuple(max(1, d // 8) for d in shape))
            for axis, d in enumerate(shape):
                small = np.repeat(small, -(-d // small.shape[axis]), axis=axis)
            x = small[tuple(slice(0, d) for d in shape)]
        yield np.clip(x, -128, 127).astype(np.int8)
        i += 1


def _mutate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One step of the climb: a block set to one value, one element nudged, or a few scattered
    elements nudged (blocks move the coarse features, single elements fine-tune)."""
    y = x.copy()
    flat = y.reshape(-1)
    r = rng.random()
    if r < 0.4:
        block = tuple(slice(int(s), int(s + rng.integers(1, max(2, d // 4 + 1))))
                      for d, s in ((d, rng.integers(0, d)) for d in y.shape))
        y[block] = rng.integers(-128, 128)
    elif r < 0.7:
        i = rng.integers(0, flat.size)
        flat[i] = np.clip(int(flat[i]) + rng.integers(-40, 41), -128, 127)
    else:
        idx = rng.integers(0, flat.size, size=int(rng.integers(1, max(2, flat.size // 20))))
        flat[idx] = np.clip(flat[idx].astype(np.int16) + rng.integers(-64, 65, size=idx.size), -128, 127)
    return y


def _cover_classes(golden, scores, shape, classes: int, seed: int, input_zero_point: int = 0,
                   budget: int = 400, climb_steps: int = 2000) -> dict[int, np.ndarray]:
    """One input per class where a bounded search finds one: structured candidates first, then
    for each class still missing a seeded hill climb on its margin over the other classes in
    the pre-softmax scores (`scores`, a ClassScores), from the flat input at the input zero
    point (a real 0 everywhere), from the best candidate and from noise.  A class counts as
    found only where TFLM's own int8 top-1 is that class.  Some classes may stay out of reach."""
    found: dict[int, np.ndarray] = {}
    best: dict[int, tuple[float, np.ndarray]] = {}
    gen = _candidates(shape, seed)
    for _ in range(budget):
        x = next(gen)
        out = golden.run([x])[0].ravel()
        found.setdefault(int(np.argmax(out)), x)
        if len(found) == classes:
            return found
        s = scores.scores(x)
        for c in range(classes):
            m = float(s[c] - np.max(np.delete(s, c)))
            if c not in best or m > best[c][0]:
                best[c] = (m, x)
    rng = np.random.default_rng(seed + 1)
    for c in range(classes):
        starts = (np.full(shape, input_zero_point, np.int8), best[c][1],
                  rng.integers(-128, 128, size=shape).astype(np.int8))
        for x in starts:
            if c in found:
                break
            score = scores.margin(x, c)
            for _ in range(climb_steps):
                y = _mutate(x, rng)
                m = scores.margin(y, c)
                if m < score:
                    continue
                score, x = m, y
                if m > 0 and int(np.argmax(golden.run([y])[0].ravel())) == c:
                    found[c] = y
                    break
    return found


def _to_bytes(model: MlperfModel, x: np.ndarray) -> bytes:
    return ((x.astype(np.int16).ravel() + model.input_offset) & 0xFF).astype(np.uint8).tobytes()


def make_samples(model: MlperfModel | str, count: int = 20, seed: int = 0, cover: bool = True) -> list[Sample]:
    """`cover`: search for one input per class first (see _cover_classes)."""
    from ..model.golden import TflmReference as GoldenModel
    from .firmware import compiled_plan, constants_for, model_bytes

    model = get_model(model) if isinstance(model, str) else model
    data, _ = model_bytes(model)
    plan = compiled_plan(model)
    constants = constants_for(model, plan)
    shape = plan.inputs[0].shape
    golden = GoldenModel(data)
    inputs: list[tuple[str, np.ndarray]] = []
    if model.key == "vww":
        for name in ("person", "no_person"):
            bmp = SHARED_MODELS_DIR / f"{name}.bmp"
            if bmp.exists():
                gray = _bmp_gray(bmp).astype(np.int16)
                rgb = np.repeat(gray[:, :, None], 3, axis=2) - 128
                inputs.append((name, rgb.astype(np.int8).reshape(shape)))
    if model.key == "ad":
        samples, errors = [], []
        per = int(np.prod(shape))
        for i in range(count):
            rng = np.random.default_rng(seed + i)
            stream = rng.integers(-128, 128, per + AD_STRIDE * (AD_SEGMENTS - 1)).astype(np.int8)
            scores = []
            for s in range(AD_SEGMENTS):
                window = stream[s * AD_STRIDE:s * AD_STRIDE + per].reshape(shape)
                out = golden.run([window])[0]
                scores.append(float(results_line(constants, window, out)[len("m-results-["):-1]))
            errors.append(float(np.mean(scores)))
            samples.append(Sample(f"ad01_{i:04d}.bin", 0, _to_bytes(model, stream), per, AD_STRIDE))
        median = float(np.median(errors))
        for sample, e in zip(samples, errors):
            sample.label = int(e > median)
        return samples
    classes = int(np.prod(plan.outputs[0].shape))
    if cover:
        from ..model.tflite import load_graph
        from .class_search import ClassScores
        graph = load_graph(data)
        input_zp = graph.tensors[graph.inputs[0]].zero_point
        zero_point = int(input_zp[0]) if input_zp is not None else 0
        covered = _cover_classes(golden, ClassScores(data), shape, classes, seed, zero_point)
    for c, x in sorted(covered.items()) if cover else ():
        inputs.append((f"class{c:02d}", x))
    i = 0
    while len(inputs) < count:
        inputs.append((f"seed{seed + i:04d}", random_inputs([shape], seed + i)[0]))
        i += 1
    samples = []
    for name, x in inputs[:count]:
        out = golden.run([x])[0]
        label = int(np.argmax(out.ravel()))
        b = _to_bytes(model, x)
        samples.append(Sample(f"{model.version}_{name}.bin", label, b, len(b), len(b)))
    return samples


def write_dataset(model: MlperfModel | str, directory: Path, count: int = 20, seed: int = 0,
                  cover: bool = True) -> Path:
    """Write DIR/<version>/y_labels.csv and the input files (the runner reads DIR/<model>/);
    returns the model's folder.  `cover=False` skips the search for one file per class (enough
    for performance mode, which needs no AUC)."""
    model = get_model(model) if isinstance(model, str) else model
    folder = Path(directory) / model.version
    folder.mkdir(parents=True, exist_ok=True)
    samples = make_samples(model, count, seed, cover)
    classes = 2 if model.key == "ad" else None
    if classes is None:
        from .firmware import compiled_plan
        classes = int(np.prod(compiled_plan(model).outputs[0].shape))
    with open(folder / "y_labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        for s in samples:
            (folder / s.file).write_bytes(s.data)
            w.writerow([s.file, classes, s.label, s.bytes_to_send, s.stride])
    return folder


@dataclass
class DatasetRow:
    file: Path
    classes: int
    label: int
    bytes_to_send: int
    stride: int

    def segments(self) -> list[bytes]:
        """The windows the runner sends: bytes_to_send at each stride (ad01), else the file."""
        data = self.file.read_bytes()
        if self.bytes_to_send <= 0 or self.stride <= 0:
            raise HilError(f"{self.file}: bytes_to_send and stride must be positive")
        out, start = [], 0
        while start + self.bytes_to_send <= len(data):
            out.append(data[start:start + self.bytes_to_send])
            start += self.stride
        if not out:
            raise HilError(f"{self.file}: {len(data)} bytes, fewer than bytes_to_send {self.bytes_to_send}")
        return out


def read_dataset(folder: Path) -> list[DatasetRow]:
    folder = Path(folder)
    labels = folder / "y_labels.csv"
    if not labels.exists():
        raise HilError(f"{folder}: no y_labels.csv (write one with `hil mlperf-tiny dataset`)")
    rows = []
    with open(labels, newline="") as f:
        for n, rec in enumerate(csv.reader(f), 1):
            if not rec:
                continue
            try:
                name, classes, label, size, stride = (x.strip() for x in rec[:5])
                rows.append(DatasetRow(folder / name, int(classes), int(label), int(size), int(stride)))
            except ValueError:
                raise HilError(f"{labels}:{n}: expected 'file, classes, class, bytes_to_send, stride', "
                               f"got {rec}") from None
            if not rows[-1].file.exists():
                raise HilError(f"{labels}:{n}: {rows[-1].file.name} does not exist")
    if not rows:
        raise HilError(f"{labels}: no samples")
    return rows
