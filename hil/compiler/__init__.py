"""The model compiler: .tflite -> validated, planned, CRC-protected binary plan."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from ..errors import UnsupportedModelError
from ..plan_format import plan_format, with_fixed_crc
from ..model import Model
from ..tflite_model import Graph, Tensor
from .ops import PREPARE, PreparedOp
from .planner import Buffer, align_up, live_lower_bound, plan_arena


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
class _ConstRegion:
    align: int
    data: bytearray = field(default_factory=bytearray)

    def add(self, payload: bytes, align: int | None = None) -> int:
        pad = align_up(len(self.data), align or self.align) - len(self.data)
        self.data.extend(b"\0" * pad)
        offset = len(self.data)
        self.data.extend(payload)
        return offset


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
    for role, indices in (("input", graph.inputs), ("output", graph.outputs)):
        for i in indices:
            t = graph.tensors[i]
            if t.type_name != "INT8":
                raise UnsupportedModelError(f"model {role} tensor {i} '{t.name}' is {t.type_name}; "
                                            "the engine takes int8 inputs and outputs")
    return prepared


def compile_model(model, name: str | None = None) -> CompiledPlan:
    """Compile a Model (or a .tflite path, or bytes).  Raises ModelError / UnsupportedModelError."""
    fmt = plan_format()
    model = Model.of(model, name)
    model_bytes, name, graph = model.data, model.name, model.graph
    prepared = _prepare_all(graph)
    num_ops = len(prepared)

    # Which graph tensors the plan needs, and their lifetimes.
    used: list[int] = []
    for t in list(graph.inputs) + [i for p in prepared for i in p.inputs if i >= 0] + \
            [p.output for p in prepared] + list(graph.outputs):
        if t not in used:
            used.append(t)
    plan_index = {t: k for k, t in enumerate(used)}
    if len(used) >= fmt.no_tensor:
        raise UnsupportedModelError(f"model has {len(used)} tensors; a plan holds at most {fmt.no_tensor - 1}")

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
        r = root(p.output)
        first[r] = min(first.get(r, i), i)
        last[r] = max(last.get(r, i), i)
        for t in p.inputs:
            if t >= 0 and not graph.tensors[t].is_constant:
                r = root(t)
                first.setdefault(r, i)
                last[r] = max(last.get(r, i), i)
    for t in graph.outputs:
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
    arena_bytes = plan_arena(all_buffers, fmt.align)
    lower_bound = live_lower_bound(all_buffers)

    # Constant region: constant tensors, then each op's params and arrays.
    const = _ConstRegion(fmt.align)
    tensor_records = []
    weights_bytes = 0
    for t in used:
        tensor = graph.tensors[t]
        if tensor.type_name not in fmt.dtypes:
            raise UnsupportedModelError(f"tensor {t} '{tensor.name}' is {tensor.type_name}; the engine supports "
                                        f"{', '.join(fmt.dtypes)}")
        if len(tensor.shape) > fmt.max_rank:
            raise UnsupportedModelError(f"tensor {t} '{tensor.name}' has rank {len(tensor.shape)}; "
                                        f"the engine supports up to {fmt.max_rank}")
        dtype_id, elem = fmt.dtypes[tensor.type_name]
        dims = list(tensor.shape) + [1] * (fmt.max_rank - len(tensor.shape))
        if tensor.is_constant:
            payload = np.ascontiguousarray(tensor.data).astype(tensor.data.dtype.newbyteorder("<")).tobytes()
            offset, storage = const.add(payload), 1
            weights_bytes += len(payload)
        else:
            offset, storage = buffers[root(t)].offset, 0
        tensor_records.append(fmt.tensor.pack(
            dtype=dtype_id, rank=len(tensor.shape), storage=storage, reserved=0,
            dim0=dims[0], dim1=dims[1], dim2=dims[2], dim3=dims[3],
            offset=offset, bytes=tensor.nbytes,
            zero_point=int(tensor.zero_point[0]) if tensor.zero_point is not None else 0))

    op_records = []
    summaries = []
    for i, (p, op) in enumerate(zip(prepared, graph.ops)):
        params = dict(p.params)
        for array_name, values in p.arrays.items():
            arr = np.ascontiguousarray(np.asarray(values, dtype="<i4"))
            params[f"{array_name}_offset"] = const.add(arr.tobytes(), 4)
        layout = fmt.op_params.get(p.op_type)
        if layout is None:
            params_offset, params_bytes = 0, 0
        else:
            blob = layout.pack(**params)
            params_offset, params_bytes = const.add(blob, 4), len(blob)
        inputs = [plan_index[t] if t >= 0 else fmt.no_tensor for t in p.inputs]
        inputs += [fmt.no_tensor] * (fmt.max_op_inputs - len(inputs))
        scratch_buf = next((b for b in scratch if b.key == ("scratch", i)), None)
        op_records.append(fmt.op.pack(
            op_type=fmt.op_ids[p.op_type], num_inputs=len(p.inputs), num_outputs=1,
            input0=inputs[0], input1=inputs[1], input2=inputs[2], output0=plan_index[p.output],
            params_offset=params_offset, params_bytes=params_bytes,
            scratch_offset=scratch_buf.offset if scratch_buf else 0,
            scratch_bytes=p.scratch_bytes))
        out = graph.tensors[p.output]
        summaries.append(OpSummary(i, op.type, out.shape, p.macs, buffers[root(p.output)].offset, out.nbytes,
                                   p.scratch_bytes))

    io = b"".join(int(plan_index[t]).to_bytes(2, "little") for t in list(graph.inputs) + list(graph.outputs))

    # Layout: header | tensors | ops | io | const (aligned).
    tensors_offset = fmt.header.size
    ops_offset = tensors_offset + len(tensor_records) * fmt.tensor.size
    io_offset = ops_offset + len(op_records) * fmt.op.size
    const_offset = align_up(io_offset + len(io), fmt.align)
    body = b"".join(tensor_records) + b"".join(op_records) + io
    body += b"\0" * (const_offset - fmt.header.size - len(body))
    const_bytes = bytes(const.data) + b"\0" * (align_up(len(const.data), 4) - len(const.data))
    total = const_offset + len(const_bytes)
    header_fields = dict(
        magic=fmt.magic, version_major=fmt.version[0], version_minor=fmt.version[1], total_size=total, crc32=0,
        arena_bytes=arena_bytes, num_tensors=len(used), num_ops=num_ops,
        num_inputs=len(graph.inputs), num_outputs=len(graph.outputs),
        tensors_offset=tensors_offset, ops_offset=ops_offset, io_offset=io_offset,
        const_offset=const_offset, const_size=len(const_bytes),
        reserved0=0, reserved1=0, reserved2=0, reserved3=0)
    blob = with_fixed_crc(fmt.header.pack(**header_fields) + body + const_bytes)

    return CompiledPlan(
        blob=bytes(blob), arena_bytes=arena_bytes, live_lower_bound_bytes=lower_bound,
        weights_bytes=weights_bytes, macs=sum(p.macs for p in prepared), ops=summaries,
        inputs=[_tensor_info(graph.tensors[t]) for t in graph.inputs],
        outputs=[_tensor_info(graph.tensors[t]) for t in graph.outputs],
        model_sha256=hashlib.sha256(model_bytes).hexdigest(), name=name)
