"""DEPTH_TO_SPACE, SPACE_TO_DEPTH: byte equality with TFLM, the copy on other
element sizes, compile-time refusals and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.depth_to_space import prepare_depth_to_space
from hil.engine.host import HostEngine
from hil.errors import UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.depth_to_space import CASES, block_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import as_int16_plan, int16_inputs
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


def _space_to_depth(x: np.ndarray, b: int) -> np.ndarray:
    n, h, w, c = x.shape
    return x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h // b, w // b, b * b * c)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_prepare_keeps_block_size():
    graph = load_graph(block_model("DEPTH_TO_SPACE", (2, 2, 3, 18), 3))
    p = prepare_depth_to_space(graph.ops[0], graph)
    assert p.params == {"block_size": 3} and p.inputs == graph.ops[0].inputs


def test_int16_plan_is_the_same_permutation():
    """TFLM takes only int8 here, but the kernel copies whole elements of any size."""
    blob = as_int16_plan(plan(block_model("SPACE_TO_DEPTH", (1, 4, 6, 2), 2)))
    engine = HostEngine(blob)
    x = int16_inputs(engine, 0)[0]
    assert x.shape == (1, 4, 6, 1) and x.dtype == np.int16
    (got,) = engine.run([x])
    np.testing.assert_array_equal(got, _space_to_depth(x, 2))


def _d2s(in_shape, out_shape, block_size=2, dtype=np.int8, op="DEPTH_TO_SPACE") -> bytes:
    b = ModelBuilder(op.lower())
    x = b.input("x", in_shape, 0.05, 0, dtype=dtype)
    y = b.tensor("y", out_shape, dtype, 0.05, 0)
    b.op(op, [x], [y], "DepthToSpaceOptions" if op == "DEPTH_TO_SPACE" else "SpaceToDepthOptions",
         block_size=block_size)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _d2s((1, 2, 2, 6), (1, 4, 4, 1)), "has 6 channels, not a multiple of block_size\\^2 = 4"),
    (lambda: _d2s((1, 2, 2, 8), (1, 4, 4, 2), block_size=0), "block_size 0 is not positive"),
    (lambda: _d2s((1, 2, 2, 8), (1, 2, 8, 2)), r"has shape \[1, 2, 8, 2\], expected \[1, 4, 4, 2\]"),
    (lambda: _d2s((1, 2, 2, 8), (1, 4, 4, 2), dtype=np.int16), "is INT16; the engine supports INT8"),
    (lambda: _d2s((2, 8, 8), (2, 16, 4)), "has rank 3"),
    (lambda: _d2s((1, 5, 4, 2), (1, 2, 2, 8), op="SPACE_TO_DEPTH"), "height 5 and width 4 are not multiples"),
])
def test_unsupported_model_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (" in str(info.value)


@pytest.mark.parametrize("op, model, block", [
    ("DEPTH_TO_SPACE", lambda: block_model("DEPTH_TO_SPACE", (1, 3, 4, 8), 2), 0),
    ("DEPTH_TO_SPACE", lambda: block_model("DEPTH_TO_SPACE", (1, 3, 4, 8), 2), 7),   # past the output's height
    ("SPACE_TO_DEPTH", lambda: block_model("SPACE_TO_DEPTH", (1, 6, 4, 3), 2), -2),
])
def test_bad_block_size_is_refused(op, model, block):
    error = assert_bad_params_refused(plan(model()), op, {"block_size": block})
    assert "param block_size" in str(error)


@pytest.mark.parametrize("model, tensor, fields, status", [
    # DEPTH_TO_SPACE [1,3,4,8] -> [1,6,8,2]: block 2 fits the dims, but other shapes do not.
    (lambda: block_model("DEPTH_TO_SPACE", (1, 3, 4, 8), 2), 1, {"dim1": 12, "dim2": 4}, "TH_ERR_SHAPE"),
    (lambda: block_model("DEPTH_TO_SPACE", (1, 3, 4, 8), 2), 1, {"dim1": 3, "dim3": 4}, "TH_ERR_SHAPE"),  # odd height
    (lambda: block_model("DEPTH_TO_SPACE", (1, 3, 4, 8), 2), 1, {"dtype": 3, "dim2": 4}, "TH_ERR_BAD_TENSOR"),
    (lambda: block_model("SPACE_TO_DEPTH", (1, 6, 4, 3), 2), 0, {"rank": 3, "dim0": 6, "dim1": 4, "dim2": 3,
                                                                 "dim3": 1}, "TH_ERR_SHAPE"),
])
def test_bad_tensor_is_refused(model, tensor, fields, status):
    assert_bad_tensor_refused(plan(model()), tensor, fields, status)
