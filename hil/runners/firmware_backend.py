"""The session backend for every board that runs the firmware: a target from
a driver (QEMU, Renode, pyOCD) plus the link to the firmware on it."""
from __future__ import annotations

import time

import numpy as np

from ..backends import Backend, ModelFit, SessionOptions
from ..compiler.plan_format import numpy_dtype
from ..errors import HilError
from ..link import Link, PlanNeeds, fit_message
from ..results.run import Inference
from .base import Target
from .registry import open_target, parse_target_name


class FirmwareBackend(Backend):
    def __init__(self, board: str, options: SessionOptions):
        super().__init__(board, options)
        self.target: Target | None = None
        self._link: Link | None = None
        self.plan = None

    @property
    def link(self) -> Link | None:
        return self._link

    @property
    def counts_instructions(self) -> bool:
        return self.target is not None and self.target.counter is not None

    def open(self) -> None:
        target_options = dict(self.options.target_options)
        defines = self._engine_defines()
        if defines and "elf" not in target_options:
            from ..boards.firmware import build_firmware
            target_options["elf"] = build_firmware(parse_target_name(self.board).board, "link", defines=defines)
        self.target = open_target(self.board, run_dir=self.options.run_dir, **target_options)
        self._link = Link.connect(self.target, timeout=self.options.link_timeout_s,
                                  boot_timeout=self.options.boot_timeout_s)

    def _engine_defines(self) -> tuple[str, ...]:
        """What the link image's engine is built with beyond the board's default: the kernel
        build asked for, and TH_FLOAT_IO when float I/O converts on the target (FPU boards only)."""
        from ..engine.build import FLOAT_IO_DEFINES
        from ..engine.kernel_builds import kernel_build_defines
        board = parse_target_name(self.board).board
        defines = kernel_build_defines(board, self.options.kernels)
        if self.options.float_io == "target":
            if not board.cpu.fpu:
                raise HilError(f"{self.board} has no FPU ({board.description}): float I/O converts on the host "
                               "side of the link there (float_io 'host', the default)")
            defines += FLOAT_IO_DEFINES
        return defines

    def close(self) -> None:
        if self.target is not None:
            self.target.close()
            self.target = None
            self._link = None

    def fit(self, plan) -> ModelFit:
        """A firmware board keeps the plan in its FLASH slot where it has one (read in
        place, leaving the RAM pool to arena and per-op counts), else in the RAM pool with
        them; the choice is the link's own (`hil.link.choose_slot`), made from the sizes
        the board announced when it booted."""
        info = self._link.boot or self._link.info()
        return ModelFit(*fit_message(PlanNeeds.of(plan.blob), info, self._link.memory is not None,
                                     self.board, plan.name))

    def load(self, plan) -> None:
        self._link.load_plan(plan.blob)
        self.plan = plan
        # Asked once per plan: where each input lives and how big each output is.
        self.input_infos = [self._link.tensor_info(i) for i in range(len(plan.inputs))]
        self.output_infos = [self._link.tensor_info(i, output=True) for i in range(len(plan.outputs))]

    def infer(self, inputs: list[np.ndarray]) -> Inference:
        link = self._link
        if len(inputs) != len(self.plan.inputs):
            raise HilError(f"{self.board}: the model has {len(self.plan.inputs)} inputs, got {len(inputs)}")
        started = time.perf_counter()
        for i, (x, info) in enumerate(zip(inputs, self.input_infos)):
            x = np.asarray(x)
            if x.dtype != numpy_dtype(info.dtype):
                raise HilError(f"{self.board}: input {i} is {numpy_dtype(info.dtype)}, got {x.dtype}")
            link.set_input(i, np.ascontiguousarray(x).tobytes(), info=info)
        invoke_started = time.perf_counter()
        result = link.invoke(profile=self.options.profile_ops, measure_stack=True,
                             timeout=self.options.invoke_timeout_s)
        invoke_s = time.perf_counter() - invoke_started
        outputs = [np.frombuffer(link.get_output(i, info.bytes), dtype=numpy_dtype(info.dtype)).reshape(t.shape)
                   for i, (t, info) in enumerate(zip(self.plan.outputs, self.output_infos))]
        self.stack_bytes = result.stack_bytes
        inference = Inference(outputs=outputs, counter_ticks=result.ticks)
        counter = self.target.counter
        counted = counter.invoke_instructions() if counter is not None else None
        if counted is not None:
            inference.instructions = counted.total
        if self.options.profile_ops:
            inference.per_op = self._per_op(counted.per_op if counted is not None else None)
        # The harness's own cost is the round trip less the invoke (which is the emulated work).
        inference.timing = {"round_trip_s": time.perf_counter() - started, "invoke_s": invoke_s}
        return inference

    def _per_op(self, instructions: list[int] | None) -> list[dict]:
        from ..compiler.plan_format import plan_format
        names = plan_format().op_names
        ops = self._link.op_counts()
        return [{"index": op.index, "type": names.get(op.op_type, str(op.op_type)),
                 "instructions": instructions[op.index] if instructions and op.index < len(instructions) else None,
                 "counter_ticks": op.ticks} for op in ops]

    def memory(self) -> dict:
        """What the loaded model takes on the board.  flash_bytes: the image's code
        (vectors, code, constants, .data image), plus the plan when it is kept in
        the flash slot; ram_bytes: static data, the stack reservation, the arena
        and per-op counts, plus the plan when it is kept in the RAM pool."""
        return memory_summary(self._link.memory_figures(), self._link.p)


def memory_summary(m: dict, protocol) -> dict:
    """GET_MEMORY's figures as the session reports them (see FirmwareBackend.memory)."""
    in_flash = m["plan_slot"] == protocol.slots["FLASH"]
    plan = m["plan_bytes"]
    return {"flash_bytes": m["code_used_bytes"] + (plan if in_flash else 0),
            "ram_bytes": (m["static_ram_bytes"] + m["stack_bytes"] + m["arena_bytes"] + m["op_counts_bytes"]
                          + (0 if in_flash else plan)),
            "stack_bytes": m["last_invoke_stack_bytes"] or m["stack_high_water"],
            "arena_bytes": m["arena_bytes"],
            "plan_location": protocol.slot_name(m["plan_slot"]).lower()}
