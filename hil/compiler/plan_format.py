"""The plan's binary layout, read from the C header that defines it.

kernels/include/tinyhil/th_plan_format.h (and th_status.h) are the single
description of the format: their X-macro lists are parsed here, so the
compiler and the runtime cannot drift apart."""
from __future__ import annotations

import struct

import numpy as np
from dataclasses import dataclass, replace
from functools import lru_cache

from ..c_layout import CHeader
from ..paths import KERNELS_DIR

HEADER_DIR = KERNELS_DIR / "include" / "tinyhil"


@dataclass(frozen=True)
class Record:
    """A fixed-size little-endian record: field names and their struct codes."""
    name: str
    fields: tuple[str, ...]
    codes: str

    @property
    def fmt(self) -> str:
        return "<" + self.codes

    @property
    def size(self) -> int:
        return struct.calcsize(self.fmt)

    def pack(self, **values) -> bytes:
        missing = set(self.fields) - set(values)
        extra = set(values) - set(self.fields)
        if missing or extra:
            raise ValueError(f"{self.name}: missing fields {sorted(missing)}, unknown fields {sorted(extra)}")
        return struct.pack(self.fmt, *(int(values[f]) for f in self.fields))

    def unpack(self, data: bytes, offset: int = 0) -> dict[str, int]:
        return dict(zip(self.fields, struct.unpack_from(self.fmt, data, offset)))


def _record(header: CHeader, macro: str) -> Record:
    layout = header.struct_layout(macro)
    return Record(macro, layout.names, layout.codes)


@dataclass(frozen=True)
class PlanFormat:
    magic: int
    version: tuple[int, int]
    align: int
    max_rank: int
    max_op_inputs: int
    max_op_outputs: int
    no_tensor: int
    packed_shifts: int              # TH_PACKED_SHIFTS: a per-channel quantization in the packed form
    op_ids: dict[str, int]          # TFLite op name -> TH_OP id
    dtypes: dict[str, tuple[int, int]]  # "INT8" -> (id, element size)
    header: Record
    tensor: Record
    op: Record
    op_params: dict[str, Record]    # op name -> the params record it stores
    statuses: dict[int, str]
    error_fields: dict[int, str]

    @property
    def op_names(self) -> dict[int, str]:
        return {v: k for k, v in self.op_ids.items()}


@lru_cache(maxsize=1)
def plan_format() -> PlanFormat:
    header = CHeader.from_path(HEADER_DIR / "th_plan_format.h")
    status = CHeader.from_path(HEADER_DIR / "th_status.h")
    op_params = {}
    for op_name, *lists in header.entries("TH_OP_PARAMS_LAYOUT"):
        records = [_record(header, m) for m in lists]
        op_params[op_name] = Record(op_name, sum((r.fields for r in records), ()),
                                    "".join(r.codes for r in records))
    return PlanFormat(
        magic=header.define("TH_PLAN_MAGIC"),
        version=(header.define("TH_PLAN_VERSION_MAJOR"), header.define("TH_PLAN_VERSION_MINOR")),
        align=header.define("TH_PLAN_ALIGN"),
        max_rank=header.define("TH_MAX_RANK"),
        max_op_inputs=header.define("TH_MAX_OP_INPUTS"),
        max_op_outputs=header.define("TH_MAX_OP_OUTPUTS"),
        no_tensor=header.define("TH_NO_TENSOR"),
        packed_shifts=header.define("TH_PACKED_SHIFTS"),
        op_ids=header.id_list("TH_OP_LIST"),
        dtypes=header.int_entries("TH_DTYPE_LIST", 3),
        header=_record(header, "TH_PLAN_HEADER_FIELDS"),
        tensor=_record(header, "TH_TENSOR_RECORD_FIELDS"),
        op=_record(header, "TH_OP_RECORD_FIELDS"),
        op_params=op_params,
        statuses={v: n for n, v in status.id_list("TH_STATUS_LIST").items()},
        error_fields={v: n for n, v in status.id_list("TH_FIELD_LIST").items()},
    )


