"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8 in/out, int8 weights, int32 biases, int16 cell): TFLM's 8x8->16 LSTM; time- or batch-major; TANH activation; no CIFG, peephole, projection or layer norm; state reset per inference.

The arithmetic of TFLM's UnidirectionalSequenceLstmPrepare (lstm_eval_common.cc
PrepareGateParametersInteger, the kernel the converter's fused Keras LSTM runs):

- each gate's two FCs (input, with the gate bias; hidden state, without) write
  int16 at scale 2^-12 (Q3.12, the LUT sigmoid/tanh's input):
  CalculateOpDataFullyConnected's double(in_scale) * double(weight_scale) /
  double(2^-12), QuantizeMultiplier'd, zero points -input's and -hidden's;
- the three elementwise products (CreateInterGateMulParams) multiply
  double(scale1) * double(scale2) / double(out_scale), with the gates' outputs at
  2^-15: forget x cell -> cell, input x cell gate -> cell, tanh(cell) x output ->
  hidden (int8, the hidden state's zero point);
- tanh(cell) scales its input by the cell scale's power of two (CheckedLog2,
  rounded even where the scale is not one, as TFLM does);
- the cell clip is int16(clamp(double(cell_clip) / double(cell_scale))), used when
  cell_clip > 0.

TFLM reads none of the op's `intermediates` (the converter leaves them empty),
and takes the state dimension from the hidden state's shape.  The schema has
no SIGMOID activation: the cell gate's is TANH (TFLM asserts on anything else).
TFLM keeps the hidden and cell state (variable tensors) across invokes; the
engine starts every inference from TFLM's reset state (cell 0, hidden state at
its zero point), as after reset() (how the golden outputs are made), so the
states live in the op's scratch and the plan has no tensor for them."""
from __future__ import annotations

import math

import numpy as np

from ..quant import quantize_multiplier
from ...model.tflite import Graph, Op, Tensor
from . import PreparedOp, register
from ..common import output_tensor, require, require_int8, require_rank, tensor_label, zero_point

NUM_INPUTS = 24
INPUT, HIDDEN_STATE, CELL_STATE = 0, 18, 19
GATES = ("input", "forget", "cell", "output")          # TFLite's order of the weights and biases
INPUT_WEIGHTS = {g: 1 + i for i, g in enumerate(GATES)}
RECURRENT_WEIGHTS = {g: 5 + i for i, g in enumerate(GATES)}
BIASES = {g: 12 + i for i, g in enumerate(GATES)}
VARIANTS = {9: "cell-to-input (peephole) weights", 10: "cell-to-forget (peephole) weights",
            11: "cell-to-output (peephole) weights", 16: "projection weights", 17: "projection bias",
            20: "input layer-norm coefficients", 21: "forget layer-norm coefficients",
            22: "cell layer-norm coefficients", 23: "output layer-norm coefficients"}
TANH = 4                                                # ActivationFunctionType: the cell gate's activation

GATE_INPUT_SCALE = float(np.float32(2.0 ** -12))        # Q3.12: the FC outputs, the LUT's input
GATE_OUTPUT_SCALE = float(np.float32(2.0 ** -15))       # Q0.15: the sigmoid/tanh outputs
MAX_DEPTH = 65536                                       # the int32 gate accumulators stay exact
MAX_SHIFT = 30


def scratch_bytes(batches: int, state_dim: int) -> int:
    """th_lstm_s8_scratch_bytes: the int16 cell state and four gate buffers, the int8 hidden state."""
    return batches * state_dim * (5 * 2 + 1)


def checked_log2(scale: float) -> int:
    """TFLM's CheckedLog2 in float32: round(log(x) * (1 / log(2))); not a power of two is not refused."""
    x_log2 = np.float32(math.log(np.float32(scale))) * (np.float32(1.0) / np.float32(math.log(np.float32(2.0))))
    return int(math.copysign(math.floor(abs(float(x_log2)) + 0.5), float(x_log2)))


def _multiplier(op: Op, what: str, real: float) -> tuple[int, int]:
    multiplier, shift = quantize_multiplier(real)
    require(shift <= MAX_SHIFT, op, f"{what} multiplier {real!r} is too large (needs a shift of {shift}, "
                                    f"at most {MAX_SHIFT} is supported)")
    return multiplier, shift


def _input(graph: Graph, op: Op, position: int) -> Tensor | None:
    index = op.inputs[position]
    return None if index < 0 else graph.tensors[index]


