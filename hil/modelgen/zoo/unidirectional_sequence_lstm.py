"""UNIDIRECTIONAL_SEQUENCE_LSTM op-zoo cases, laid out as the converter writes a
fused Keras LSTM with full-integer quantization: int8 input, output and hidden
state (one scale and zero point), int16 cell state at a power-of-two scale,
symmetric per-tensor int8 weights, int32 gate biases (the forget gate's at +1
as Keras's unit_forget_bias), the peephole/projection/layer-norm inputs absent,
the two states variable tensors.  The model ends at the LSTM's output.

Cases: 4..16 units, 1..10 steps, batch 1..2, batch- and time-major, zero
points at the int8 ends, cell clip on (one small enough to clip) and off, and
cell scales 2^-11, 2^-14 and 2^-16 (the int16 tanh's input shift both ways)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder

GATES = ("input", "forget", "cell", "output")
TANH = 4


def lstm_model(batch: int = 1, steps: int = 10, input_dim: int = 8, units: int = 16, time_major: bool = False,
               activation: int = TANH, cell_clip: float = 10.0, cell_scale_log2: int = -14,
               input_scale: float = 0.0266, input_zp: int = -5, hidden_scale: float = 0.0048, hidden_zp: int = 9,
               seed: int = 0) -> bytes:
    """One UNIDIRECTIONAL_SEQUENCE_LSTM, its [steps, batch, units] (time-major) or
    [batch, steps, units] output the model's output."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder(f"unidirectional_sequence_lstm batch={batch} steps={steps} in={input_dim} units={units} "
                     f"time_major={time_major}")
    in_shape = (steps, batch, input_dim) if time_major else (batch, steps, input_dim)
    x = b.input("x", in_shape, scale=input_scale, zero_point=input_zp)

    def weights(name: str, fan_in: int, rows: int, cols: int) -> tuple[int, float]:
        limit = 1.5 / np.sqrt(fan_in)                 # pre-activations of a few units of Q3.12's range
        scale = float(limit * rng.uniform(0.8, 1.0) / 127)
        data = rng.integers(-127, 128, size=(rows, cols), dtype=np.int8)
        return b.const(name, data, scale=scale, zero_point=0), scale

    input_w, recurrent_w, biases = {}, {}, {}
    for g in GATES:
        input_w[g], w_scale = weights(f"input_to_{g}_weights", input_dim, units, input_dim)
        real = rng.uniform(-0.3, 0.3, size=units) + (1.0 if g == "forget" else 0.0)
        bias_scale = input_scale * w_scale
        biases[g] = b.const(f"{g}_gate_bias", np.round(real / bias_scale).astype(np.int32), scale=bias_scale,
                            zero_point=0)
    for g in GATES:
        recurrent_w[g], _ = weights(f"recurrent_to_{g}_weights", units, units, units)
    hidden = b.tensor("hidden_state", (batch, units), np.int8, scale=hidden_scale, zero_point=hidden_zp,
                      is_variable=True)
    cell = b.tensor("cell_state", (batch, units), np.int16, scale=2.0 ** cell_scale_log2, zero_point=0,
                    is_variable=True)
    y = b.tensor("y", in_shape[:2] + (units,), scale=hidden_scale, zero_point=hidden_zp)
    inputs = [x] + [input_w[g] for g in GATES] + [recurrent_w[g] for g in GATES] + [-1, -1, -1] + \
             [biases[g] for g in GATES] + [-1, -1, hidden, cell, -1, -1, -1, -1]
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], "UnidirectionalSequenceLSTMOptions",
         fused_activation_function=activation, cell_clip=cell_clip, proj_clip=0.0, time_major=time_major,
         asymmetric_quantize_inputs=False, diagonal_recurrent_tensors=False)
    b.mark_output(y)
    return b.build()


def _case(**kwargs) -> Callable[[], bytes]:
    return lambda: lstm_model(**kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "keras_units16_steps10": _case(seed=1),
    "units4_one_step": _case(steps=1, input_dim=3, units=4, seed=2),
    "batch2_units8_steps5": _case(batch=2, steps=5, input_dim=6, units=8, input_zp=12, hidden_zp=-20,
                                  hidden_scale=0.0071, seed=3),
    "time_major_batch2_units8": _case(batch=2, steps=4, input_dim=5, units=8, time_major=True, seed=4),
    "time_major_no_clip_zp_ends": _case(steps=3, input_dim=4, units=12, time_major=True, cell_clip=0.0,
                                        input_zp=127, hidden_zp=-128, hidden_scale=0.008, seed=5),
    "small_clip_cell_scale_2e-11": _case(batch=2, steps=6, input_dim=8, units=6, cell_clip=0.4,
                                         cell_scale_log2=-11, input_scale=0.05, seed=6),
    "cell_scale_2e-16": _case(steps=7, input_dim=2, units=10, cell_scale_log2=-16, cell_clip=0.45,
                              hidden_scale=0.0123, hidden_zp=-3, seed=7),
}
