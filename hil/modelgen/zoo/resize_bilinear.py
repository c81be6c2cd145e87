"""RESIZE_BILINEAR cases: 2x upsampling with half_pixel_centers (Keras
UpSampling2D bilinear), fractional up- and downscaling, align_corners, plain
corners, batches and a 1x1 output."""
from __future__ import annotations

import functools

import numpy as np

from .resize_nearest_neighbor import random_resize, resize_model
from . import _random as R

bilinear = functools.partial(resize_model, "RESIZE_BILINEAR")

CASES = {
    "up_2x_half_pixel": functools.partial(bilinear, (1, 4, 4, 3), (8, 8), half_pixel_centers=True),
    "up_2x": functools.partial(bilinear, (1, 4, 5, 2), (8, 10)),
    "up_fractional_align_corners": functools.partial(bilinear, (1, 3, 4, 2), (7, 9), align_corners=True),
    "up_fractional_half_pixel_batch2": functools.partial(bilinear, (2, 3, 5, 2), (7, 8), half_pixel_centers=True),
    "down_fractional_half_pixel": functools.partial(bilinear, (1, 9, 7, 3), (4, 3), half_pixel_centers=True),
    "down_to_1x1_align_corners": functools.partial(bilinear, (1, 5, 6, 4), (1, 1), align_corners=True),
}


def random_case(rng: np.random.Generator) -> bytes:
    return random_resize("RESIZE_BILINEAR", rng)
