"""Random draws shared by the op-zoo modules' `random_case(rng)` functions (hil.sweep)."""
from __future__ import annotations

import numpy as np

ACTIVATION_NAMES = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6")


def choice(rng: np.random.Generator, options):
    """One of `options` (any sequence), uniformly."""
    return options[int(rng.integers(len(options)))]


def chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def scale(rng: np.random.Generator, lo: float = 1e-3, hi: float = 1.0) -> float:
    """A quantization scale, log-uniform over [lo, hi]."""
    return log_uniform(rng, lo, hi)


def zero_point(rng: np.random.Generator, lo: int = -128, hi: int = 127) -> int:
    """Mostly near the middle, sometimes at an end or anywhere in [lo, hi]."""
    r = rng.random()
    if r < 0.15:
        return int(choice(rng, (lo, hi)))
    if r < 0.4:
        return int(rng.integers(lo, hi + 1))
    return int(np.clip(rng.integers(-30, 31), lo, hi))


def dims(rng: np.random.Generator, rank: int, max_dim: int = 6, max_elements: int = 1500) -> tuple[int, ...]:
    """A shape of `rank` dims in [1, max_dim] with at most max_elements elements."""
    shape = [int(rng.integers(1, max_dim + 1)) for _ in range(rank)]
    while int(np.prod(shape, dtype=np.int64)) > max_elements:
        k = int(np.argmax(shape))
        shape[k] = max(1, shape[k] // 2)
    return tuple(shape)


def any_shape(rng: np.random.Generator) -> tuple[int, ...]:
    """A shape of rank 1-5 with at most 1500 elements, for the elementwise ops."""
    return dims(rng, int(rng.integers(1, 6)), 12, 1500)


def broadcast_pair(rng: np.random.Generator, max_rank: int = 6, max_elements: int = 1500,
                   allow_scalar: bool = False) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast NumPy-style: equal, one side a vector/scalar, two-sided, ranks differing."""
    rank = int(rng.integers(1, max_rank + 1))
    out = dims(rng, rank, max_dim=5 if rank > 3 else 8, max_elements=max_elements)
    kind = rng.random()
    if kind < 0.3:
        return out, out
    shapes = []
    for _ in range(2):
        r = int(rng.integers(0 if allow_scalar else 1, rank + 1)) if rng.random() < 0.4 else rank
        own = out[rank - r:]
        shapes.append(tuple(d if rng.random() < 0.6 else 1 for d in own))
    if rng.random() < 0.5:   # one side keeps the full shape
        shapes[int(rng.integers(2))] = out
    if not allow_scalar:
        shapes = [s if len(s) else (1,) for s in shapes]
    return shapes[0], shapes[1]


def axis(rng: np.random.Generator, rank: int) -> int:
    """An axis of a rank-`rank` tensor, negative half of the time."""
    a = int(rng.integers(rank))
    return a - rank if chance(rng, 0.5) else a


def activation(rng: np.random.Generator) -> str:
    return choice(rng, ACTIVATION_NAMES)


def seed(rng: np.random.Generator) -> int:
    """A seed for a builder that draws its own data."""
    return int(rng.integers(1 << 31))


def conv_window(rng: np.random.Generator):
    """(kernel, stride, dilation, padding, [h, w]) of a random convolution: kernels 1x1 to 5x5, strides
    1-3, dilations 1-3 now and then, SAME or VALID, an input of 1-12 a side (VALID: at least the dilated
    kernel)."""
    kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4))) if chance(rng, 0.3) else (1, 1)
    padding = choice(rng, ("SAME", "VALID"))
    hw = [int(rng.integers(1, 13)) for _ in range(2)]
    if padding == "VALID":
        hw = [max(d, (k - 1) * dl + 1 + int(rng.integers(0, 4))) for d, k, dl in zip(hw, kernel, dilation)]
    return kernel, stride, dilation, padding, hw
