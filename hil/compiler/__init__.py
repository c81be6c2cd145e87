"""The model compiler: .tflite -> validated, planned, CRC-protected binary plan."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..errors import UnsupportedModelError
from .plan_format import plan_format
from ..model import Model
from ..model.tflite import Graph, Tensor
from .boundary import HOST, Boundary, find_boundary
from .ops import PREPARE, PreparedOp
from .plan_writer import write_plan
from .planner import Buffer, live_lower_bound, plan_arena


@dataclass
class TensorInfo:
    """What the host needs to feed and read a graph input or output.  For a float32
    input or output at the float I/O boundary, scale and zero_point are those of
    the integer tensor on the engine's side (what the boundary converts with), and
    boundary_dtype names that tensor's type."""
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int
    boundary_dtype: str | None = None


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
    boundary: Boundary = field(default_factory=Boundary)     # float I/O converted outside the engine

    def encode_inputs(self, inputs: list) -> list:
        """The model's inputs as the plan takes them (float32 ones quantized as TFLM does)."""
        return self.boundary.encode_inputs(inputs) if self.boundary.active else inputs

    def decode_outputs(self, outputs: list) -> list:
        """The plan's outputs as the model gives them (float32 ones dequantized as TFLM does)."""
        return self.boundary.decode_outputs(outputs) if self.boundary.active else outputs

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
            "boundary": self.boundary.describe() if self.boundary.active else None,
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


def _tensor_info(t: Tensor, conversion=None) -> TensorInfo:
    scale = float(t.scale[0]) if t.scale is not None and t.scale.size else 0.0
    zp = int(t.zero_point[0]) if t.zero_point is not None and t.zero_point.size else 0
    if conversion is not None:
        return TensorInfo(t.name, t.shape, t.type_name, conversion.scale, conversion.zero_point, conversion.dtype)
    return TensorInfo(t.name, t.shape, t.type_name, scale, zp)


# Model inputs and outputs the link and the engine exchange (float32 only through the boundary).
IO_DTYPES = ("INT8", "UINT8", "INT16", "INT32")


def _prepare_all(graph: Graph, boundary: Boundary) -> tuple[list, list[PreparedOp]]:
    """(the model's ops the plan runs, their prepared forms): every op but the boundary's."""
    if graph.num_subgraphs != 1:
        raise UnsupportedModelError(f"model has {graph.num_subgraphs} subgraphs; the engine runs exactly one")
    kept, prepared = [], []
    for op in graph.ops:
        if op.index in boundary.op_indices:
            if boundary.where == HOST:
                continue
            kept.append(op)
            prepared.append(boundary.prepared_op(op.index))
            continue
        prepare = PREPARE.get(op.type)
        if prepare is None:
            raise UnsupportedModelError(
                "op type is not implemented by the engine (`hil ops` lists what it supports)",
                op.index, op.type)
        kept.append(op)
        prepared.append(prepare(op, graph))
    for role, indices, conversions in (("input", graph.inputs, boundary.inputs),
                                       ("output", graph.outputs, boundary.outputs)):
        for i, conversion in zip(indices, conversions):
            t = graph.tensors[i]
            if conversion is None and t.type_name not in IO_DTYPES:
                raise UnsupportedModelError(f"model {role} tensor {i} '{t.name}' is {t.type_name}; "
                                            f"the engine takes {', '.join(IO_DTYPES).lower()} inputs and outputs")
    if not prepared or all(op.index in boundary.op_indices for op in kept):
        raise UnsupportedModelError("no op is left for the engine once the float I/O conversions are taken out "
                                    f"({boundary.describe()}); a plan runs at least one op")
    return kept, prepared


def _place_arena(graph: Graph, prepared: list[PreparedOp], used: list[int], align: int,
                 inputs: list[int], outputs: list[int]) -> _ArenaPlacement:
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
    for t in inputs:
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


def compile_model(model, name: str | None = None, expose_layers: bool = False, float_io: str = HOST) -> CompiledPlan:
    """Compile a Model (or a .tflite path, or bytes).  Raises ModelError / UnsupportedModelError.

    `expose_layers`: every op's outputs become plan outputs too (after the
    model's own, in op order), kept live to the end, so a run can compare each
    layer with TFLM's (`hil run --compare-layers`).
    `float_io`: where a float-I/O model's QUANTIZE/DEQUANTIZE boundary runs: "host"
    (taken out of the plan, converted on the host side of the link) or "target"
    (kept in the plan, for an engine built with TH_FLOAT_IO)."""
    fmt = plan_format()
    model = Model.of(model, name)
    model_bytes, name, graph = model.data, model.name, model.graph
    if not graph.inputs:
        raise UnsupportedModelError("model has no inputs (every op reads only constants): a plan takes at least "
                                    "one input; fold the constant subgraph into a constant")
    boundary = find_boundary(graph, float_io)
    kept, prepared = _prepare_all(graph, boundary)
    # The plan's inputs and outputs: the integer side of any boundary conversion.
    inputs = [c.integer_tensor if c and boundary.on_host else t for t, c in zip(graph.inputs, boundary.inputs)]
    outputs = [c.integer_tensor if c and boundary.on_host else t for t, c in zip(graph.outputs, boundary.outputs)]
    if expose_layers:
        # Each op output once, after the model's own outputs; an op output that a boundary
        # dequantizes for the model is exposed again as it is, before the conversion.
        exposed = [t for t, c in zip(graph.outputs, boundary.outputs) if c is None or not boundary.on_host]
        for t in (t for p in prepared for t in p.outputs):
            if t not in exposed:
                exposed.append(t)
                outputs.append(t)

    # Which graph tensors the plan needs, in plan order.
    used: list[int] = []
    for t in inputs + [i for p in prepared for i in p.inputs if i >= 0] + \
            [t for p in prepared for t in p.outputs] + outputs:
        if t not in used:
            used.append(t)
    if len(used) >= fmt.no_tensor:
        raise UnsupportedModelError(f"model has {len(used)} tensors; a plan holds at most {fmt.no_tensor - 1}")

    arena = _place_arena(graph, prepared, used, fmt.align, inputs, outputs)
    plan = write_plan(graph, prepared, used, arena.tensor_offsets, arena.scratch_offsets, arena.arena_bytes,
                      outputs, inputs)
    summaries = [OpSummary(i, op.type, graph.tensors[p.output].shape, p.macs, arena.tensor_offsets[p.output],
                           graph.tensors[p.output].nbytes, p.scratch_bytes)
                 for i, (p, op) in enumerate(zip(prepared, kept))]
    model_outputs = list(graph.outputs) + outputs[len(graph.outputs):]
    return CompiledPlan(
        blob=plan.blob, arena_bytes=arena.arena_bytes, live_lower_bound_bytes=arena.live_lower_bound_bytes,
        weights_bytes=plan.weights_bytes, macs=sum(p.macs for p in prepared), ops=summaries,
        inputs=[_tensor_info(graph.tensors[t], c) for t, c in zip(graph.inputs, boundary.inputs)],
        outputs=[_tensor_info(graph.tensors[t], c) for t, c in
                 zip(model_outputs, boundary.outputs + [None] * (len(model_outputs) - len(boundary.outputs)))],
        output_tensors=model_outputs, boundary=boundary,
        model_sha256=hashlib.sha256(model_bytes).hexdigest(), name=name)
