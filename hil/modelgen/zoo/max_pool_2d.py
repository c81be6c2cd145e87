"""MAX_POOL_2D cases: the same shapes, paddings and activations as AVERAGE_POOL_2D."""
from __future__ import annotations

from .average_pool_2d import pool_cases, random_pool

CASES = pool_cases("MAX_POOL_2D")


def random_case(rng) -> bytes:
    return random_pool("MAX_POOL_2D", rng)
