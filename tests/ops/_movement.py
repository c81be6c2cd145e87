"""Shared checks for the data-movement op tests (PAD, CONCATENATION, slices, TRANSPOSE, GATHER)."""
from __future__ import annotations

from unittest import mock

import numpy as np

import hil.compiler as compiler
from hil.engine.host import HostEngine
from hil.model.golden import TflmReference
from tests.opcheck import assert_same_outputs


def compile_any_io(model: bytes):
    """compile_model without the int8-only check on the model's inputs and outputs, so an int16
    or int32 tensor can reach the op under test directly (the host engine reads any plan dtype)."""
    def prepare_only(graph):
        return [compiler.PREPARE[op.type](op, graph) for op in graph.ops]
    with mock.patch.object(compiler, "_prepare_all", prepare_only):
        return compiler.compile_model(model)


def assert_any_dtype_matches_tflm(model: bytes, dtype, seeds=(0, 1, 2)):
    """Seeded inputs of `dtype` over its whole range: the host engine equals TFLM byte for byte."""
    plan = compile_any_io(model)
    engine, golden = HostEngine(plan.blob), TflmReference(model)
    info = np.iinfo(dtype)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        xs = [rng.integers(info.min, info.max, size=t.shape, dtype=dtype, endpoint=True) for t in plan.inputs]
        assert_same_outputs(engine.run(xs), golden.run(xs), f"{np.dtype(dtype).name} seed {seed}")