@dataclass
class ParsedPlan:
    """A plan's records decoded (for inspection, tests and tools; the C runtime validates)."""
    header: dict
    tensors: list[dict]
    ops: list[dict]
    io: list[int]
    operands: list[int]
    dims: list[int]

    def op_inputs(self, op_index: int) -> list[int]:
        op = self.ops[op_index]
        return self.operands[op["first_operand"]:op["first_operand"] + op["num_inputs"]]

    def op_outputs(self, op_index: int) -> list[int]:
        op = self.ops[op_index]
        start = op["first_operand"] + op["num_inputs"]
        return self.operands[start:start + op["num_outputs"]]

    def operand_offset(self, op_index: int, position: int) -> int:
        """Plan offset of the op's operand `position` (inputs first, then outputs)."""
        return self.header["operands_offset"] + 2 * (self.ops[op_index]["first_operand"] + position)

    def tensor_offset(self, index: int) -> int:
        return self.header["tensors_offset"] + index * plan_format().tensor.size

    def dim_offset(self, tensor_index: int, d: int) -> int:
        """Plan offset of dim `d` of tensor `tensor_index` in the dims list."""
        return self.header["dims_offset"] + 4 * (self.tensors[tensor_index]["first_dim"] + d)

    def op_offset(self, index: int) -> int:
        return self.header["ops_offset"] + index * plan_format().op.size

    def params_offset(self, op_index: int) -> int:
        return self.header["const_offset"] + self.ops[op_index]["params_offset"]


def parse_plan(blob: bytes) -> ParsedPlan:
    fmt = plan_format()
    h = fmt.header.unpack(blob)
    tensors = [fmt.tensor.unpack(blob, h["tensors_offset"] + i * fmt.tensor.size) for i in range(h["num_tensors"])]
    ops = [fmt.op.unpack(blob, h["ops_offset"] + i * fmt.op.size) for i in range(h["num_ops"])]
    io = list(struct.unpack_from(f"<{h['num_inputs'] + h['num_outputs']}H", blob, h["io_offset"]))
    operands = list(struct.unpack_from(f"<{h['num_operands']}H", blob, h["operands_offset"]))
    dims = list(struct.unpack_from(f"<{h['num_dims']}i", blob, h["dims_offset"]))
    sizes = {v[0]: v[1] for v in fmt.dtypes.values()}
    for rec in tensors:   # derived as the runtime does: dim0..dim5 (1 past the rank) and the byte size
        shape = dims[rec["first_dim"]:rec["first_dim"] + rec["rank"]]
        rec.update({f"dim{d}": shape[d] if d < len(shape) else 1 for d in range(fmt.max_rank)})
        rec["bytes"] = sizes.get(rec["dtype"], 0) * int(np.prod(shape, dtype=np.int64))
    return ParsedPlan(h, tensors, ops, io, operands, dims)


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def assemble_plan(header: dict, tensors: list[dict], ops: list[dict], io: list[int], operands: list[int],
                  dims: list[int], const: bytes) -> bytes:
    """The plan of these records and lists (header | tensor records | op records | io list | operand
    list | dims list | constant region): the header's offsets, sizes and CRC are filled in here."""
    fmt = plan_format()
    tensors_offset = fmt.header.size
    ops_offset = tensors_offset + len(tensors) * fmt.tensor.size
    io_offset = ops_offset + len(ops) * fmt.op.size
    operands_offset = io_offset + _align_up(2 * len(io), 4)
    dims_offset = _align_up(operands_offset + 2 * len(operands), 4)
    const_offset = _align_up(dims_offset + 4 * len(dims), fmt.align)
    const = bytes(const) + b"\0" * (-len(const) % 4)
    fields = dict(header, total_size=const_offset + len(const), crc32=0, num_tensors=len(tensors),
                  num_ops=len(ops), tensors_offset=tensors_offset, ops_offset=ops_offset, io_offset=io_offset,
                  operands_offset=operands_offset, num_operands=len(operands), dims_offset=dims_offset,
                  num_dims=len(dims), const_offset=const_offset, const_size=len(const))
    data = bytearray(fmt.header.pack(**fields))
    data += b"".join(fmt.tensor.pack(**{f: t[f] for f in fmt.tensor.fields}) for t in tensors)
    data += b"".join(fmt.op.pack(**{f: o[f] for f in fmt.op.fields}) for o in ops)
    data += struct.pack(f"<{len(io)}H", *io) + b"\0" * (operands_offset - io_offset - 2 * len(io))
    data += struct.pack(f"<{len(operands)}H", *operands) + b"\0" * (dims_offset - len(data) - 2 * len(operands))
    data += struct.pack(f"<{len(dims)}i", *dims)
    data += b"\0" * (const_offset - len(data)) + const
    return with_fixed_crc(bytes(data))


