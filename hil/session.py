"""A Session: one model on one board, from open to measured.

The root context manager of every run (as a pyOCD Session is): it opens the
board, puts a plan on it and runs inferences, moving through the states
OFF -> FLASHED -> READY -> MEASURED and always back to OFF.  What differs
between boards lives in a backend (hil/backends.py): the engine in this
process for "host", firmware behind a target driver for every
"<driver>-<board>" name.  `run_model` drives a whole run: model -> plan ->
session -> RunResult."""
from __future__ import annotations

import enum
from typing import Callable

import numpy as np

from .backends import Backend, HostBackend, ModelFit, SessionOptions
from .errors import HilError
from .model.golden import TflmReference, random_inputs
from .model import resolve_model
from .progress import Progress
from .results.run import Inference, RunResult, run_inferences
from .runners.firmware_backend import FirmwareBackend
from .runners.registry import HOST, parse_target_name, target_names

__all__ = ["Inference", "ModelFit", "RunResult", "Session", "SessionOptions", "SessionState", "board_names",
           "run_model"]


class SessionState(enum.Enum):
    OFF = "off"
    FLASHED = "flashed"
    READY = "ready"
    MEASURED = "measured"


def board_names() -> list[str]:
    """Every name a Session takes: the host, then every "<driver>-<board>"."""
    return [HOST] + target_names()


def backend_for(board: str, options: SessionOptions) -> Backend:
    parsed = parse_target_name(board)
    return (HostBackend if parsed.is_host else FirmwareBackend)(board, options)


class Session:
    """`with Session("qemu-netduinoplus2") as s: s.load(plan); s.infer(xs)`."""

    def __init__(self, board: str, options: SessionOptions | None = None):
        self.board = board
        self.options = options or SessionOptions()
        self.backend = backend_for(board, self.options)
        self.state = SessionState.OFF
        self.plan = None

    @property
    def label(self) -> str:
        """The board as results name it: with the kernel build when it is not the board's
        default ("qemu-mps3-an547+dsp"), so each build keeps its own history and baselines."""
        kernels = self.options.kernels
        parsed = parse_target_name(self.board)
        if kernels is None or parsed.is_host or kernels == parsed.board.cpu.kernels[0]:
            return self.board
        return f"{self.board}+{kernels}"

    def __enter__(self) -> "Session":
        self.open()
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def open(self) -> None:
        self._expect(SessionState.OFF)
        try:
            self.backend.open()
        except BaseException:
            self.backend.close()
            raise
        self.state = SessionState.FLASHED

    def load(self, plan) -> None:
        self._expect(SessionState.FLASHED, SessionState.READY, SessionState.MEASURED)
        self.backend.load(plan)
        self.plan = plan
        self.state = SessionState.READY

    def fit(self, plan) -> ModelFit:
        self._expect(SessionState.FLASHED, SessionState.READY, SessionState.MEASURED)
        return self.backend.fit(plan)

    def infer(self, inputs: list[np.ndarray]) -> Inference:
        """One inference of the loaded model: the model's inputs in, the model's outputs out.
        A float-I/O model's boundary conversions run here, on the host side of the link."""
        self._expect(SessionState.READY, SessionState.MEASURED)
        result = self.backend.infer(self.plan.encode_inputs(inputs))
        if self.plan.boundary.active:
            result.outputs = self.plan.decode_outputs(result.outputs)
            result.boundary = self.plan.boundary.where
        self.state = SessionState.MEASURED
        return result

    def memory(self) -> dict:
        self._expect(SessionState.READY, SessionState.MEASURED)
        return self.backend.memory()

    @property
    def link(self):
        """The link to the firmware, or None on the host."""
        return self.backend.link

    @property
    def counts_instructions(self) -> bool:
        return self.backend.counts_instructions

    @property
    def description(self) -> str:
        return self.backend.description

    def close(self) -> None:
        if self.state is not SessionState.OFF:
            self.backend.close()
            self.state = SessionState.OFF

    def _expect(self, *states: SessionState) -> None:
        if self.state not in states:
            raise HilError(f"board {self.board} is {self.state.value}; this needs it "
                           f"{' or '.join(s.value for s in states)}")


def run_model(board: str, model, inputs: int = 10, seed: int = 0, batch: list[list[np.ndarray]] | None = None,
              save_outputs: str | None = None, options: SessionOptions | None = None, dequantize: bool = False,
              load_batch: Callable[[list], list[list[np.ndarray]]] | None = None) -> RunResult:
    """Run a model (anything `resolve_model` takes) on a board against the TFLM reference.
    Inputs: `batch`, else `load_batch(the plan's input TensorInfos)`, else `inputs` seeded random ones."""
    from .compiler import compile_model

    model = resolve_model(model)
    plan = compile_model(model, float_io=(options or SessionOptions()).float_io)
    golden = TflmReference(model)
    specs = plan.inputs
    labels = None
    if batch is None and load_batch is not None:
        batch = load_batch(plan.inputs)
    if batch is None:
        if inputs < 1:
            raise HilError(f"--inputs must be at least 1, got {inputs}")
        batch = [random_inputs(specs, seed + i) for i in range(inputs)]
        labels = [f"seed {seed + i}" for i in range(inputs)]

    with Session(board, options) as session, Progress("inferences", len(batch)) as progress:
        session.load(plan)
        result = run_inferences(session, plan, golden.run, batch, labels, progress=progress)

    if save_outputs:
        outputs = [m.outputs for m in result.inferences]
        if dequantize:
            outputs = [dequantized_outputs(plan, outs) for outs in outputs]
        save_output_stacks(save_outputs, outputs)
    return result


def dequantized_outputs(plan, outputs: list[np.ndarray]) -> list[np.ndarray]:
    """Each integer output as float32, scale * (q - zero point) as TFLM's DEQUANTIZE computes it
    (float outputs, and outputs without quantization such as ARG_MAX's indices, pass as they are)."""
    from .compiler.boundary import dequantize_like_tflm
    return [y if np.asarray(y).dtype == np.float32 or not info.scale > 0 else
            dequantize_like_tflm(y, info.scale, info.zero_point) for y, info in zip(outputs, plan.outputs)]


def save_output_stacks(path: str, outputs: list[list[np.ndarray]]) -> None:
    """One output: a .npy stack (first axis the inference).  Several: an .npz
    with out0, out1, ... in the model's output order."""
    stacks = [np.stack([outs[k] for outs in outputs]) for k in range(len(outputs[0]))]
    if len(stacks) == 1:
        np.save(path, stacks[0])
    else:
        np.savez(path, **{f"out{k}": s for k, s in enumerate(stacks)})
