"""PRELU op-zoo cases: int8, per-channel alpha values shared over H and W (constant or input), scalar and full-shape alpha, broadcasting up to 6-D."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _random as R
from .binary import binary_model


def prelu_model(shape, alpha_shape, scales=(0.0078, 0.0036, 0.0057), const_alpha: bool = True, alpha=None,
                zero_points=None, seed: int = 0) -> bytes:
    """PRELU(x, alpha); alpha defaults to random int8 values (negative slopes included)."""
    return binary_model("PRELU", shape, alpha_shape, scales=scales, zero_points=zero_points, const2=const_alpha,
                        const_data=alpha, seed=seed)


def _case(*args, **kwargs) -> Callable[[], bytes]:
    return lambda: prelu_model(*args, **kwargs)


CASES: dict[str, Callable[[], bytes]] = {
    # Keras PReLU(shared_axes=[1, 2]): alpha [1, 1, C] in [0.05, 0.5], zero point 0.
    "shared_hw": _case((1, 8, 8, 16), (1, 1, 16), scales=(0.0078, 0.004, 0.0057), zero_points=(-1, 0, -48),
                       alpha=np.round(np.linspace(0.05, 0.5, 16) / 0.004).astype(np.int8), seed=1),
    "full_alpha": _case((1, 4, 4, 8), (1, 4, 4, 8), scales=(0.05, 0.01, 0.04), seed=2),
    "scalar_alpha": _case((1, 4, 4, 8), (1,), scales=(0.02, 0.2, 0.01), seed=3),
    "alpha_input": _case((1, 4, 4, 8), (8,), scales=(0.05, 0.02, 0.06), const_alpha=False, seed=4),
    "multiplier_above_one": _case((1, 4, 4, 8), (8,), scales=(0.1, 0.5, 0.003), seed=5),
    "broadcast_5d": _case((2, 3, 1, 4, 5), (3, 2, 1, 5), scales=(0.02, 0.03, 0.01), const_alpha=False, seed=6),
    "broadcast_6d": _case((2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), seed=7),
}


def random_case(rng: np.random.Generator) -> bytes:
    """A random PRELU: alpha per channel ([C], [1, 1, C]), scalar, full-shape or any broadcast shape up to
    6-D, constant or an input; any zero points; identity and alpha multipliers from tiny to above one."""
    kind = rng.random()
    if kind < 0.5:
        shape = R.dims(rng, int(rng.integers(1, 5)), 8)
        c = shape[-1]
        alpha_shape = R.choice(rng, [(c,), (1, 1, c)[-len(shape):], (1,), shape])
    else:
        shape, alpha_shape = R.broadcast_pair(rng)
        if np.broadcast_shapes(shape, alpha_shape) != shape:
            shape = np.broadcast_shapes(shape, alpha_shape)
    si, sa = R.scale(rng), R.scale(rng, 1e-3, 0.1)
    so = si * R.log_uniform(rng, 1 / 16, 16)
    return prelu_model(shape, alpha_shape, (si, sa, so), const_alpha=R.chance(rng, 0.7),
                       zero_points=[R.zero_point(rng) for _ in range(3)], seed=R.seed(rng))
