"""The plan writer: a prepared graph with its arena placed -> the binary plan.

The layout is th_plan_format.h's (read through hil.compiler.plan_format):
header | tensor records | op records | io list | operand list | dims list | constant region,
the CRC over everything after its own field (plan_format.assemble_plan)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UnsupportedModelError
from .plan_format import assemble_plan, plan_format
from ..model.tflite import Graph
from .ops import PreparedOp
from .planner import align_up


@dataclass
class WrittenPlan:
    blob: bytes
    weights_bytes: int       # constant tensor data stored in the plan


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


def encode_channel_quant(multipliers, shifts, packed_shifts: int) -> tuple[dict, bytes, bytes]:
    """An op's output requantization in th_plan_format.h's TH_PARAMS_QUANT_REF_FIELDS forms:
    (shift_base and the packed marker, the words, the int8 shifts or b"").  Packed, one word per
    entry, when every multiplier is nonzero and the shifts span at most four values; else wide."""
    m = np.asarray(multipliers, np.int64)
    s = np.asarray(shifts, np.int64)
    if m.size == 0 or m.shape != s.shape or ((m != 0) & ((m < 1 << 30) | (m >= 1 << 31))).any() \
            or (s < -31).any() or (s > 30).any():
        raise ValueError(f"not TFLM multipliers and shifts: {m.tolist()}, {s.tolist()}")
    base = int(s.min()) + 2
    if (m != 0).all() and int(s.max()) - base <= 1:
        words = (m & 0x3FFFFFFF) | (((s - base) & 3) << 30)
        return {"shift_base": base, "shifts_offset": packed_shifts}, words.astype("<u4").tobytes(), b""
    return {"shift_base": 0}, m.astype("<u4").tobytes(), s.astype("i1").tobytes()


def _channel_quant(const: _ConstRegion, fmt, multipliers, shifts) -> dict:
    fields, words, shifts8 = encode_channel_quant(multipliers, shifts, fmt.packed_shifts)
    fields["words_offset"] = const.add(words, 4)
    if shifts8:
        fields["shifts_offset"] = const.add(shifts8, 1)
    return fields


def write_plan(graph: Graph, prepared: list[PreparedOp], tensors: list[int], arena_offsets: dict[int, int],
               scratch_offsets: dict[int, int], arena_bytes: int, outputs: list[int] | None = None,
               inputs: list[int] | None = None) -> WrittenPlan:
    """The plan of `prepared` (one per graph op).  `tensors`: the graph tensors the
    plan holds, in plan order; `arena_offsets`: the arena offset of each that is
    not constant; `scratch_offsets`: op index -> its scratch buffer's offset."""
    fmt = plan_format()
    outputs = list(graph.outputs) if outputs is None else outputs
    inputs = list(graph.inputs) if inputs is None else inputs
    plan_index = {t: k for k, t in enumerate(tensors)}

    # Constant region: constant tensors, then each op's params and arrays.
    const = _ConstRegion(fmt.align)
    tensor_records = []
    dims: list[int] = []
    weights_bytes = 0
    for t in tensors:
        tensor = graph.tensors[t]
        if tensor.type_name not in fmt.dtypes:
            raise UnsupportedModelError(f"tensor {t} '{tensor.name}' is {tensor.type_name}; the engine supports "
                                        f"{', '.join(fmt.dtypes)}")
        if len(tensor.shape) > fmt.max_rank:
            raise UnsupportedModelError(f"tensor {t} '{tensor.name}' has rank {len(tensor.shape)}; "
                                        f"the engine supports up to {fmt.max_rank}")
        zero_point = int(tensor.zero_point[0]) if tensor.zero_point is not None else 0
        if not -(1 << 15) <= zero_point < 1 << 15:
            raise UnsupportedModelError(f"tensor {t} '{tensor.name}' has zero point {zero_point}; a plan stores "
                                        "zero points as int16")
        dtype_id = fmt.dtypes[tensor.type_name][0]
        if tensor.is_constant:
            payload = np.ascontiguousarray(tensor.data).astype(tensor.data.dtype.newbyteorder("<")).tobytes()
            offset, storage = const.add(payload), 1
            weights_bytes += len(payload)
        else:
            offset, storage = arena_offsets[t], 0
        tensor_records.append(dict(dtype=dtype_id, rank=len(tensor.shape), storage=storage, reserved=0,
                                   zero_point=zero_point, first_dim=len(dims), offset=offset))
        dims += [int(d) for d in tensor.shape]

    op_records = []
    operands: list[int] = []
    for i, p in enumerate(prepared):
        params = dict(p.params)
        arrays = dict(p.arrays)
        if "multipliers" in arrays:
            params.update(_channel_quant(const, fmt, arrays.pop("multipliers"), arrays.pop("shifts")))
        for array_name, values in arrays.items():
            arr = np.ascontiguousarray(np.asarray(values, dtype="<i4"))
            params[f"{array_name}_offset"] = const.add(arr.tobytes(), 4)
        layout = fmt.op_params.get(p.op_type)
        if layout is None:
            params_offset, params_bytes = 0, 0
        else:
            blob = layout.pack(**params)
            params_offset, params_bytes = const.add(blob, 4), len(blob)
        if len(p.inputs) > fmt.max_op_inputs or len(p.outputs) > fmt.max_op_outputs:
            raise UnsupportedModelError(
                f"{len(p.inputs)} inputs and {len(p.outputs)} outputs; a plan op has at most "
                f"{fmt.max_op_inputs} inputs and {fmt.max_op_outputs} outputs", i, p.op_type)
        first_operand = len(operands)
        operands += [plan_index[t] if t >= 0 else fmt.no_tensor for t in p.inputs]
        operands += [plan_index[t] for t in p.outputs]
        op_records.append(dict(
            op_type=fmt.op_ids[p.op_type], num_inputs=len(p.inputs), num_outputs=len(p.outputs),
            first_operand=first_operand,
            params_offset=params_offset, params_bytes=params_bytes,
            scratch_offset=scratch_offsets.get(i, 0),
            scratch_bytes=p.scratch_bytes))

    if len(operands) > 0xFFFF:
        raise UnsupportedModelError(f"the ops have {len(operands)} operands in all; a plan's operand list holds at "
                                    f"most {0xFFFF} (an op record's first_operand is uint16)")
    if len(dims) > 0xFFFF:
        raise UnsupportedModelError(f"the tensors have {len(dims)} dims in all; a plan's dims list holds at most "
                                    f"{0xFFFF} (a tensor record's first_dim is uint16)")
    header = dict(magic=fmt.magic, version_major=fmt.version[0], version_minor=fmt.version[1],
                  arena_bytes=arena_bytes, num_inputs=len(inputs), num_outputs=len(outputs))
    blob = assemble_plan(header, tensor_records, op_records, [plan_index[t] for t in inputs + outputs], operands,
                         dims, bytes(const.data))
    return WrittenPlan(blob=blob, weights_bytes=weights_bytes)
