"""RESIZE_BILINEAR int8: TFLM's ResizeBilinearInteger (10-bit coordinates, rounding
half away from zero), byte equality with TFLM, refusals and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.resize_bilinear import prepare_resize_bilinear, scale_10, source_rows
from hil.errors import UnsupportedModelError
from hil.model.golden import TflmReference, random_inputs
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.resize_bilinear import CASES, bilinear
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


def reference(x: np.ndarray, size, align_corners: bool, half_pixel_centers: bool, single_rounding: bool):
    """ResizeBilinearInteger in NumPy; `single_rounding` is TFLM's TFLITE_SINGLE_ROUNDING variant."""
    n, h, w, c = x.shape
    out = np.zeros((n, size[0], size[1], c), np.int64)
    for i, (sy, y0, y1) in enumerate(source_rows(h, size[0], align_corners, half_pixel_centers)):
        dy = sy - 1024 * y0
        for j, (sx, x0, x1) in enumerate(source_rows(w, size[1], align_corners, half_pixel_centers)):
            dx = sx - 1024 * x0
            s = (x[:, y0, x0].astype(np.int64) * (1024 - dy) * (1024 - dx) + x[:, y1, x0].astype(np.int64) * dy * (1024 - dx)
                 + x[:, y0, x1].astype(np.int64) * (1024 - dy) * dx + x[:, y1, x1].astype(np.int64) * dy * dx)
            if single_rounding:
                out[:, i, j] = (s + (1 << 19)) >> 20
            else:
                t = s + np.where(s > 0, 1 << 19, -(1 << 19))
                out[:, i, j] = np.sign(t) * (np.abs(t) // (1 << 20))
    return out.astype(np.int8)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_the_wheel_rounds_half_away_from_zero():
    """The wheel is TFLM's default (double rounding) build: ties of negative sums round away
    from zero.  The single-rounding variant differs on random 2x half-pixel upsampling."""
    model = bilinear((1, 8, 8, 8), (16, 16), half_pixel_centers=True)
    golden = TflmReference(model)
    x = random_inputs([(1, 8, 8, 8)], 0)[0]
    got = golden.run([x])[0]
    np.testing.assert_array_equal(reference(x, (16, 16), False, True, single_rounding=False), got)
    assert (reference(x, (16, 16), False, True, single_rounding=True) != got).sum() > 50


def test_coordinates_by_hand():
    assert scale_10(4, 8, False) == 512                      # (4096 + 4) // 8
    assert scale_10(3, 7, True) == 341                       # (2048 + 3) // 6
    assert scale_10(9, 4, False) == 2304
    # half pixel at the top border: 0 * 512 + 256 - 512 = -256, both neighbours row 0
    assert source_rows(4, 8, False, True)[:3] == [(-256, 0, 0), (256, 0, 1), (768, 0, 1)]
    assert source_rows(4, 8, False, True)[-1] == (3328, 3, 3)   # upper neighbour clamped to the last row


def test_prepare_keeps_the_flags_and_drops_size():
    graph = load_graph(bilinear((1, 3, 4, 2), (7, 9), align_corners=True))
    p = prepare_resize_bilinear(graph.ops[0], graph)
    assert p.params == {"align_corners": 1, "half_pixel_centers": 0} and p.inputs == [graph.ops[0].inputs[0]]


def _resize(in_shape, out_shape, size=None, dtype=np.int8, **flags) -> bytes:
    b = ModelBuilder("resize_bilinear")
    x = b.input("x", in_shape, 0.05, 0, dtype=dtype)
    s = b.const("size", np.array(size or out_shape[1:3], np.int32))
    y = b.tensor("y", out_shape, dtype, 0.05, 0)
    b.op("RESIZE_BILINEAR", [x, s], [y], "ResizeBilinearOptions", **flags)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _resize((1, 4, 4, 3), (1, 8, 8, 3), align_corners=True, half_pixel_centers=True),
     "align_corners and half_pixel_centers are both set"),
    (lambda: _resize((1, 4, 4, 3), (1, 8, 8, 3), dtype=np.int16), "is INT16; the engine supports INT8"),
    (lambda: _resize((1, 4, 4, 3), (1, 8, 8, 3), size=(8, 6)), r"expected \[1, 8, 6, 3\]"),
])
def test_unsupported_model_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (RESIZE_BILINEAR)" in str(info.value)


@pytest.mark.parametrize("fields, name", [
    ({"align_corners": 1, "half_pixel_centers": 1}, "half_pixel_centers"),
    ({"align_corners": 2}, "align_corners"),
    ({"half_pixel_centers": -1}, "half_pixel_centers"),
])
def test_bad_flags_are_refused(fields, name):
    blob = plan(bilinear((1, 4, 4, 3), (8, 8), half_pixel_centers=True))
    error = assert_bad_params_refused(blob, "RESIZE_BILINEAR", fields)
    assert f"param {name}" in str(error)


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim3": 1, "dim2": 24}, "TH_ERR_SHAPE"),      # channels changed
    (0, {"dtype": 3, "dim3": 1, "dim2": 2}, "TH_ERR_BAD_TENSOR"),
    (1, {"rank": 3, "dim0": 8, "dim1": 8, "dim2": 3, "dim3": 1}, "TH_ERR_SHAPE"),
])
def test_bad_tensor_is_refused(tensor, fields, status):
    assert_bad_tensor_refused(plan(bilinear((1, 4, 4, 3), (8, 8), half_pixel_centers=True)), tensor, fields, status)
