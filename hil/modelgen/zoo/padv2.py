"""PADV2 cases: a constant pad value (quantized with the output's parameters),
at the int8 extremes, on H/W and on every dim of a rank-2 tensor."""
from __future__ import annotations

import functools

from .pad import pad_model

CASES = {
    "hw_value_0.5": functools.partial(pad_model, (1, 8, 8, 8), [[0, 0], [1, 1], [1, 1], [0, 0]], op="PADV2",
                                      value=7, scale=0.0078, zp=-1),
    "value_min": functools.partial(pad_model, (1, 3, 3, 4), [[0, 0], [2, 0], [0, 2], [1, 1]], op="PADV2", value=-128),
    "value_max_rank2": functools.partial(pad_model, (3, 5), [[1, 2], [3, 0]], op="PADV2", value=127, zp=50),
}
