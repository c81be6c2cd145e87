"""What a kind of board does for a Session: the engine in this process for the
host, firmware behind a target driver for everything else
(hil/runners/firmware_backend.py).  Every backend answers the same questions,
so nothing above it asks which board it is."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import HilError
from .results.run import Inference


@dataclass
class SessionOptions:
    """Typed options of a session (defaults suit the emulated boards)."""
    link_timeout_s: float = 10.0       # one link request
    boot_timeout_s: float = 20.0       # power on to the firmware's BOOT frame
    invoke_timeout_s: float = 120.0    # one inference
    profile_ops: bool = True           # per-op counts on every inference
    run_dir: Path | None = None        # where the board's logs go (default: under the cache)
    target_options: dict = field(default_factory=dict)  # checked against the driver's table (e.g. elf=...)
    # Where a float-I/O model's QUANTIZE/DEQUANTIZE run: "host" (the host side of the link, any
    # board, the default integer-only engine) or "target" (an engine built with TH_FLOAT_IO, on a
    # board with an FPU, so the conversions are measured there).
    float_io: str = "host"
    # The kernel build of the board's engine (hil.engine.kernel_builds: "mve", "dsp",
    # "reference"); None: the board's default, the first of its [cpu] kernels.
    kernels: str | None = None


@dataclass(frozen=True)
class ModelFit:
    fits: bool
    message: str


class Backend(ABC):
    """What a kind of board does for a session."""

    def __init__(self, board: str, options: SessionOptions):
        self.board = board
        self.options = options

    @property
    def description(self) -> str:
        """The board in a sentence: "the host does not count instructions"."""
        return self.board

    def open(self) -> None:
        """Make the board ready to take a plan (build, flash, boot, connect)."""

    def close(self) -> None:
        """Release everything open() took; called on every exit path."""

    @abstractmethod
    def load(self, plan) -> None:
        """Put a compiled plan on the board and initialise it."""

    @abstractmethod
    def infer(self, inputs: list[np.ndarray]) -> Inference:
        ...

    @abstractmethod
    def fit(self, plan) -> ModelFit:
        """Whether a compiled plan fits the open board, with the figures either way."""

    def memory(self) -> dict:
        """flash_bytes, ram_bytes, stack_bytes, arena_bytes: whatever the board reports."""
        return {}

    @property
    def link(self):
        """The link to the firmware (hil.link.Link), or None on a board without one."""
        return None

    @property
    def counts_instructions(self) -> bool:
        """Whether inferences come with exact instruction counts."""
        return False


class HostBackend(Backend):
    """The engine built for this machine and called in-process: exact outputs, no counts."""

    @property
    def description(self) -> str:
        return "the host"

    def open(self) -> None:
        if self.options.kernels not in (None, "reference"):
            raise HilError(f"the host runs the reference kernels; kernel build '{self.options.kernels}' is for a "
                           "board whose CPU has it (`hil boards`)")

    def load(self, plan) -> None:
        from .engine.host import HostEngine
        self.engine = HostEngine(plan.blob, float_io=self.options.float_io == "target")
        self.arena_bytes = plan.arena_bytes

    def infer(self, inputs) -> Inference:
        return Inference(outputs=self.engine.run(inputs))

    def fit(self, plan) -> ModelFit:
        return ModelFit(True, f"{plan.name} fits the host: the engine runs in this process, "
                              "with no RAM or flash limit")

    def memory(self) -> dict:
        return {"arena_bytes": self.arena_bytes}
