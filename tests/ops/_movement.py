"""Shared checks for the data-movement op tests (byte copies of any element size)."""
from __future__ import annotations

import numpy as np

from hil.compiler.plan_format import parse_plan, plan_format, tensor_offset, with_record_fields
from hil.engine.host import HostEngine

INT16 = 3


def as_int16_plan(blob: bytes, halve_dim: int = -1) -> bytes:
    """The int8 plan with every non-constant tensor made int16 and dimension `halve_dim`
    halved: the same bytes per tensor, so the arena placement stays valid."""
    fmt = plan_format()
    parsed = parse_plan(blob)
    for t, rec in enumerate(parsed.tensors):
        if rec["storage"] != 0:
            continue
        d = halve_dim % rec["rank"]
        assert rec[f"dim{d}"] % 2 == 0, f"tensor {t} dim {d} is odd"
        blob = with_record_fields(blob, fmt.tensor, tensor_offset(blob, t), dtype=INT16,
                                  **{f"dim{d}": rec[f"dim{d}"] // 2})
    return blob


def int16_inputs(engine: HostEngine, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [engine._view(engine._tensor(engine.lib.th_model_input, i)).shape for i in range(engine.num_inputs)]
    return [rng.integers(-32768, 32768, size=s, dtype=np.int16) for s in shapes]


def arena_extents(blob: bytes, tensors) -> list[tuple[int, int]]:
    """(offset, end) of each plan tensor in the arena."""
    parsed = parse_plan(blob)
    return [(parsed.tensors[t]["offset"], parsed.tensors[t]["offset"] + parsed.tensors[t]["bytes"]) for t in tensors]


def assert_disjoint(extents) -> None:
    ordered = sorted(extents)
    for (a0, a1), (b0, b1) in zip(ordered, ordered[1:]):
        assert a1 <= b0, f"arena ranges {a0}..{a1} and {b0}..{b1} overlap"
