"""REDUCE_MAX and REDUCE_MIN cases: the channel axis, spatial axes, non-adjacent
and every axis, keep_dims true and false, ranks 1 to 5."""
from __future__ import annotations

import functools

from .mean import reduce_model


def _case(op, shape, axes, keep_dims=False, q=(0.05, -3)):
    return functools.partial(reduce_model, op, shape, axes, keep_dims, q, q)


CASES = {
    "max_channel_axis": _case("REDUCE_MAX", (1, 5, 4, 8), (3,)),
    "max_spatial_keep_dims": _case("REDUCE_MAX", (2, 4, 5, 6), (1, -2), True, (0.1, 7)),
    "max_axes_0_2_rank4": _case("REDUCE_MAX", (3, 4, 5, 2), (0, 2), False, (0.02, -128)),
    "max_rank1": _case("REDUCE_MAX", (11,), (0,), True),
    "max_rank5_axes_1_3": _case("REDUCE_MAX", (2, 3, 2, 4, 3), (1, 3)),
    "min_channel_axis": _case("REDUCE_MIN", (1, 5, 4, 8), (-1,), True),
    "min_every_axis_rank3": _case("REDUCE_MIN", (3, 4, 5), (0, 1, 2)),
    "min_rank2_axis0": _case("REDUCE_MIN", (6, 7), (0,), False, (0.3, 100)),
}
