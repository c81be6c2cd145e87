"""Golden agreement metrics: engine outputs against the TFLM reference."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Mismatch:
    """Where an inference first differs from TFLM: the first output, then element, that
    differs (`element` -1 when the output count or a shape differs)."""
    inference: int
    label: str
    output: int
    element: int
    engine: int | None = None
    golden: int | None = None
    differing: int = 0              # elements of that output that differ
    size: int = 0                   # elements in that output
    shapes: tuple | None = None     # (engine shape, golden shape) when they differ
    outputs: tuple | None = None    # (engine count, golden count) when they differ

    def describe(self) -> str:
        if self.outputs is not None:
            return f"{self.label}: {self.outputs[0]} outputs, golden has {self.outputs[1]}"
        if self.shapes is not None:
            return f"{self.label}, output {self.output}: shape {list(self.shapes[0])}, golden {list(self.shapes[1])}"
        return (f"{self.label}, output {self.output}, element {self.element}: engine {self.engine}, "
                f"golden {self.golden} ({self.differing} of {self.size} elements differ)")

    def as_dict(self) -> dict:
        return {"inference": self.inference, "label": self.label, "output": self.output, "element": self.element,
                "engine": self.engine, "golden": self.golden, "differing": self.differing,
                "description": self.describe()}

    def __str__(self) -> str:
        return self.describe()


def find_mismatch(engine: list[np.ndarray], golden: list[np.ndarray], inference: int, label: str) -> Mismatch | None:
    for k, (got, want) in enumerate(zip(engine, golden)):
        if got.shape != want.shape:
            return Mismatch(inference, label, k, -1, shapes=(tuple(got.shape), tuple(want.shape)))
        differ = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
        if differ.size:
            i = int(differ[0])
            return Mismatch(inference, label, k, i, int(got.reshape(-1)[i]), int(want.reshape(-1)[i]),
                            int(differ.size), int(got.size))
    if len(engine) != len(golden):
        return Mismatch(inference, label, min(len(engine), len(golden)), -1, outputs=(len(engine), len(golden)))
    return None


@dataclass
class Agreement:
    inferences: int = 0
    byte_equal: int = 0
    max_abs_diff: int = 0
    top1_agree: int = 0
    first_mismatch: Mismatch | None = None
    per_inference_equal: list[bool] = field(default_factory=list)

    def add(self, engine: list[np.ndarray], golden: list[np.ndarray], label: str | None = None) -> None:
        mismatch = find_mismatch(engine, golden, self.inferences, label or f"inference {self.inferences}")
        equal = mismatch is None and all(e.tobytes() == g.tobytes() for e, g in zip(engine, golden))
        diff = max(((int(np.max(np.abs(e.astype(np.int32) - g.astype(np.int32)))) if e.size else 0)
                    for e, g in zip(engine, golden) if e.shape == g.shape), default=0)
        top1 = bool(engine) and bool(golden) and int(np.argmax(engine[0])) == int(np.argmax(golden[0]))
        if not equal and self.first_mismatch is None:
            self.first_mismatch = mismatch
        self.inferences += 1
        self.byte_equal += int(equal)
        self.top1_agree += int(top1)
        self.max_abs_diff = max(self.max_abs_diff, diff)
        self.per_inference_equal.append(equal)

    @property
    def all_equal(self) -> bool:
        return self.inferences > 0 and self.byte_equal == self.inferences

    def as_dict(self) -> dict:
        return {"inferences": self.inferences, "byte_equal": self.byte_equal,
                "max_abs_diff": self.max_abs_diff, "top1_agree": self.top1_agree}
