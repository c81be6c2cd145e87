"""Layer-by-layer agreement: every op's output on a board against TFLM's.

A final-output match is weak evidence on random-weight models (their outputs
are often nearly constant); each intermediate tensor equal to TFLM's is the
strong one.  The plan is compiled with every op output exposed as a plan
output (kept live to the end), TFLM runs with kPreserveAllTensors, and the
first op whose output differs is named with its index, type, tensor and max
abs diff."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LayerDiff:
    op_index: int
    op_type: str
    tensor: int
    tensor_name: str
    equal: bool
    max_abs_diff: float

    def describe(self) -> str:
        name = self.tensor_name if len(self.tensor_name) <= 48 else self.tensor_name[:45] + "..."
        return (f"op {self.op_index} ({self.op_type}) output tensor {self.tensor} '{name}': "
                f"{'equal' if self.equal else f'differs, max abs diff {self.max_abs_diff:g}'}")


@dataclass
class LayerReport:
    board: str
    model: str
    inferences: int
    layers: list[LayerDiff] = field(default_factory=list)   # per op output, of the first differing inference

    @property
    def first_difference(self) -> LayerDiff | None:
        return next((d for d in self.layers if not d.equal), None)

    @property
    def all_equal(self) -> bool:
        return self.first_difference is None

    def summary(self) -> str:
        first = self.first_difference
        if first is None:
            return (f"{self.model} on {self.board}: all {len(self.layers)} op outputs equal TFLM's in "
                    f"{self.inferences} inference(s)")
        return f"{self.model} on {self.board}: first difference at {first.describe()}"

    def to_dict(self) -> dict:
        first = self.first_difference
        return {"board": self.board, "model": self.model, "inferences": self.inferences,
                "all_equal": self.all_equal, "first_difference": None if first is None else vars(first),
                "layers": [vars(d) for d in self.layers]}


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0


def compare_layers(session, model, batch: list[list[np.ndarray]]) -> LayerReport:
    """Run `batch` on an open Session with every layer exposed; stop at the first
    inference where some op output differs (its layers are reported)."""
    from ..compiler import compile_model
    from ..model.golden import TflmReference

    plan = compile_model(model, expose_layers=True, float_io=session.options.float_io)
    reference = TflmReference(model, preserve_all_tensors=True)
    graph = model.graph
    position = {t: k for k, t in enumerate(plan.output_tensors)}
    session.load(plan)
    report = LayerReport(session.board, model.name, 0)
    for xs in batch:
        outputs = session.infer(xs).outputs
        # A float input's QUANTIZE ran on the host: its output is the plan's input.
        values = {t: outputs[k] for t, k in position.items()}
        values.update({c.integer_tensor: x for c, x in zip(plan.boundary.inputs, plan.encode_inputs(xs))
                       if c is not None})
        reference.run(xs)
        report.inferences += 1
        report.layers = []
        for op in graph.ops:
            for t in op.outputs:
                got, expected = np.asarray(values[t]), reference.tensor(t).reshape(graph.tensors[t].shape)
                equal = got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
                report.layers.append(LayerDiff(op.index, op.type, t, graph.tensors[t].name, equal,
                                               0.0 if equal else _max_abs_diff(got, expected)))
        if not report.all_equal:
            break
    return report