NUMPY_DTYPES = {"INT8": "int8", "INT32": "int32", "INT16": "int16", "UINT8": "uint8", "FLOAT32": "float32",
                "INT64": "int64"}


def numpy_dtype(dtype_id: int):
    """The NumPy dtype of a plan dtype id (little-endian, as the plan stores data)."""
    import numpy as np
    names = {v[0]: k for k, v in plan_format().dtypes.items()}
    if dtype_id not in names:
        raise ValueError(f"dtype id {dtype_id} is not a plan dtype ({sorted(names)})")
    return np.dtype(NUMPY_DTYPES[names[dtype_id]]).newbyteorder("<")


@dataclass(frozen=True)
class IoSpec:
    shape: tuple[int, ...]
    dtype: object       # numpy dtype


def plan_io(blob: bytes) -> tuple[list[IoSpec], list[IoSpec]]:
    """The shapes and dtypes of a plan's inputs and outputs, from its records."""
    parsed = parse_plan(blob)
    specs = []
    for t in parsed.io:
        rec = parsed.tensors[t]
        specs.append(IoSpec(tuple(rec[f"dim{d}"] for d in range(rec["rank"])), numpy_dtype(rec["dtype"])))
    n = parsed.header["num_inputs"]
    return specs[:n], specs[n:]


CRC_START = 16  # offsetof(th_plan_header, arena_bytes): the CRC covers everything after its own field


def with_fixed_crc(blob: bytes) -> bytes:
    """The plan with its CRC recomputed (after a deliberate edit)."""
    import zlib
    data = bytearray(blob)
    data[12:16] = zlib.crc32(bytes(data[CRC_START:])).to_bytes(4, "little")
    return bytes(data)


def patched(blob: bytes, offset: int, code: str, value: int, fix_crc: bool = True) -> bytes:
    """A copy of `blob` with one little-endian field (struct code `code`) set to `value`."""
    data = bytearray(blob)
    struct.pack_into("<" + code, data, offset, value)
    return with_fixed_crc(bytes(data)) if fix_crc else bytes(data)


def with_const_i32(blob: bytes, const_offset: int, values) -> bytes:
    """A copy of `blob` with int32s written at `const_offset` in the constant region, CRC fixed."""
    data = bytearray(blob)
    at = plan_format().header.unpack(blob)["const_offset"] + const_offset
    payload = struct.pack(f"<{len(values)}i", *(int(v) for v in values))
    data[at:at + len(payload)] = payload
    return with_fixed_crc(bytes(data))


def with_channel_quant(blob: bytes, op_index: int, multipliers, shifts) -> bytes:
    """A copy of `blob` whose op `op_index` requantizes with these multipliers and shifts (any
    values, in the wide form of TH_PARAMS_QUANT_REF_FIELDS, appended to the constant region), CRC fixed."""
    fmt = plan_format()
    parsed = parse_plan(blob)
    h = dict(parsed.header)
    data = bytearray(blob[:h["const_offset"] + h["const_size"]])
    words_offset = h["const_size"] + (-h["const_size"] % 4)
    data += b"\0" * (words_offset - h["const_size"])
    data += struct.pack(f"<{len(multipliers)}I", *(int(m) & 0xFFFFFFFF for m in multipliers))
    shifts_offset = len(data) - h["const_offset"]
    data += struct.pack(f"<{len(shifts)}b", *(int(v) for v in shifts))
    data += b"\0" * (-len(data) % 4)
    h.update(const_size=len(data) - h["const_offset"], total_size=len(data))
    data[:fmt.header.size] = fmt.header.pack(**h)
    op_name = fmt.op_names[parsed.ops[op_index]["op_type"]]
    return with_record_fields(bytes(data), fmt.op_params[op_name], parsed.params_offset(op_index), shift_base=0,
                              words_offset=words_offset, shifts_offset=shifts_offset)


