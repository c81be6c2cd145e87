"""SUM cases: spatial, single and non-adjacent axes, keep_dims true and false,
output scales above and below the input's (a sum needs a larger one), ranks 1
to 5."""
from __future__ import annotations

import functools

from .mean import reduce_model


def _case(shape, axes, keep_dims=True, input_q=(0.05, -3), output_q=(0.5, 2)):
    return functools.partial(reduce_model, "SUM", shape, axes, keep_dims, input_q, output_q)


CASES = {
    "spatial_keep_dims": _case((1, 6, 5, 8), (1, 2), True, (0.0078, -1), (0.12, 6)),
    "channel_axis_no_keep_dims": _case((1, 4, 5, 10), (-1,), False, (0.05, 4), (0.3, -7)),
    "axes_0_2": _case((3, 4, 5, 2), (0, 2), True, (0.05, -128), (0.4, 0)),
    "every_axis": _case((2, 3, 4), (0, 1, 2), False, (0.01, 10), (0.1, -20)),
    "rank1_saturating": _case((12,), (0,), True, (0.05, -3), (0.02, 1)),   # ratio 2.5: most sums clamp
    "rank2_same_quant": _case((5, 6), (1,), False, (0.05, -3), (0.05, -3)),
    "rank5_axes_1_4": _case((2, 3, 2, 2, 4), (1, -1), True, (0.05, 0), (0.2, 5)),
}
