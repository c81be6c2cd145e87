"""BATCH_MATMUL op-zoo cases: adj_x / adj_y combinations, ranks 2 to 5, broadcast
batch dims (each side broadcasting, ranks differing), a constant RHS and a
constant LHS, one input used as both operands (x @ x^T), non-zero zero points
on both operands, and a multiplier above one.

The output scale spans about +-3 standard deviations of the real-valued
accumulator of uniform int8 operands, so outputs spread over the int8 range."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..builder import ModelBuilder
from . import _random as R
from .conv_2d import INT8_UNIFORM_STD


def _broadcast_batch(lhs_batch, rhs_batch) -> tuple[int, ...]:
    rank = max(len(lhs_batch), len(rhs_batch))
    lhs = (1,) * (rank - len(lhs_batch)) + tuple(lhs_batch)
    rhs = (1,) * (rank - len(rhs_batch)) + tuple(rhs_batch)
    return tuple(l if r == 1 else r for l, r in zip(lhs, rhs))


def batch_matmul_model(lhs_shape, rhs_shape, adj_x=False, adj_y=False, const_lhs=False, const_rhs=False,
                       same_input=False, scales=None, zero_points=None, seed: int = 0) -> bytes:
    """One BATCH_MATMUL.  `same_input` feeds one graph input as both operands (lhs_shape; rhs_shape ignored).
    `scales`/`zero_points` (lhs, rhs, output) override the generated ones."""
    rng = np.random.default_rng(seed)
    if same_input:
        rhs_shape = lhs_shape
    b = ModelBuilder(f"batch_matmul {list(lhs_shape)} x {list(rhs_shape)} adj_x={adj_x} adj_y={adj_y}")
    depth = lhs_shape[-2] if adj_x else lhs_shape[-1]
    rows = lhs_shape[-1] if adj_x else lhs_shape[-2]
    cols = rhs_shape[-2] if adj_y else rhs_shape[-1]
    lhs_scale, rhs_scale = float(rng.uniform(0.01, 0.05)), float(rng.uniform(0.01, 0.05))
    sigma = np.sqrt(depth) * INT8_UNIFORM_STD ** 2 * lhs_scale * rhs_scale
    out_scale = float(6 * sigma / 255 * rng.uniform(0.8, 1.25))
    zps = [int(rng.integers(-20, 21)) for _ in range(3)]
    if scales is not None:
        lhs_scale, rhs_scale, out_scale = scales
    if zero_points is not None:
        zps = list(zero_points)

    def operand(name, shape, scale, zp, const):
        if const:
            data = rng.integers(-128, 128, size=shape, dtype=np.int8)
            return b.const(name, data, scale=scale, zero_point=zp)
        return b.input(name, shape, scale=scale, zero_point=zp)

    lhs = operand("lhs", lhs_shape, lhs_scale, zps[0], const_lhs)
    rhs = lhs if same_input else operand("rhs", rhs_shape, rhs_scale, zps[1], const_rhs)
    out_shape = _broadcast_batch(lhs_shape[:-2], rhs_shape[:-2]) + (rows, cols)
    y = b.tensor("y", out_shape, scale=out_scale, zero_point=zps[2])
    b.op("BATCH_MATMUL", [lhs, rhs], [y], "BatchMatMulOptions", adj_x=adj_x, adj_y=adj_y)
    b.mark_output(y)
    return b.build()


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: batch_matmul_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    "xxT_adj_y_same_input": _case((1, 8, 16), None, adj_y=True, same_input=True, seed=1),
    "rank2": _case((6, 10), (10, 3), seed=2),
    "adj_x_rank3": _case((2, 6, 4), (2, 6, 5), adj_x=True, seed=3),
    "adj_x_adj_y_rank3": _case((3, 5, 4), (3, 6, 5), adj_x=True, adj_y=True, seed=4),
    "const_rhs_rank2_broadcast": _case((1, 2, 7, 9), (9, 5), const_rhs=True, seed=5),
    "const_rhs_adj_y_batch": _case((3, 4, 6), (3, 5, 6), adj_y=True, const_rhs=True, seed=6),
    "broadcast_both_rank4": _case((2, 1, 3, 8), (1, 4, 8, 6), seed=7),
    "broadcast_rank5_adj_x": _case((2, 1, 2, 4, 3), (1, 3, 1, 4, 2), adj_x=True, seed=8),
    "const_lhs_adj_x": _case((5, 3), (2, 5, 4), adj_x=True, const_lhs=True, seed=9),
    "multiplier_above_one": _case((1, 4, 2), (1, 2, 3), scales=(0.5, 0.5, 0.25 / 1.25), zero_points=(0, 0, 0),
                                  seed=10),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random BATCH_MATMUL: ranks 2-5 on each side (differing), broadcast batch dims, adj_x / adj_y,
    a constant LHS or RHS, x @ x^T now and then, any zero points, and scales either realistic or
    drawn so the multiplier spans about 1e-4 to 4."""
    depth, rows, cols = (int(rng.integers(1, 17)) for _ in range(3))
    adj_x, adj_y = R.chance(rng, 0.5), R.chance(rng, 0.5)
    zps = [R.zero_point(rng) for _ in range(3)]
    scales = None
    if R.chance(rng, 0.4):
        sl, sr = R.scale(rng), R.scale(rng)
        scales = (sl, sr, sl * sr / R.log_uniform(rng, 1e-4, 4))
    if R.chance(rng, 0.1):
        batch = R.dims(rng, int(rng.integers(0, 3)), 3)
        lhs = batch + ((depth, rows) if adj_x else (rows, depth))
        return batch_matmul_model(lhs, None, adj_x=adj_x, adj_y=not adj_x, same_input=True, scales=scales,
                                  zero_points=zps, seed=R.seed(rng))
    out_batch = R.dims(rng, int(rng.integers(0, 4)), 3)
    sides = []
    for _ in range(2):
        keep = int(rng.integers(0, len(out_batch) + 1)) if R.chance(rng, 0.5) else len(out_batch)
        own = out_batch[len(out_batch) - keep:]
        sides.append(tuple(d if R.chance(rng, 0.7) else 1 for d in own))
    lhs = sides[0] + ((depth, rows) if adj_x else (rows, depth))
    rhs = sides[1] + ((cols, depth) if adj_y else (depth, cols))
    const = R.choice(rng, ("", "", "", "lhs", "rhs", "rhs"))
    return batch_matmul_model(lhs, rhs, adj_x, adj_y, const_lhs=const == "lhs", const_rhs=const == "rhs",
                              scales=scales, zero_points=zps, seed=R.seed(rng))
