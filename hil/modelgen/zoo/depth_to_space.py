"""DEPTH_TO_SPACE and SPACE_TO_DEPTH cases: block sizes 1 to 4, batches, non-square
images, and one op undoing the other."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def _space_shape(shape, b):
    n, h, w, c = shape
    return (n, h * b, w * b, c // (b * b))


def block_model(op: str, shape, block_size: int, undo: bool = False) -> bytes:
    """DEPTH_TO_SPACE or SPACE_TO_DEPTH of `shape` (and, with `undo`, the other op after it)."""
    other = {"DEPTH_TO_SPACE": "SPACE_TO_DEPTH", "SPACE_TO_DEPTH": "DEPTH_TO_SPACE"}
    b = ModelBuilder(f"{op.lower()} {list(shape)} block {block_size}{' and back' if undo else ''}")
    x = b.input("input", shape, *QUANT)
    t, cur = x, tuple(shape)
    for name in [op, other[op]] if undo else [op]:
        n, h, w, c = cur
        cur = _space_shape(cur, block_size) if name == "DEPTH_TO_SPACE" else \
            (n, h // block_size, w // block_size, c * block_size * block_size)
        y = b.tensor(name.lower(), cur, np.int8, *QUANT)
        options = "DepthToSpaceOptions" if name == "DEPTH_TO_SPACE" else "SpaceToDepthOptions"
        b.op(name, [t], [y], options, block_size=block_size)
        t = y
    b.mark_output(t)
    return b.build()


CASES = {
    "depth_to_space_b2": functools.partial(block_model, "DEPTH_TO_SPACE", (1, 3, 4, 8), 2),
    "depth_to_space_b3_batch2": functools.partial(block_model, "DEPTH_TO_SPACE", (2, 2, 3, 18), 3),
    "depth_to_space_b1": functools.partial(block_model, "DEPTH_TO_SPACE", (1, 2, 2, 5), 1),
    "space_to_depth_b2": functools.partial(block_model, "SPACE_TO_DEPTH", (1, 6, 4, 3), 2),
    "space_to_depth_b4_batch2": functools.partial(block_model, "SPACE_TO_DEPTH", (2, 8, 4, 2), 4),
    "space_to_depth_and_back": functools.partial(block_model, "SPACE_TO_DEPTH", (1, 4, 6, 2), 2, undo=True),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random DEPTH_TO_SPACE or SPACE_TO_DEPTH: block size 1-4, batch 1-2, shapes the block divides,
    and now and then followed by the inverse op."""
    block = int(rng.integers(1, 5))
    n = int(R.choice(rng, (1, 1, 2)))
    h, w = (int(rng.integers(1, 5)) for _ in range(2))
    if R.chance(rng, 0.5):
        return block_model("DEPTH_TO_SPACE", (n, h, w, block * block * int(rng.integers(1, 4))), block,
                           undo=R.chance(rng, 0.2))
    return block_model("SPACE_TO_DEPTH", (n, h * block, w * block, int(rng.integers(1, 5))), block,
                       undo=R.chance(rng, 0.2))
