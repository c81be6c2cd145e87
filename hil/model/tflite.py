"""Read a .tflite file into a plain, validated graph (tensors, ops, options).

Only the structure is interpreted here; what the engine supports is decided by
the compiler's per-op prepare functions."""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions
from tflite.TensorType import TensorType

from ..errors import ModelError

_OPERATOR_NAMES = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
_OPTIONS_NAMES = {v: k for k, v in vars(BuiltinOptions).items() if not k.startswith("_")}
_TYPE_NAMES = {v: k for k, v in vars(TensorType).items() if not k.startswith("_")}
_NUMPY_TYPES = {
    "INT8": np.int8, "UINT8": np.uint8, "INT16": np.int16, "INT32": np.int32,
    "INT64": np.int64, "FLOAT32": np.float32, "FLOAT16": np.float16, "BOOL": np.bool_,
}


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    type_name: str                      # TFLite's name: "INT8", "INT32", "FLOAT32", ...
    scale: np.ndarray | None            # float32, one per channel or one
    zero_point: np.ndarray | None       # int64
    quantized_dimension: int
    data: np.ndarray | None             # constant contents, shaped; None for activations
    is_variable: bool = False           # a state tensor an op updates across invocations (LSTM states)

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def data_dtype(self) -> np.dtype:
        """The NumPy dtype of the tensor's elements (int8 for a type NumPy has no name for)."""
        return np.dtype(_NUMPY_TYPES.get(self.type_name, np.int8))

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(_NUMPY_TYPES.get(self.type_name, np.int8)).itemsize

    @property
    def per_channel(self) -> bool:
        return self.scale is not None and self.scale.size > 1


@dataclass
class Op:
    index: int
    type: str                           # TFLite builtin name, e.g. "CONV_2D"
    inputs: list[int]                   # tensor indices, -1 for an omitted optional input
    outputs: list[int]
    options: dict = field(default_factory=dict)   # snake_case fields of the builtin options table
    options_type: str | None = None


@dataclass
class Graph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    num_subgraphs: int = 1
    description: str = ""

    def tensor(self, index: int) -> Tensor | None:
        return None if index < 0 else self.tensors[index]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _read_options(op) -> tuple[str | None, dict]:
    type_id = op.BuiltinOptionsType()
    name = _OPTIONS_NAMES.get(type_id)
    if not type_id or name is None:
        return None, {}
    table = op.BuiltinOptions()
    if table is None:
        return name, {}
    cls = getattr(tflite, name)
    obj = cls()
    obj.Init(table.Bytes, table.Pos)
    fields = {}
    for attr, fn in inspect.getmembers(cls, inspect.isfunction):
        if attr.startswith("_") or attr in ("Init",) or attr.startswith("GetRootAs") or "BufferHasIdentifier" in attr:
            continue
        if attr.endswith(("AsNumpy", "Length", "IsNone")):
            continue
        if hasattr(cls, attr + "AsNumpy"):
            value = getattr(obj, attr + "AsNumpy")()
            fields[_snake(attr)] = [] if isinstance(value, int) else [int(v) for v in value]
        elif len(inspect.signature(fn).parameters) == 1:
            fields[_snake(attr)] = getattr(obj, attr)()
    return name, fields


def _read_bytes(path_or_bytes) -> bytes:
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes)
    try:
        return Path(path_or_bytes).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model {path_or_bytes}: {exc.strerror}") from None


def load_graph(path_or_bytes, label: str | None = None) -> Graph:
    """Parse a TFLite flatbuffer.  Raises ModelError when it is not one,
    naming `label` (default: the path, or "<bytes>")."""
    label = label or ("<bytes>" if isinstance(path_or_bytes, (bytes, bytearray)) else str(path_or_bytes))
    data = _read_bytes(path_or_bytes)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{label} is not a TFLite model (no TFL3 identifier at byte 4)")
    try:
        return _parse(data)
    except ModelError:
        raise
    except Exception as exc:  # a corrupt flatbuffer surfaces as any decoding error
        raise ModelError(f"{label} is not a readable TFLite model: {type(exc).__name__}: {exc}") from None


def _parse(data: bytes) -> Graph:
    model = tflite.Model.GetRootAsModel(data, 0)
    if model.SubgraphsLength() < 1:
        raise ModelError("model has no subgraph")
    sg = model.Subgraphs(0)
    tensors = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        type_name = _TYPE_NAMES.get(t.Type(), f"type {t.Type()}")
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        q = t.Quantization()
        scale = zp = None
        qdim = 0
        if q is not None and q.ScaleLength():
            scale = q.ScaleAsNumpy().astype(np.float32)
            zp = q.ZeroPointAsNumpy().astype(np.int64) if q.ZeroPointLength() else np.zeros(scale.size, np.int64)
            qdim = q.QuantizedDimension()
        const = None
        buf_index = t.Buffer()
        if 0 < buf_index < model.BuffersLength():
            buf = model.Buffers(buf_index)
            raw = None
            if buf.DataLength():
                raw = buf.DataAsNumpy().tobytes()
            elif buf.Offset() > 1:   # large models keep buffers after the flatbuffer
                raw = data[buf.Offset(): buf.Offset() + buf.Size()]
            if raw is not None:
                np_type = _NUMPY_TYPES.get(type_name)
                if np_type is None:
                    const = np.frombuffer(raw, np.uint8)
                else:
                    const = np.frombuffer(raw, np_type)
                    expected = int(np.prod(shape, dtype=np.int64))
                    if const.size != expected:
                        raise ModelError(f"tensor {i} ({t.Name().decode(errors='replace')}): constant has "
                                         f"{const.size} elements, shape {list(shape)} needs {expected}")
                    const = const.reshape(shape)
        tensors.append(Tensor(i, t.Name().decode(errors="replace"), shape, type_name, scale, zp, qdim, const,
                              bool(t.IsVariable())))
    ops = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        type_name = _OPERATOR_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if builtin == BuiltinOperator.CUSTOM:
            type_name = f"CUSTOM:{(code.CustomCode() or b'').decode(errors='replace')}"
        options_type, options = _read_options(op)
        ops.append(Op(i, type_name, [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else [],
                      [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else [],
                      options, options_type))
    desc = model.Description().decode(errors="replace") if model.Description() else ""
    return Graph(tensors, ops, [int(x) for x in sg.InputsAsNumpy()], [int(x) for x in sg.OutputsAsNumpy()],
                 model.SubgraphsLength(), desc)
