"""Float model I/O around an integer engine: the boundary conversions.

A converter-made model with float32 inputs and outputs starts with QUANTIZE
(float32 -> int8/int16) on each float input and ends with DEQUANTIZE
(int8/int16 -> float32) on each float output.  The engine keeps no float at
inference time, so the compiler takes these boundary ops out of the plan: the
plan's inputs and outputs are their integer sides, and the conversion runs on
the host side of the link, with TFLM's arithmetic bit for bit:

- QUANTIZE (TFLM's AffineQuantize as the pinned wheel computes it): the
  division `x / scale` in float32, rounded half away from zero, converted to
  int32, plus the zero point, clamped to the integer type.  A NaN or a value
  whose rounded quotient lies outside int32 converts as the wheel's x86 build
  converts it (to INT32_MIN), so even those inputs agree with the golden.
- DEQUANTIZE: `scale * (q - zero_point)` rounded once to float32 (the product
  of a float32 scale and a 17-bit integer is exact in double, so float32 and
  double arithmetic give the same bits).

With `float_io="target"` the boundary ops stay in the plan instead, for an
engine built with TH_FLOAT_IO on a board with an FPU, so their cost is measured
on the board; the arithmetic is the same.

A float32 tensor anywhere else (a float op inside the graph, a float input
that feeds anything but one QUANTIZE) is refused: the engine is integer-only."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UnsupportedModelError
from ..model.tflite import Graph

INTEGER_RANGES = {"INT8": (-128, 127), "UINT8": (0, 255), "INT16": (-32768, 32767)}
HOST = "host"       # where the conversion runs: the host side of the link (any board, the default build)
TARGET = "target"   # in the engine on the board: a TH_FLOAT_IO build, for boards with an FPU
PLACES = (HOST, TARGET)


def quantize_like_tflm(x: np.ndarray, scale: float, zero_point: int, dtype: str) -> np.ndarray:
    """float32 -> integer, as TFLM's QUANTIZE kernel (see the module doc)."""
    lo, hi = INTEGER_RANGES[dtype]
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        quotient = (x / np.float32(scale)).astype(np.float64)      # the float32 division, widened exactly
        rounded = np.sign(quotient) * np.floor(np.abs(quotient) + 0.5)   # roundf: half away from zero
        in_range = np.isfinite(rounded) & (rounded >= -2.0 ** 31) & (rounded < 2.0 ** 31)
        as_int32 = np.where(in_range, rounded, -2.0 ** 31).astype(np.int64)
    # int32 addition wraps in the wheel's build (INT32_MIN + a negative zero point wraps to the top).
    total = (as_int32 + int(zero_point) + 2 ** 31) % 2 ** 32 - 2 ** 31
    return np.clip(total, lo, hi).astype(dtype.lower())


