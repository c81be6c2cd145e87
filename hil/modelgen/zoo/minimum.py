"""MINIMUM op-zoo cases: the cases of _extremum.py (MAXIMUM and MINIMUM take the same)."""
from __future__ import annotations

import numpy as np

from ._extremum import extremum_cases, extremum_model, extremum_random_case

CASES = extremum_cases("MINIMUM")


def minimum_model(shape1, shape2, scale: float = 0.05, zp: int = 0, const2: bool = False, seed: int = 0) -> bytes:
    return extremum_model("MINIMUM", shape1, shape2, scale=scale, zp=zp, const2=const2, seed=seed)


def random_case(rng: np.random.Generator) -> bytes:
    return extremum_random_case("MINIMUM", rng)
