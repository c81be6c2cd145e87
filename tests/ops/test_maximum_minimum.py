"""MAXIMUM and MINIMUM: byte equality with TFLM, quantization rules, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.errors import EngineError, UnsupportedModelError
from hil.engine.host import HostEngine
from hil.modelgen.zoo import maximum, minimum
from hil.modelgen.zoo.binary import binary_model
from tests.ops._unary import assert_bad_tensor_refused, plan
from tests.opcheck import assert_matches_tflm

CASES = {f"maximum/{k}": v for k, v in maximum.CASES.items()} | {f"minimum/{k}": v for k, v in minimum.CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


@pytest.mark.parametrize("op, fn", [("MAXIMUM", np.maximum), ("MINIMUM", np.minimum)])
def test_every_value_pair(op, fn):
    """All 256 x 256 int8 pairs, against TFLM and against NumPy on the stored values."""
    x1 = np.repeat(np.arange(-128, 128, dtype=np.int8), 256).reshape(256, 256)
    x2 = x1.T.copy()
    model = binary_model(op, (256, 256), (256, 256), scales=(0.1, 0.1, 0.1), zero_points=(7, 7, 7))
    assert_matches_tflm(model, batch=[[x1, x2]])
    assert np.array_equal(HostEngine(compile_model(model).blob).run([x1, x2])[0], fn(x1, x2))


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
@pytest.mark.parametrize("scales, zero_points, role", [
    ((0.05, 0.1, 0.05), (0, 0, 0), "second input"),
    ((0.05, 0.05, 0.05), (0, 0, 3), "output"),
    ((0.05, 0.05, 0.07), (1, 1, 1), "output"),
])
def test_different_quantizations_are_rejected(op, scales, zero_points, role):
    with pytest.raises(UnsupportedModelError, match=f"{role} .* unlike the first input") as info:
        compile_model(binary_model(op, (4, 8), (4, 8), scales=scales, zero_points=zero_points))
    assert f"op 0 ({op})" in str(info.value)


def test_not_broadcastable_is_rejected():
    with pytest.raises(UnsupportedModelError, match="not broadcast-compatible"):
        compile_model(binary_model("MAXIMUM", (4, 8), (4,), out_shape=(4, 8)))


def _plan(op: str) -> bytes:
    """Inputs [1, 4, 4, 8] (tensors 0, 1) and output (tensor 2), zero point 5."""
    return plan(binary_model(op, (1, 4, 4, 8), (1, 4, 4, 8), scales=(0.05, 0.05, 0.05), zero_points=(5, 5, 5)))


@pytest.mark.parametrize("op", ["MAXIMUM", "MINIMUM"])
@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"zero_point": 4}, "TH_ERR_BAD_TENSOR"),
    (2, {"zero_point": -5}, "TH_ERR_BAD_TENSOR"),
    (1, {"dim3": 4}, "TH_ERR_SHAPE"),
    (2, {"dim2": 1}, "TH_ERR_SHAPE"),
])
def test_bad_tensors_are_refused(op, tensor, fields, status):
    assert_bad_tensor_refused(_plan(op), tensor, fields, status)


def test_broadcast_walk_matches_numpy_on_random_shapes():
    """The shared broadcasting walk (every binary op uses it) over random rank 1..6 shape pairs, where a
    dim of either side may be 1, against NumPy's broadcasting of the stored values."""
    rng = np.random.default_rng(1234)
    for _ in range(40):
        rank = int(rng.integers(2, 7))
        out = rng.integers(2, 5, size=rank)
        shapes = []
        for _side in range(2):
            shape = np.where(rng.random(rank) < 0.35, 1, out)
            shapes.append(tuple(int(d) for d in shape[int(rng.integers(0, rank // 2 + 1)):]))
        model = binary_model("MAXIMUM", shapes[0], shapes[1], scales=(0.1, 0.1, 0.1), zero_points=(0, 0, 0))
        xs = [rng.integers(-128, 128, size=s, dtype=np.int8) for s in shapes]
        got = HostEngine(compile_model(model).blob).run(xs)[0]
        np.testing.assert_array_equal(got.reshape(-1), np.maximum(xs[0], xs[1]).reshape(-1),
                                      err_msg=f"{shapes[0]} vs {shapes[1]}")
