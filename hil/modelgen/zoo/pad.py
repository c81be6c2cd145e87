"""PAD cases: ZeroPadding2D-style H/W padding, channel and batch padding (TFLM's
generic path), ranks 1, 3 and 5, int64 paddings (as TFLM reads them), zero points at both ends."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R


def pad_model(shape, paddings, scale=0.05, zp=-3, paddings_dtype=np.int32, op="PAD", value=None,
              dtype=np.int8) -> bytes:
    """One PAD (or PADV2 with a constant `value`, quantized like the input) of an input of `shape`."""
    paddings = np.asarray(paddings, dtype=paddings_dtype).reshape(len(shape), 2)
    out_shape = [d + int(a) + int(b) for d, (a, b) in zip(shape, paddings)]
    b = ModelBuilder(f"{op} {list(shape)} by {paddings.tolist()}")
    x = b.input("input", shape, scale, zp, dtype=dtype)
    inputs = [x, b.const("paddings", paddings)]
    if value is not None:
        inputs.append(b.const("constant_values", np.array([value], dtype=dtype), scale=scale, zero_point=zp))
    y = b.tensor("padded", out_shape, dtype, scale, zp)
    if op == "PAD":
        b.op("PAD", inputs, [y], "PadOptions")
    else:
        b.op("PADV2", inputs, [y], "PadV2Options")
    b.mark_output(y)
    return b.build()


CASES = {
    "zeropadding2d_hw": functools.partial(pad_model, (1, 8, 8, 8), [[0, 0], [1, 2], [2, 1], [0, 0]]),
    "channels_and_batch": functools.partial(pad_model, (1, 3, 4, 5), [[1, 0], [0, 1], [0, 0], [2, 3]], zp=17),
    "rank1": functools.partial(pad_model, (7,), [[3, 5]], zp=127),
    "rank3": functools.partial(pad_model, (2, 5, 3), [[0, 1], [2, 0], [1, 1]], zp=-128),
    "rank5": functools.partial(pad_model, (1, 2, 3, 2, 4), [[0, 1], [1, 0], [0, 2], [1, 1], [0, 1]]),
    # TFLM reads an INT64 paddings buffer as int32 words: only leading-dim padding survives that
    "int64_paddings_leading": functools.partial(pad_model, (1, 6), [[2, 0], [0, 0]], paddings_dtype=np.int64),
}


def random_paddings(rng: np.random.Generator, rank: int) -> list[list[int]]:
    return [[int(rng.integers(0, 4)) if R.chance(rng, 0.6) else 0 for _ in range(2)] for _ in range(rank)]


def random_case(rng: np.random.Generator) -> bytes:
    """A random PAD: rank 1-5, paddings 0-3 on each side of each dim, int8 (any zero point), int16 or
    int32; one case in ten with INT64 paddings, which TFLM reads as int32 words (both sides must agree
    on what it then does)."""
    rank = int(rng.integers(1, 6))
    shape = R.dims(rng, rank, 6, 600)
    dtype = R.choice(rng, (np.int8, np.int8, np.int16, np.int32))
    return pad_model(shape, random_paddings(rng, rank), R.scale(rng), R.zero_point(rng) if dtype == np.int8 else 0,
                     paddings_dtype=np.int64 if R.chance(rng, 0.1) else np.int32, dtype=dtype)