def with_tensor_fields(blob: bytes, index: int, **fields) -> bytes:
    """A copy of `blob` with some fields of tensor `index` rewritten, CRC fixed: its record's
    fields, and dim0..dim5 (a changed rank or dim gives the tensor a fresh run in the dims list;
    dims past the old rank start as 1)."""
    fmt = plan_format()
    parsed = parse_plan(blob)
    h = parsed.header
    tensors = [dict(t) for t in parsed.tensors]
    rec = tensors[index]
    new_dims = {k: int(v) for k, v in fields.items() if k.startswith("dim")}
    rec.update({k: v for k, v in fields.items() if not k.startswith("dim")})
    dims = list(parsed.dims)
    if new_dims or "rank" in fields:
        shape = [new_dims.get(f"dim{d}", rec[f"dim{d}"] if d < fmt.max_rank else 1) for d in range(rec["rank"])]
        rec["first_dim"] = len(dims)
        dims += shape
    const = blob[h["const_offset"]:h["const_offset"] + h["const_size"]]
    return assemble_plan(h, tensors, parsed.ops, parsed.io, parsed.operands, dims, const)


def with_record_fields(blob: bytes, record: Record, at: int, **fields) -> bytes:
    """A copy of `blob` with some fields of the record at byte `at` rewritten, CRC fixed."""
    data = bytearray(blob)
    values = record.unpack(data, at)
    values.update(fields)
    data[at:at + record.size] = record.pack(**values)
    return with_fixed_crc(bytes(data))


def params_offset(blob: bytes, op_index: int = 0) -> int:
    """Plan offset of op `op_index`'s params."""
    return parse_plan(blob).params_offset(op_index)


def tensor_offset(blob: bytes, tensor_index: int) -> int:
    """Plan offset of tensor record `tensor_index`."""
    return parse_plan(blob).tensor_offset(tensor_index)


def describe_error(error: dict, action: str, plan: bytes | None = None) -> str:
    """One line from a th_error's fields (from the host engine or a board):
    status, op index and type, tensor, byte offset, the param's name when the
    offset points into the op's params, and expected vs got."""
    fmt = plan_format()
    status = fmt.statuses.get(error["status"], f"status {error['status']}")
    field = fmt.error_fields.get(error["field"], f"field {error['field']}").removeprefix("TH_FIELD_").lower()
    if status == "TH_ERR_VERSION":
        major, minor = fmt.version
        return (f"{action} failed: TH_ERR_VERSION: the plan is format version {error['got']}.x, this engine reads "
                f"version {major}.{minor} (major {error['expected']}): recompile the model with this tinyhil "
                "(`hil compile`)")
    if status == "TH_ERR_NO_FLOAT_IO":
        return (f"{action} failed: TH_ERR_NO_FLOAT_IO: op {error['op_index']} "
                f"({fmt.op_names.get(error['op_type'], error['op_type'])}) converts float32 model I/O, and this "
                "engine build keeps no float: compile with float_io 'host' (the default; the host side of the "
                "link converts) or run an engine built with TH_FLOAT_IO (float_io 'target', FPU boards)")
    parts = [f"{action} failed: {status}"]
    op_index, op_type = error["op_index"], error["op_type"]
    if op_index >= 0:
        parts.append(f"op {op_index} ({fmt.op_names.get(op_type, op_type)})")
    if error["tensor_index"] >= 0:
        parts.append(f"tensor {error['tensor_index']}")
    parts.append(f"byte offset {error['byte_offset']}")
    if field == "param" and plan is not None and op_index >= 0:
        field = f"param {_param_name(plan, op_index, fmt.op_names.get(op_type, ''), error['byte_offset'])}"
    if error["field"]:
        parts.append(f"{field}: expected {error['expected']}, got {error['got']}")
    return ", ".join(parts)


def _param_name(plan: bytes, op_index: int, op_name: str, byte_offset: int) -> str:
    layout = plan_format().op_params.get(op_name)
    try:
        relative = byte_offset - parse_plan(plan).params_offset(op_index)
    except (struct.error, IndexError):
        return "?"
    if layout is None or not 0 <= relative < layout.size or relative % 4:
        return "?"
    return layout.fields[relative // 4]


def with_declared_arena(plan, arena_bytes: int):
    """A copy of a compiled plan whose header declares an arena of `arena_bytes` (CRC fixed,
    so only the size is wrong): the engine must refuse it, naming a tensor outside the arena."""
    header = plan_format().header
    field_index = header.fields.index("arena_bytes")
    offset = struct.calcsize("<" + header.codes[:field_index])
    blob = patched(plan.blob, offset, header.codes[field_index], int(arena_bytes))
    return replace(plan, blob=blob, arena_bytes=int(arena_bytes))
