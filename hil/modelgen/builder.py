"""Build int8 TFLite flatbuffers with the `tflite` package's generated builders.

The builder is deliberately small: tensors (with quantization and optional
constant data), operators (builtin code plus an options table given as a dict)
and the subgraph's inputs and outputs.  It writes schema version 3 files that
both the TFLM interpreter and `hil.model.tflite` read.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import flatbuffers
import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions
from tflite.TensorType import TensorType

_NP_TO_TFLITE = {
    np.dtype(np.int8): TensorType.INT8,
    np.dtype(np.int16): TensorType.INT16,
    np.dtype(np.int32): TensorType.INT32,
    np.dtype(np.float32): TensorType.FLOAT32,
    np.dtype(np.uint8): TensorType.UINT8,
    np.dtype(np.int64): TensorType.INT64,
}

# Options tables whose fields are vectors of int32 rather than scalars.
_VECTOR_FIELDS = {("ReshapeOptions", "newShape"), ("SqueezeOptions", "squeezeDims")}


@dataclass
class _Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    scale: np.ndarray | None
    zero_point: np.ndarray | None
    quantized_dimension: int
    data: np.ndarray | None
    is_variable: bool = False


@dataclass
class _Op:
    opcode: int
    inputs: list[int]
    outputs: list[int]
    options_name: str | None
    options: dict = field(default_factory=dict)


def _camel(name: str) -> str:
    """stride_w -> StrideW: the generated builder functions' spelling."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class ModelBuilder:
    """Collects tensors and ops, then writes one single-subgraph TFLite model."""

    def __init__(self, description: str = "tinyhil generated model"):
        self.description = description
        self.tensors: list[_Tensor] = []
        self.ops: list[_Op] = []
        self.inputs: list[int] = []
        self.outputs: list[int] = []

    # -- tensors ---------------------------------------------------------------
    def tensor(self, name, shape, dtype=np.int8, scale=None, zero_point=None,
               quantized_dimension=0, data=None, is_variable=False) -> int:
        """Add a tensor; returns its index.  `scale`/`zero_point` may be scalars or per-channel arrays;
        `is_variable` marks a state tensor (an LSTM's hidden and cell state)."""
        dtype = np.dtype(dtype)
        if data is not None:
            data = np.ascontiguousarray(np.asarray(data, dtype=dtype).reshape(shape))
        sc = None if scale is None else np.atleast_1d(np.asarray(scale, dtype=np.float32))
        zp = None
        if sc is not None:
            zp_src = 0 if zero_point is None else zero_point
            zp = np.atleast_1d(np.asarray(zp_src, dtype=np.int64))
            if zp.size == 1 and sc.size > 1:
                zp = np.repeat(zp, sc.size)
        self.tensors.append(_Tensor(name, tuple(int(d) for d in shape), dtype, sc, zp,
                                    quantized_dimension, data, bool(is_variable)))
        return len(self.tensors) - 1

    def input(self, name, shape, scale, zero_point, dtype=np.int8) -> int:
        idx = self.tensor(name, shape, dtype, scale, zero_point)
        self.inputs.append(idx)
        return idx

    def const(self, name, data, scale=None, zero_point=None, quantized_dimension=0, dtype=None) -> int:
        data = np.asarray(data)
        return self.tensor(name, data.shape, dtype or data.dtype, scale, zero_point,
                           quantized_dimension, data)

    # -- operators -------------------------------------------------------------
    def op(self, opcode: str | int, inputs, outputs, options_name: str | None = None, **options):
        """Add an operator.  `opcode` is a BuiltinOperator name ("CONV_2D") or number;
        `options_name` the options table ("Conv2DOptions") and `options` its fields in snake_case."""
        code = getattr(BuiltinOperator, opcode) if isinstance(opcode, str) else int(opcode)
        self.ops.append(_Op(code, [int(i) for i in inputs], [int(o) for o in outputs],
                            options_name, options))
        return len(self.ops) - 1

    def mark_output(self, idx: int):
        self.outputs.append(idx)

    # -- serialization ---------------------------------------------------------
    def build(self) -> bytes:
        b = flatbuffers.Builder(1024)

        # Buffer 0 is the conventional empty buffer.
        buffer_offsets = []
        tensor_buffer_index = []
        empty = self._buffer(b, None)
        buffer_offsets.append(empty)
        for t in self.tensors:
            if t.data is None:
                tensor_buffer_index.append(0)
            else:
                buffer_offsets.append(self._buffer(b, t.data.tobytes()))
                tensor_buffer_index.append(len(buffer_offsets) - 1)

        tensor_offsets = [self._tensor(b, t, buf) for t, buf in zip(self.tensors, tensor_buffer_index)]

        opcodes = sorted({op.opcode for op in self.ops})
        opcode_index = {c: i for i, c in enumerate(opcodes)}
        opcode_offsets = []
        for c in opcodes:
            tflite.OperatorCodeStart(b)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(c, 127))
            tflite.OperatorCodeAddBuiltinCode(b, c)
            tflite.OperatorCodeAddVersion(b, 1)
            opcode_offsets.append(tflite.OperatorCodeEnd(b))

        op_offsets = [self._operator(b, op, opcode_index[op.opcode]) for op in self.ops]

        tensors_vec = self._offset_vector(b, tflite.SubGraphStartTensorsVector, tensor_offsets)
        inputs_vec = self._int_vector(b, tflite.SubGraphStartInputsVector, self.inputs)
        outputs_vec = self._int_vector(b, tflite.SubGraphStartOutputsVector, self.outputs)
        ops_vec = self._offset_vector(b, tflite.SubGraphStartOperatorsVector, op_offsets)
        name = b.CreateString("main")
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, tensors_vec)
        tflite.SubGraphAddInputs(b, inputs_vec)
        tflite.SubGraphAddOutputs(b, outputs_vec)
        tflite.SubGraphAddOperators(b, ops_vec)
        tflite.SubGraphAddName(b, name)
        subgraph = tflite.SubGraphEnd(b)

        subgraphs_vec = self._offset_vector(b, tflite.ModelStartSubgraphsVector, [subgraph])
        opcodes_vec = self._offset_vector(b, tflite.ModelStartOperatorCodesVector, opcode_offsets)
        buffers_vec = self._offset_vector(b, tflite.ModelStartBuffersVector, buffer_offsets)
        desc = b.CreateString(self.description)
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, opcodes_vec)
        tflite.ModelAddSubgraphs(b, subgraphs_vec)
        tflite.ModelAddDescription(b, desc)
        tflite.ModelAddBuffers(b, buffers_vec)
        model = tflite.ModelEnd(b)
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())

    def save(self, path) -> bytes:
        data = self.build()
        with open(path, "wb") as f:
            f.write(data)
        return data

    # -- helpers ---------------------------------------------------------------
    @staticmethod
    def _offset_vector(b, start_fn, offsets):
        start_fn(b, len(offsets))
        for off in reversed(offsets):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()

    @staticmethod
    def _int_vector(b, start_fn, values):
        start_fn(b, len(values))
        for v in reversed(values):
            b.PrependInt32(int(v))
        return b.EndVector()

    @staticmethod
    def _buffer(b, payload: bytes | None):
        data_vec = None
        if payload:
            b.StartVector(1, len(payload), 16)
            b.head = b.head - len(payload)
            b.Bytes[b.head:b.head + len(payload)] = payload
            data_vec = b.EndVector()
        tflite.BufferStart(b)
        if data_vec is not None:
            tflite.BufferAddData(b, data_vec)
        return tflite.BufferEnd(b)

    def _tensor(self, b, t: _Tensor, buffer_index: int):
        quant = None
        if t.scale is not None:
            scale_vec = b.CreateNumpyVector(t.scale.astype(np.float32))
            zp_vec = b.CreateNumpyVector(t.zero_point.astype(np.int64))
            tflite.QuantizationParametersStart(b)
            tflite.QuantizationParametersAddScale(b, scale_vec)
            tflite.QuantizationParametersAddZeroPoint(b, zp_vec)
            tflite.QuantizationParametersAddQuantizedDimension(b, t.quantized_dimension)
            quant = tflite.QuantizationParametersEnd(b)
        name = b.CreateString(t.name)
        shape = b.CreateNumpyVector(np.asarray(t.shape, dtype=np.int32))
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, _NP_TO_TFLITE[t.dtype])
        tflite.TensorAddBuffer(b, buffer_index)
        tflite.TensorAddName(b, name)
        if t.is_variable:
            tflite.TensorAddIsVariable(b, True)
        if quant is not None:
            tflite.TensorAddQuantization(b, quant)
        return tflite.TensorEnd(b)

    def _operator(self, b, op: _Op, opcode_index: int):
        options = None
        if op.options_name:
            options = self._options(b, op.options_name, op.options)
        inputs = self._int_vector(b, tflite.OperatorStartInputsVector, op.inputs)
        outputs = self._int_vector(b, tflite.OperatorStartOutputsVector, op.outputs)
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, opcode_index)
        tflite.OperatorAddInputs(b, inputs)
        tflite.OperatorAddOutputs(b, outputs)
        if options is not None:
            tflite.OperatorAddBuiltinOptionsType(b, getattr(BuiltinOptions, op.options_name))
            tflite.OperatorAddBuiltinOptions(b, options)
        return tflite.OperatorEnd(b)

    @staticmethod
    def _options(b, name: str, fields: dict):
        module = importlib.import_module(f"tflite.{name}")
        vectors = {}
        for key, value in fields.items():
            camel = _camel(key)
            if (name, camel[:1].lower() + camel[1:]) in _VECTOR_FIELDS:
                vectors[camel] = b.CreateNumpyVector(np.asarray(value, dtype=np.int32))
        getattr(module, f"{name}Start")(b)
        for key, value in fields.items():
            camel = _camel(key)
            adder = getattr(module, f"{name}Add{camel}", None)
            if adder is None:
                raise ValueError(f"{name} has no field {key!r}")
            adder(b, vectors.get(camel, value))
        return getattr(module, f"{name}End")(b)
