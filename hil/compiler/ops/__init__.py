"""Per-op prepare functions: one module per op, registered by TFLite op name.

A prepare function checks that the engine supports the op as the model uses
it (raising UnsupportedModelError naming the op index, type and reason) and
computes every integer parameter the C kernel needs, the way TFLM's Prepare
does.  The registry is filled by importing the op modules below."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ...model.tflite import Graph, Op


@dataclass
class PreparedOp:
    op_type: str                        # engine op name (== TFLite's, e.g. "CONV_2D")
    inputs: list[int]                   # graph tensor indices in the kernel's order, -1 = absent
    outputs: list[int]                  # graph tensor indices (an int is taken as one output)
    params: dict[str, int] = field(default_factory=dict)        # the op's params fields
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # int32 arrays; fills "<name>_offset"
    macs: int = 0
    scratch_bytes: int = 0
    output_aliases_input: bool = False  # RESHAPE: the output shares the input's bytes

    def __post_init__(self):
        if isinstance(self.outputs, int):
            self.outputs = [self.outputs]
        self.outputs = [int(t) for t in self.outputs]
        if not self.outputs:
            raise ValueError(f"{self.op_type}: an op has at least one output")

    @property
    def output(self) -> int:
        """The first output (every op has one)."""
        return self.outputs[0]


PrepareFn = Callable[[Op, Graph], PreparedOp]
PREPARE: dict[str, PrepareFn] = {}


def register(*tflite_names: str):
    """Decorator: register a prepare function for one or more TFLite op names."""
    def wrap(fn: PrepareFn) -> PrepareFn:
        for name in tflite_names:
            PREPARE[name] = fn
        return fn
    return wrap


# Importing the op modules fills PREPARE.
from . import (activations, add, arg_max, average_pool_2d, batch_matmul, concatenation, conv_2d,
               depth_to_space, depthwise_conv_2d, fully_connected, gather, max_pool_2d,
               maximum_minimum, mean, mul, pack, pad, prelu, quantize, reduce_max, reshape,
               resize_bilinear, resize_nearest_neighbor, slice, softmax, split, squared_difference,
               squeeze, sub, sum, transpose, transpose_conv, unidirectional_sequence_lstm)  # noqa: E402,F401