def _require_weights(op: Op, w: Tensor | None, role: str, shape: tuple[int, int]) -> Tensor:
    require(w is not None, op, f"{role} (input) is missing; the engine's LSTM (as TFLM's) has no CIFG variant")
    require_int8(op, w, role)
    require(w.is_constant, op, f"{role} {tensor_label(w)} is not constant")
    require(zero_point(w) == 0, op, f"{role} {tensor_label(w)} has zero point {zero_point(w)}; "
                                    "only symmetric int8 weights are supported")
    require(float(w.scale[0]) > 0.0, op, f"{role} {tensor_label(w)} has scale {float(w.scale[0])!r}, not positive")
    require(tuple(w.shape) == shape, op, f"{role} {tensor_label(w)} has shape {list(w.shape)}, expected {list(shape)}")
    return w


def _require_state(op: Op, graph: Graph, t: Tensor | None, role: str, dtype: str, elements: int) -> None:
    require(t is not None, op, f"missing {role} input")
    require(t.is_variable, op, f"{role} {tensor_label(t)} is not a variable tensor (TFLM requires one)")
    require(t.type_name == dtype, op, f"{role} {tensor_label(t)} is {t.type_name}, expected {dtype}")
    require(t.scale is not None and t.scale.size == 1 and float(t.scale[0]) > 0.0, op,
            f"{role} {tensor_label(t)} needs one positive scale")
    count = int(np.prod(t.shape, dtype=np.int64))
    require(count == elements, op, f"{role} {tensor_label(t)} has {count} values, batch x state is {elements}")
    others = [o.index for o in graph.ops if o.index != op.index and (t.index in o.inputs or t.index in o.outputs)]
    require(not others and t.index not in graph.inputs and t.index not in graph.outputs, op,
            f"{role} {tensor_label(t)} is used outside the LSTM; the engine keeps the state inside the op")


