"""ARG_MAX and ARG_MIN cases (int8 in, int32 out): the channel axis, a middle
and the first axis, negative axes, ranks 1 to 5."""
from __future__ import annotations

import functools

import numpy as np

from ..builder import ModelBuilder


def arg_model(op: str, shape, axis: int, output_type=np.int32, axis_type=np.int32) -> bytes:
    """`op` (ARG_MAX or ARG_MIN) of an int8 input along `axis`."""
    resolved = axis + len(shape) if axis < 0 else axis
    b = ModelBuilder(f"{op.lower()} {shape} axis {axis}")
    x = b.input("input", shape, 0.05, -3)
    a = b.const("axis", np.array([axis], dtype=axis_type))
    y = b.tensor("output", tuple(n for d, n in enumerate(shape) if d != resolved), output_type)
    code = {np.dtype(np.int32): 2, np.dtype(np.int64): 4}[np.dtype(output_type)]
    b.op(op, [x, a], [y], "ArgMaxOptions" if op == "ARG_MAX" else "ArgMinOptions", output_type=code)
    b.mark_output(y)
    return b.build()


def _case(*args, **kwargs):
    return functools.partial(arg_model, *args, **kwargs)


CASES = {
    "max_channel_axis": _case("ARG_MAX", (1, 5, 4, 8), 3),
    "max_middle_axis_negative": _case("ARG_MAX", (2, 6, 3, 4), -3),
    "max_first_axis": _case("ARG_MAX", (7, 3, 5), 0),
    "max_rank1": _case("ARG_MAX", (13,), 0),
    "max_rank5": _case("ARG_MAX", (2, 3, 2, 4, 3), 3),
    "min_channel_axis_negative": _case("ARG_MIN", (1, 5, 4, 8), -1),
    "min_middle_axis": _case("ARG_MIN", (3, 9, 4), 1),
    "min_rank2_first_axis": _case("ARG_MIN", (6, 5), 0),
}
