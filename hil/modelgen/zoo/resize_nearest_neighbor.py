"""RESIZE_NEAREST_NEIGHBOR cases: integer and fractional up- and downscaling,
align_corners, half_pixel_centers (alone and with align_corners), batches,
and a resize to 1x1."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder
from . import _random as R

QUANT = (0.05, -3)


def resize_model(op: str, shape, size, align_corners: bool = False, half_pixel_centers: bool = False) -> bytes:
    """`op` (RESIZE_NEAREST_NEIGHBOR or RESIZE_BILINEAR) of an NHWC input to `size` = (height, width)."""
    b = ModelBuilder(f"{op.lower()} {list(shape)} to {list(size)} align_corners={align_corners} "
                     f"half_pixel_centers={half_pixel_centers}")
    x = b.input("input", shape, *QUANT)
    s = b.const("size", np.array(size, dtype=np.int32))
    y = b.tensor("resized", (shape[0], size[0], size[1], shape[3]), np.int8, *QUANT)
    options = "ResizeNearestNeighborOptions" if op == "RESIZE_NEAREST_NEIGHBOR" else "ResizeBilinearOptions"
    b.op(op, [x, s], [y], options, align_corners=align_corners, half_pixel_centers=half_pixel_centers)
    b.mark_output(y)
    return b.build()


nearest = functools.partial(resize_model, "RESIZE_NEAREST_NEIGHBOR")

CASES = {
    "up_2x": functools.partial(nearest, (1, 4, 4, 3), (8, 8)),
    "up_fractional_half_pixel": functools.partial(nearest, (1, 3, 5, 2), (7, 8), half_pixel_centers=True),
    "up_align_corners": functools.partial(nearest, (1, 3, 4, 2), (7, 9), align_corners=True),
    "align_corners_and_half_pixel": functools.partial(nearest, (2, 5, 3, 2), (9, 7), True, True),
    "down_fractional": functools.partial(nearest, (1, 9, 7, 3), (4, 3)),
    "down_to_1x1_align_corners": functools.partial(nearest, (1, 5, 6, 4), (1, 1), align_corners=True),
}


def random_resize(op: str, rng: np.random.Generator) -> bytes:
    """A random `op`: batch 1-2, 1-4 channels, input 1-12, output 1-24 per axis (up and down, integer
    and fractional factors), align_corners and half_pixel_centers in every combination."""
    shape = (int(R.choice(rng, (1, 1, 2))), int(rng.integers(1, 13)), int(rng.integers(1, 13)),
             int(rng.integers(1, 5)))
    size = (int(rng.integers(1, 25)), int(rng.integers(1, 25)))
    if R.chance(rng, 0.1):   # a large upscale of a small image
        shape, size = (1, int(rng.integers(1, 4)), int(rng.integers(1, 4)), 1), (int(rng.integers(20, 65)),
                                                                              int(rng.integers(20, 65)))
    if R.chance(rng, 0.3):
        k = int(rng.integers(2, 4))
        size = (shape[1] * k, shape[2] * k)
    return resize_model(op, shape, size, align_corners=R.chance(rng, 0.3), half_pixel_centers=R.chance(rng, 0.4))


def random_case(rng: np.random.Generator) -> bytes:
    return random_resize("RESIZE_NEAREST_NEIGHBOR", rng)
