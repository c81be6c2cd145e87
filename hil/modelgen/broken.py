"""Models and plans that are wrong on purpose, for the robustness checks: an op the
engine does not implement, files that are not models, weights larger than a board
can hold, a plan that declares too small an arena."""
from __future__ import annotations

import random

import numpy as np

from .builder import ModelBuilder


def unsupported_op_model(op: str = "FLOOR") -> bytes:
    """A one-op int8 model using `op` (a TFLite builtin the engine does not implement)."""
    builder = ModelBuilder(f"one {op} op")
    x = builder.input("x", (1, 8), scale=0.05, zero_point=0)
    y = builder.tensor("y", (1, 8), scale=1 / 128, zero_point=0)
    builder.op(op, [x], [y])
    builder.mark_output(y)
    return builder.build()


def corrupt_model_file(kind: str) -> bytes:
    """`garbage` (random bytes) or `truncated` (the first 40 bytes of a valid model)."""
    if kind == "garbage":
        return random.Random(0).randbytes(1000)
    if kind == "truncated":
        return unsupported_op_model()[:40]
    raise ValueError(f"unknown kind of corrupt model '{kind}': garbage or truncated")


def model_larger_than(limit_bytes: int, what: str) -> bytes:
    """A one-op FULLY_CONNECTED model whose weights alone exceed `limit_bytes`."""
    depth = 256
    units = limit_bytes // depth + 1
    builder = ModelBuilder(f"FULLY_CONNECTED {depth} -> {units}: more weight bytes than {what}")
    x = builder.input("x", (1, depth), scale=0.05, zero_point=0)
    weights = np.random.default_rng(0).integers(-127, 128, size=(units, depth), dtype=np.int8)
    w = builder.const("w", weights, scale=0.01, zero_point=0)
    y = builder.tensor("y", (1, units), scale=0.1, zero_point=0)
    builder.op("FULLY_CONNECTED", [x, w, -1], [y], "FullyConnectedOptions",
               fused_activation_function=0, weights_format=0, keep_num_dims=False)
    builder.mark_output(y)
    return builder.build()