@register("UNIDIRECTIONAL_SEQUENCE_LSTM")
def prepare_unidirectional_sequence_lstm(op: Op, graph: Graph) -> PreparedOp:
    require(len(op.inputs) == NUM_INPUTS, op, f"expected {NUM_INPUTS} inputs, got {len(op.inputs)}")
    y = output_tensor(graph, op)
    x = _input(graph, op, INPUT)
    require(x is not None, op, "missing input (input 0)")
    require(x.type_name == "INT8", op, f"input {tensor_label(x)} is {x.type_name}; the engine's LSTM takes int8 "
                                       "activations (the 8x8->16 kernel), not the 16x8 one")
    require_int8(op, x, "input")
    require_int8(op, y, "output")
    require(-128 <= zero_point(x) <= 127, op, f"input {tensor_label(x)} has zero point {zero_point(x)}, outside int8")
    require_rank(op, x, "input", 3)
    require_rank(op, y, "output", 3)
    for position, what in VARIANTS.items():
        t = _input(graph, op, position)
        require(t is None, op, f"input {position} ({what}, {tensor_label(t) if t else ''}) is present; "
                               "peephole, projection and layer-norm LSTMs are not supported (nor by TFLM's kernel)")

    options = op.options
    time_major = bool(options.get("time_major", False))
    activation = int(options.get("fused_activation_function", 0))
    require(activation == TANH, op, f"fused activation {activation} is not supported: TFLM's kernel asserts on any "
                                    "cell gate activation but TANH (4) (a release build leaves that gate un-activated)")
    require(not options.get("diagonal_recurrent_tensors", False), op,
            "diagonal_recurrent_tensors is set; the engine (as TFLM) takes full recurrent weight matrices")

    hidden, cell = _input(graph, op, HIDDEN_STATE), _input(graph, op, CELL_STATE)
    require(hidden is not None and cell is not None, op, "missing hidden or cell state input (inputs 18, 19)")
    require(len(hidden.shape) == 2, op, f"hidden state {tensor_label(hidden)} has shape {list(hidden.shape)}; "
                                        "TFLM reads the state size from its second dimension")
    batches = x.shape[1] if time_major else x.shape[0]
    steps = x.shape[0] if time_major else x.shape[1]
    input_dim, state_dim = x.shape[2], hidden.shape[1]
    require(min(batches, steps, input_dim, state_dim) >= 1, op, f"input {tensor_label(x)} or hidden state has an "
                                                                  "empty dimension")
    require(max(input_dim, state_dim) <= MAX_DEPTH, op,
            f"input size {input_dim} or state size {state_dim} is above {MAX_DEPTH}")
    _require_state(op, graph, hidden, "hidden state", "INT8", batches * state_dim)
    _require_state(op, graph, cell, "cell state", "INT16", batches * state_dim)
    require(-128 <= zero_point(hidden) <= 127, op,
            f"hidden state {tensor_label(hidden)} has zero point {zero_point(hidden)}, outside int8")
    require(tuple(y.shape) == (x.shape[0], x.shape[1], state_dim), op,
            f"output {tensor_label(y)} has shape {list(y.shape)}, expected {[x.shape[0], x.shape[1], state_dim]}")

    in_scale, hidden_scale, cell_scale = float(x.scale[0]), float(hidden.scale[0]), float(cell.scale[0])
    params: dict[str, int] = {"time_major": int(time_major), "input_zero_point": zero_point(x),
                              "hidden_zero_point": zero_point(hidden)}
    inputs = [-1] * NUM_INPUTS
    inputs[INPUT] = x.index
    for g in GATES:
        w_in = _require_weights(op, _input(graph, op, INPUT_WEIGHTS[g]), f"input-to-{g} weights",
                                (state_dim, input_dim))
        w_rec = _require_weights(op, _input(graph, op, RECURRENT_WEIGHTS[g]), f"recurrent-to-{g} weights",
                                 (state_dim, state_dim))
        bias = _input(graph, op, BIASES[g])
        require(bias is not None, op, f"{g} gate bias (input {BIASES[g]}) is missing")
        require(bias.type_name == "INT32", op, f"{g} gate bias {tensor_label(bias)} is {bias.type_name}, expected INT32")
        require(bias.is_constant, op, f"{g} gate bias {tensor_label(bias)} is not constant")
        require(tuple(bias.shape) == (state_dim,), op,
                f"{g} gate bias {tensor_label(bias)} has shape {list(bias.shape)}, expected {[state_dim]}")
        # CalculateOpDataFullyConnected into the Q3.12 gate (TFLM passes no bias, so checks no bias scale).
        params[f"{g}_gate_input_multiplier"], params[f"{g}_gate_input_shift"] = _multiplier(
            op, f"input-to-{g}", in_scale * float(w_in.scale[0]) / GATE_INPUT_SCALE)
        params[f"{g}_gate_recurrent_multiplier"], params[f"{g}_gate_recurrent_shift"] = _multiplier(
            op, f"recurrent-to-{g}", hidden_scale * float(w_rec.scale[0]) / GATE_INPUT_SCALE)
        inputs[INPUT_WEIGHTS[g]], inputs[RECURRENT_WEIGHTS[g]], inputs[BIASES[g]] = w_in.index, w_rec.index, bias.index

    params["forget_cell_multiplier"], params["forget_cell_shift"] = _multiplier(
        op, "forget x cell", GATE_OUTPUT_SCALE * cell_scale / cell_scale)
    params["input_cell_multiplier"], params["input_cell_shift"] = _multiplier(
        op, "input x cell gate", GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / cell_scale)
    params["hidden_multiplier"], params["hidden_shift"] = _multiplier(
        op, "hidden state", GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / hidden_scale)

    # lstm_internal::Tanh(cell_state_scale_power, ...): the LUT wants Q3.12 times 3.
    left_shift = 15 + checked_log2(cell_scale) - 3
    tanh_multiplier, tanh_shift = (3, -left_shift) if left_shift < 0 else (3 << left_shift, 0)
    require(tanh_multiplier <= 65535 and tanh_shift <= 15, op,
            f"cell state {tensor_label(cell)} scale {cell_scale!r} is outside what the int16 tanh takes "
            "(a power of two in [2^-27, 2^2])")
    params["cell_tanh_multiplier"], params["cell_tanh_shift"] = tanh_multiplier, tanh_shift

    cell_clip = float(np.float32(options.get("cell_clip", 0.0)))
    params["use_cell_clip"] = int(cell_clip > 0.0)
    params["cell_clip"] = int(min(max(cell_clip / cell_scale, -32768.0), 32767.0)) if cell_clip > 0.0 else 0

    return PreparedOp("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, y.index, params=params,
                      macs=batches * steps * len(GATES) * state_dim * (input_dim + state_dim),
                      scratch_bytes=scratch_bytes(batches, state_dim))