def dequantize_like_tflm(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """integer -> float32, as TFLM's DEQUANTIZE kernel (see the module doc)."""
    centered = np.asarray(q).astype(np.int64) - int(zero_point)
    return (centered.astype(np.float64) * float(np.float32(scale))).astype(np.float32)


@dataclass(frozen=True)
class Conversion:
    """One boundary op taken out of the plan."""
    op_index: int           # the QUANTIZE/DEQUANTIZE's index in the model
    op_type: str
    float_tensor: int       # the model's float32 input or output
    integer_tensor: int     # the plan's input or output on the other side
    dtype: str              # of the integer tensor: INT8, INT16 (UINT8 where the model says so)
    scale: float
    zero_point: int

    def describe(self) -> str:
        arrow = "float32 -> " + self.dtype.lower() if self.op_type == "QUANTIZE" else self.dtype.lower() + " -> float32"
        return (f"op {self.op_index} ({self.op_type}, {arrow}, scale {self.scale:.6g}, zero point "
                f"{self.zero_point})")


@dataclass
class Boundary:
    """The model's float I/O conversions (None where a model input or output is integer)."""
    inputs: list[Conversion | None] = field(default_factory=list)
    outputs: list[Conversion | None] = field(default_factory=list)
    where: str = HOST

    @property
    def active(self) -> bool:
        return any(c is not None for c in self.inputs + self.outputs)

    @property
    def op_indices(self) -> set[int]:
        return {c.op_index for c in self.inputs + self.outputs if c is not None}

    @property
    def on_host(self) -> bool:
        return self.active and self.where == HOST

    def encode_inputs(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """The model's inputs -> the plan's (float32 ones quantized, where the host converts)."""
        if not self.on_host:
            return list(inputs)
        return [x if c is None else quantize_like_tflm(x, c.scale, c.zero_point, c.dtype)
                for x, c in zip(inputs, self._padded(self.inputs, len(inputs)))]

    def decode_outputs(self, outputs: list[np.ndarray]) -> list[np.ndarray]:
        """The plan's outputs -> the model's (float32 ones dequantized, where the host converts);
        exposed layers pass as they are."""
        if not self.on_host:
            return list(outputs)
        return [y if c is None else dequantize_like_tflm(y, c.scale, c.zero_point)
                for y, c in zip(outputs, self._padded(self.outputs, len(outputs)))]

    def describe(self) -> str:
        parts = [f"input {k}: {c.describe()}" for k, c in enumerate(self.inputs) if c is not None]
        parts += [f"output {k}: {c.describe()}" for k, c in enumerate(self.outputs) if c is not None]
        where = "on the host side of the link" if self.where == HOST else "on the target (TH_FLOAT_IO engine build)"
        return f"float I/O converted {where} ({'; '.join(parts)})"

    def prepared_op(self, op_index: int):
        """The plan op of boundary op `op_index`, for an engine that converts on target."""
        from .ops import PreparedOp
        conversion = next(c for c in self.inputs + self.outputs if c is not None and c.op_index == op_index)
        scale_bits = int(np.float32(conversion.scale).view(np.uint32))
        if conversion.op_type == "QUANTIZE":
            return PreparedOp("QUANTIZE", [conversion.float_tensor], conversion.integer_tensor, params={
                "input_zero_point": 0, "output_zero_point": conversion.zero_point, "multiplier": 0, "shift": 0,
                "output_scale_f32": scale_bits})
        return PreparedOp("DEQUANTIZE", [conversion.integer_tensor], conversion.float_tensor, params={
            "input_zero_point": conversion.zero_point, "input_scale_f32": scale_bits})

    @staticmethod
    def _padded(conversions, n):
        return list(conversions) + [None] * (n - len(conversions))


def _quant(graph: Graph, t: int) -> tuple[str, float, int]:
    tensor = graph.tensors[t]
    scale = float(tensor.scale[0]) if tensor.scale is not None and tensor.scale.size else 0.0
    zp = int(tensor.zero_point[0]) if tensor.zero_point is not None and tensor.zero_point.size else 0
    return tensor.type_name, scale, zp


def find_boundary(graph: Graph, where: str = HOST) -> Boundary:
    """The QUANTIZE on each float32 model input and the DEQUANTIZE on each float32 model output,
    converted `where` (HOST or TARGET).  Raises UnsupportedModelError naming the tensor and op
    where float32 reaches anything else."""
    if where not in PLACES:
        raise ValueError(f"float I/O converts on {' or '.join(PLACES)}, not {where!r}")
    consumers: dict[int, list] = {}
    producer: dict[int, object] = {}
    for op in graph.ops:
        for t in op.inputs:
            if t >= 0:
                consumers.setdefault(t, []).append(op)
        for t in op.outputs:
            producer[t] = op
    boundary = Boundary(where=where)
    for k, t in enumerate(graph.inputs):
        tensor = graph.tensors[t]
        if tensor.type_name != "FLOAT32":
            boundary.inputs.append(None)
            continue
        users = consumers.get(t, [])
        if len(users) != 1 or users[0].type != "QUANTIZE" or t in graph.outputs:
            named = ", ".join(f"op {op.index} ({op.type})" for op in users) or "nothing"
            raise UnsupportedModelError(
                f"model input {k} (tensor {t} '{tensor.name}') is float32 and feeds {named}; the engine is "
                "integer-only: a float input must feed exactly one QUANTIZE")
        op = users[0]
        dtype, scale, zp = _quant(graph, op.outputs[0])
        if dtype not in ("INT8", "INT16") or not scale > 0.0 or graph.tensors[op.outputs[0]].scale.size != 1:
            raise UnsupportedModelError(
                f"QUANTIZE of float32 input {k} makes {dtype} with scale {scale!r}; a float input is quantized "
                "per tensor to int8 or int16 with a positive scale (TFLM's QUANTIZE makes no other)", op.index, op.type)
        boundary.inputs.append(Conversion(op.index, op.type, t, op.outputs[0], dtype, scale, zp))
    for k, t in enumerate(graph.outputs):
        tensor = graph.tensors[t]
        if tensor.type_name != "FLOAT32":
            boundary.outputs.append(None)
            continue
        op = producer.get(t)
        if op is None or op.type != "DEQUANTIZE" or consumers.get(t):
            made = f"op {op.index} ({op.type})" if op is not None else "no op"
            raise UnsupportedModelError(
                f"model output {k} (tensor {t} '{tensor.name}') is float32, made by {made}; the engine is "
                "integer-only: a float output must come from a DEQUANTIZE and feed nothing else")
        source = op.inputs[0]
        dtype, scale, zp = _quant(graph, source)
        if dtype not in INTEGER_RANGES or not scale > 0.0 or graph.tensors[source].scale.size != 1:
            raise UnsupportedModelError(
                f"DEQUANTIZE to float32 output {k} reads {dtype} with scale {scale!r}; the engine dequantizes "
                "per-tensor int8, uint8 or int16 with a positive scale", op.index, op.type)
        if graph.tensors[source].is_constant:
            raise UnsupportedModelError(f"DEQUANTIZE to output {k} reads a constant tensor", op.index, op.type)
        boundary.outputs.append(Conversion(op.index, op.type, t, source, dtype, scale, zp))
    return boundary
