"""The model compiler: .tflite -> validated, planned, CRC-protected binary plan."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..errors import UnsupportedModelError
from .plan_format import plan_format
from ..model import Model
from ..model.tflite import Graph, Tensor
from .ops import PREPARE, PreparedOp
from .plan_writer import write_plan
from .planner import Buffer, live_lower_bound, plan_arena


@dataclass
class TensorInfo:
    """What the host needs to feed and read a graph input or output."""
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int


@dataclass
class OpSummary:
    index: int
    type: str
    output_shape: tuple[int, ...]
    macs: int
    arena_offset: int
    output_bytes: int
    scratch_bytes: int


@dataclass
class CompiledPlan:
    blob: bytes
    arena_bytes: int
    live_lower_bound_bytes: int
    weights_bytes: int
    macs: int
    ops: list[OpSummary]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    model_sha256: str
    name: str = "model"
    output_tensors: list[int] = field(default_factory=list)   # graph tensor index of each output

    @property
    def plan_bytes(self) -> int:
        return len(self.blob)

    @property
    def plan_sha256(self) -> str:
        return hashlib.sha256(self.blob).hexdigest()

    def summary(self) -> dict:
        """The JSON contract of `hil compile --json`."""
        return {
            "model": self.name,
            "arena_bytes": self.arena_bytes,
            "live_lower_bound_bytes": self.live_lower_bound_bytes,
            "weights_bytes": self.weights_bytes,
            "plan_bytes": self.plan_bytes,
            "macs": self.macs,
            "ops": [op.type for op in self.ops],
            "op_details": [vars(op) | {"output_shape": list(op.output_shape)} for op in self.ops],
            "inputs": [vars(t) | {"shape": list(t.shape)} for t in self.inputs],
            "outputs": [vars(t) | {"shape": list(t.shape)} for t in self.outputs],
            "plan_sha256": self.plan_sha256,
            "model_sha256": self.model_sha256,
        }

    def to_c_source(self, symbol: str = "tinyhil_plan") -> str:
        """The plan as a C array for linking into firmware (16-byte aligned, in flash)."""
        lines = [f"/* {self.name}: tinyhil plan, {len(self.blob)} bytes, arena {self.arena_bytes} bytes */",
                 "#include <stdint.h>",
                 f"const uint32_t {symbol}_bytes = {len(self.blob)}u;",
                 f"const uint32_t {symbol}_arena_bytes = {self.arena_bytes}u;",
                 f"const uint8_t {symbol}[{len(self.blob)}] __attribute__((aligned(16))) = {{"]
        for i in range(0, len(self.blob), 16):
            lines.append("    " + ", ".join(f"0x{b:02x}" for b in self.blob[i:i + 16]) + ",")
        lines.append("};")
        return "\n".join(lines) + "\n"


@dataclass
class _ArenaPlacement:
    tensor_offsets: dict[int, int]      # graph tensor (not constant) -> its arena offset
    scratch_offsets: dict[int, int]     # op index -> its scratch buffer's offset
    arena_bytes: int
    live_lower_bound_bytes: int


def _tensor_info(t: Tensor) -> TensorInfo:
    scale = float(t.scale[0]) if t.scale is not None else 0.0
    zp = int(t.zero_point[0]) if t.zero_point is not None else 0
    return TensorInfo(t.name, t.shape, t.type_name, scale, zp)


def _prepare_all(graph: Graph) -> list[PreparedOp]:
    if graph.num_subgraphs != 1:
        raise UnsupportedModelError(f"model has {graph.num_subgraphs} subgraphs; the engine runs exactly one")
    prepared = []
    for op in graph.ops:
        prepare = PREPARE.get(op.type)
        if prepare is None:
            raise UnsupportedModelError(
                f"op type is not implemented by the engine (it implements {', '.join(sorted(PREPARE))})",
                op.index, op.type)
        prepared.append(prepare(op, graph))
    # Outputs may also be INT32 where an op writes it (ARG_MAX, ARG_MIN): its prepare checked that.
    for role, indices, allowed in (("input", graph.inputs, ("INT8",)), ("output", graph.outputs, ("INT8", "INT32"))):
        for i in indices:
            t = graph.tensors[i]
            if t.type_name not in allowed:
                raise UnsupportedModelError(f"model {role} tensor {i} '{t.name}' is {t.type_name}; "
                                            "the engine takes int8 inputs and int8 (or an op's int32) outputs")
    return prepared


def _place_arena(graph: Graph, prepared: list[PreparedOp], used: list[int], align: int,
                 outputs: list[int]) -> _ArenaPlacement:
    """Lifetimes of the non-constant tensors and scratch buffers, and their arena offsets."""
    num_ops = len(prepared)
    # Alias groups: a RESHAPE output shares its input's buffer.
    group = {t: t for t in used}

    def root(t: int) -> int:
        while group[t] != t:
            t = group[t]
        return t

    for p in prepared:
        if p.output_aliases_input:
            group[root(p.output)] = root(p.inputs[0])

    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for t in graph.inputs:
        first[root(t)] = -1
    for i, p in enumerate(prepared):
        for out in p.outputs:
            r = root(out)
            first[r] = min(first.get(r, i), i)
            last[r] = max(last.get(r, i), i)
        for t in p.inputs:
            if t >= 0 and not graph.tensors[t].is_constant:
                r = root(t)
                first.setdefault(r, i)
                last[r] = max(last.get(r, i), i)
    for t in outputs:
        last[root(t)] = num_ops

    buffers: dict[int, Buffer] = {}
    for t in used:
        tensor = graph.tensors[t]
        if tensor.is_constant:
            continue
        r = root(t)
        if r not in buffers:
            buffers[r] = Buffer(key=r, size=graph.tensors[r].nbytes, first=first.get(r, -1), last=last.get(r, num_ops))
        buffers[r].size = max(buffers[r].size, tensor.nbytes)
    scratch = [Buffer(key=("scratch", i), size=p.scratch_bytes, first=i, last=i)
               for i, p in enumerate(prepared) if p.scratch_bytes]
    all_buffers = list(buffers.values()) + scratch
    arena_bytes = plan_arena(all_buffers, align)
    return _ArenaPlacement(
        tensor_offsets={t: buffers[root(t)].offset for t in used if not graph.tensors[t].is_constant},
        scratch_offsets={b.key[1]: b.offset for b in scratch},
        arena_bytes=arena_bytes,
        live_lower_bound_bytes=live_lower_bound(all_buffers))


def compile_model(model, name: str | None = None, expose_layers: bool = False) -> CompiledPlan:
    """Compile a Model (or a .tflite path, or bytes).  Raises ModelError / UnsupportedModelError.

    `expose_layers`: every op's outputs become plan outputs too (after the
    model's own, in op order), kept live to the end, so a run can compare each
    layer with TFLM's (`hil run --compare-layers`)."""
    fmt = plan_format()
    model = Model.of(model, name)
    model_bytes, name, graph = model.data, model.name, model.graph
    prepared = _prepare_all(graph)
    outputs = list(graph.outputs)
    if expose_layers:
        outputs += [t for p in prepared for t in p.outputs if t not in outputs]

    # Which graph tensors the plan needs, in plan order.
    used: list[int] = []
    for t in list(graph.inputs) + [i for p in prepared for i in p.inputs if i >= 0] + \
            [t for p in prepared for t in p.outputs] + outputs:
        if t not in used:
            used.append(t)
    if len(used) >= fmt.no_tensor:
        raise UnsupportedModelError(f"model has {len(used)} tensors; a plan holds at most {fmt.no_tensor - 1}")

    arena = _place_arena(graph, prepared, used, fmt.align, outputs)
    plan = write_plan(graph, prepared, used, arena.tensor_offsets, arena.scratch_offsets, arena.arena_bytes, outputs)
    summaries = [OpSummary(i, op.type, graph.tensors[p.output].shape, p.macs, arena.tensor_offsets[p.output],
                           graph.tensors[p.output].nbytes, p.scratch_bytes)
                 for i, (p, op) in enumerate(zip(prepared, graph.ops))]
    return CompiledPlan(
        blob=plan.blob, arena_bytes=arena.arena_bytes, live_lower_bound_bytes=arena.live_lower_bound_bytes,
        weights_bytes=plan.weights_bytes, macs=sum(p.macs for p in prepared), ops=summaries,
        inputs=[_tensor_info(graph.tensors[t]) for t in graph.inputs],
        outputs=[_tensor_info(graph.tensors[t]) for t in outputs], output_tensors=outputs,
        model_sha256=hashlib.sha256(model_bytes).hexdigest(), name=name)
