"""Shared checks for the data-movement op tests (byte copies of any element size: PAD,
CONCATENATION, slices, TRANSPOSE, GATHER, SPLIT, PACK, resizes)."""
from __future__ import annotations

import numpy as np

from hil.compiler import compile_model
from hil.compiler.plan_format import parse_plan, plan_format, with_tensor_fields
from hil.engine.host import HostEngine
from hil.model.golden import TflmReference
from tests.opcheck import assert_same_outputs

WIDER = {np.dtype(np.int16): 3, np.dtype(np.int32): 2}   # plan dtype ids


def as_wider_plan(blob: bytes, dtype=np.int16, dim: int = -1) -> bytes:
    """The int8 plan with every non-constant tensor made `dtype` (int16 or int32) and
    dimension `dim` divided by the element size: the same bytes per tensor, so the
    arena placement stays valid."""
    fmt = plan_format()
    size = np.dtype(dtype).itemsize
    parsed = parse_plan(blob)
    for t, rec in enumerate(parsed.tensors):
        if rec["storage"] != 0:
            continue
        d = dim % rec["rank"]
        assert rec[f"dim{d}"] % size == 0, f"tensor {t} dim {d} is not a multiple of {size}"
        blob = with_tensor_fields(blob, t, dtype=WIDER[np.dtype(dtype)],
                                  **{f"dim{d}": rec[f"dim{d}"] // size})
    return blob


def as_int16_plan(blob: bytes, halve_dim: int = -1) -> bytes:
    return as_wider_plan(blob, np.int16, halve_dim)


def wide_inputs(engine: HostEngine, seed: int, dtype=np.int16) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    shapes = [engine._view(engine._tensor(engine.lib.th_model_input, i)).shape for i in range(engine.num_inputs)]
    return [rng.integers(info.min, info.max, size=s, dtype=dtype, endpoint=True) for s in shapes]


def int16_inputs(engine: HostEngine, seed: int) -> list[np.ndarray]:
    return wide_inputs(engine, seed, np.int16)


def arena_extents(blob: bytes, tensors) -> list[tuple[int, int]]:
    """(offset, end) of each plan tensor in the arena."""
    parsed = parse_plan(blob)
    return [(parsed.tensors[t]["offset"], parsed.tensors[t]["offset"] + parsed.tensors[t]["bytes"]) for t in tensors]


def assert_disjoint(extents) -> None:
    ordered = sorted(extents)
    for (a0, a1), (b0, b1) in zip(ordered, ordered[1:]):
        assert a1 <= b0, f"arena ranges {a0}..{a1} and {b0}..{b1} overlap"

def compile_any_io(model: bytes):
    """compile_model: model inputs and outputs of int8, uint8, int16 and int32 all reach the op under test."""
    return compile_model(model)


def assert_any_dtype_matches_tflm(model: bytes, dtype, seeds=(0, 1, 2)):
    """Seeded inputs of `dtype` over its whole range: the host engine equals TFLM byte for byte."""
    plan = compile_model(model)
    engine, golden = HostEngine(plan.blob), TflmReference(model)
    info = np.iinfo(dtype)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        xs = [rng.integers(info.min, info.max, size=t.shape, dtype=dtype, endpoint=True) for t in plan.inputs]
        assert_same_outputs(engine.run(xs), golden.run(xs), f"{np.dtype(dtype).name} seed {seed}")
