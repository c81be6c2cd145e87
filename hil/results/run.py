"""What a run produces, in one shape: each `Inference` a board returns, and the
`RunResult` of a batch of them checked against the TFLM reference.  `hil run`,
`hil bench`, the Robot library and the results store all use these, and
`run_inferences` is the one loop that makes them."""
from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from .agreement import Agreement, Mismatch

if TYPE_CHECKING:
    from ..compiler import CompiledPlan


@dataclass
class Inference:
    outputs: list[np.ndarray]
    instructions: int | None = None                    # per inference, where the board counts them
    per_op: list[dict] = field(default_factory=list)   # {index, type, instructions, counter_ticks}
    counter_ticks: int | None = None                   # the on-target counter, where there is one
    timing: dict = field(default_factory=dict)         # wall seconds: round_trip_s, invoke_s
    boundary: str | None = None                        # where float I/O was converted ("host"), if any


@dataclass(eq=False)
class RunResult(Mapping):
    """Inferences of one model on one board, compared with TFLM as they came.  Read as a
    mapping it is its JSON shape (`to_dict`), which is what the store and the gates read."""
    board: str
    plan: "CompiledPlan"
    description: str = ""
    labels: list[str] = field(default_factory=list)    # one per inference, for messages ("seed 3", "person.bmp")
    inferences: list[Inference] = field(default_factory=list)
    goldens: list[list[np.ndarray]] = field(default_factory=list)
    agreement: Agreement = field(default_factory=Agreement)
    memory: dict = field(default_factory=dict)         # what the board reported (flash, RAM, stack, arena)

    def add(self, label: str, inference: Inference, golden: list[np.ndarray]) -> None:
        self.labels.append(label)
        self.inferences.append(inference)
        self.goldens.append(golden)
        self.agreement.add(inference.outputs, golden, label)

    @property
    def model(self) -> str:
        return self.plan.name

    @property
    def instructions(self) -> list[int]:
        return [i.instructions for i in self.inferences if i.instructions is not None]

    @property
    def counter_ticks(self) -> list[int]:
        return [i.counter_ticks for i in self.inferences if i.counter_ticks is not None]

    @property
    def per_op(self) -> list[dict]:
        """Per-op counts of the last inference."""
        return self.inferences[-1].per_op if self.inferences else []

    @property
    def median_instructions(self) -> float | None:
        return statistics.median(self.instructions) if self.instructions else None

    @property
    def first_mismatch(self) -> Mismatch | None:
        return self.agreement.first_mismatch

    @property
    def all_equal(self) -> bool:
        return self.agreement.all_equal

    def __getitem__(self, key: str):
        return self.to_dict()[key]

    def __iter__(self):
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def to_dict(self) -> dict:
        """The JSON shape `hil run --json` prints and the results store and gates read."""
        plan = self.plan
        result = {"board": self.board, "model": plan.name, "model_sha256": plan.model_sha256,
                  "plan_sha256": plan.plan_sha256, **self.agreement.as_dict(),
                  "arena_bytes": plan.arena_bytes, "plan_bytes": plan.plan_bytes, "macs": plan.macs}
        if plan.boundary.active:
            result["boundary"] = plan.boundary.describe()
        if self.first_mismatch is not None:
            result["first_mismatch"] = self.first_mismatch.as_dict()
        if self.instructions:
            result["instructions"] = self.instructions
            result["per_op"] = self.per_op
        if self.counter_ticks:
            result["counter_ticks"] = self.counter_ticks
        result.update({k: v for k, v in self.memory.items() if k != "arena_bytes"})
        return result


def run_inferences(session, plan: "CompiledPlan", golden: Callable[[list[np.ndarray]], list[np.ndarray]],
                   batch: list[list[np.ndarray]], labels: list[str] | None = None, description: str = "",
                   progress=None) -> RunResult:
    """Run each input set of `batch` on the session's board (the plan already loaded), compare
    each with `golden(inputs)`, and read the board's memory figures at the end."""
    labels = labels or [f"inference {i}" for i in range(len(batch))]
    if len(labels) != len(batch):
        raise ValueError(f"{len(labels)} labels for {len(batch)} inferences")
    run = RunResult(session.label, plan, description)
    for label, xs in zip(labels, batch):
        run.add(label, session.infer(xs), golden(xs))
        if progress is not None:
            progress.advance()
    run.memory = session.memory()
    return run
