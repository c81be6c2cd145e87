"""MAX_POOL_2D: rejections and byte equality with TFLM.

Its params, shapes and validate are AVERAGE_POOL_2D's; the plan-validation
tests in test_average_pool_2d.py run against both ops."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.max_pool_2d import prepare_max_pool_2d
from hil.errors import UnsupportedModelError
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.max_pool_2d import CASES
from hil.model.tflite import load_graph
from tests.opcheck import assert_matches_tflm


def _max_pool(out_q=(0.05, -3), out_shape=(1, 2, 2, 2)) -> bytes:
    b = ModelBuilder("max pool")
    x = b.input("x", (1, 4, 4, 2), 0.05, -3)
    y = b.tensor("y", out_shape, np.int8, *out_q)
    b.op("MAX_POOL_2D", [x], [y], "Pool2DOptions", padding=1, stride_w=2, stride_h=2,
         filter_width=2, filter_height=2, fused_activation_function=0)
    b.mark_output(y)
    return b.build()


def test_prepare_gives_pool_params():
    graph = load_graph(_max_pool())
    prepared = prepare_max_pool_2d(graph.ops[0], graph)
    assert prepared.op_type == "MAX_POOL_2D"
    assert prepared.params == {"stride_h": 2, "stride_w": 2, "filter_h": 2, "filter_w": 2,
                               "pad_h": 0, "pad_w": 0, "act_min": -128, "act_max": 127}


@pytest.mark.parametrize("model, reason", [
    (lambda: _max_pool(out_q=(0.07, -3)), "quantized differently"),
    (lambda: _max_pool(out_shape=(1, 2, 2, 3)), "padding and strides give"),
])
def test_unsupported_max_pool_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (MAX_POOL_2D)" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_padding_never_wins():
    """All -128 under SAME padding: out-of-bounds taps are skipped, not read as zero points."""
    model = CASES["same_3x3_s1"]()
    shape = (1, 7, 9, 8)
    lo = np.full(shape, -128, np.int8)
    ramp = (np.arange(np.prod(shape)) % 256 - 128).astype(np.int8).reshape(shape)
    assert_matches_tflm(model, batch=[[lo], [ramp], [np.flip(ramp)]])
