"""RESIZE_NEAREST_NEIGHBOR: the compiler's float32 source maps equal TFLM's
choice over a sweep of sizes and flags, byte equality with TFLM, int16,
compile-time refusals and plan validation."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.resize_nearest_neighbor import nearest_map, prepare_resize_nearest_neighbor
from hil.compiler.plan_format import params_offset, plan_format, with_const_i32, with_record_fields
from hil.engine.host import HostEngine
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.resize_nearest_neighbor import CASES, nearest
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import as_int16_plan, int16_inputs
from tests.ops._unary import assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("args, expected", [
    ((3, 7, False, True), [0, 0, 1, 1, 1, 2, 2]),      # (i + 0.5) * 3/7, floored; 3.5 * 3/7 is just above 1.5
    ((3, 7, True, False), [0, 0, 1, 1, 1, 2, 2]),      # i * 2/6 rounded half away from zero
    ((4, 8, False, False), [0, 0, 1, 1, 2, 2, 3, 3]),
    ((5, 2, False, False), [0, 2]),
    ((5, 1, True, False), [0]),                        # align_corners with one output: plain scale
])
def test_nearest_map_by_hand(args, expected):
    assert nearest_map(*args) == expected


@pytest.mark.parametrize("in_size, align_corners, half_pixel_centers",
                         list(itertools.product([2, 5, 7], [False, True], [False, True])))
def test_nearest_map_equals_tflm_choice(in_size, align_corners, half_pixel_centers):
    """Each input pixel holds its own index, so TFLM's output says which one it picked."""
    for out_size in (1, 3, in_size + 1, 2 * in_size - 1, 3 * in_size + 2):
        model = nearest((1, in_size, 11, 1), (out_size, 13), align_corners, half_pixel_centers)
        x = (np.arange(in_size * 11) - 128).astype(np.int8).reshape(1, in_size, 11, 1)
        picked = TflmReference(model).run([x])[0][0, :, :, 0].astype(int) + 128
        assert list(picked[:, 0] // 11) == nearest_map(in_size, out_size, align_corners, half_pixel_centers)
        assert list(picked[0, :] % 11) == nearest_map(11, 13, align_corners, half_pixel_centers)


def test_prepare_drops_size_and_stores_maps():
    graph = load_graph(nearest((1, 4, 4, 3), (8, 8)))
    p = prepare_resize_nearest_neighbor(graph.ops[0], graph)
    assert p.inputs == [graph.ops[0].inputs[0]] and p.params == {"output_height": 8, "output_width": 8}
    assert list(p.arrays["rows"]) == list(p.arrays["cols"]) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_int16_plan_copies_whole_pixels():
    blob = as_int16_plan(plan(nearest((1, 3, 5, 4), (7, 8), half_pixel_centers=True)))
    engine = HostEngine(blob)
    x = int16_inputs(engine, 0)[0]
    assert x.shape == (1, 3, 5, 2)
    (got,) = engine.run([x])
    rows, cols = nearest_map(3, 7, False, True), nearest_map(5, 8, False, True)
    np.testing.assert_array_equal(got, x[:, rows][:, :, cols])


def _resize(in_shape, size, out_shape, dtype=np.int8, size_const=True, size_shape=None) -> bytes:
    b = ModelBuilder("resize")
    x = b.input("x", in_shape, 0.05, 0, dtype=dtype)
    data = np.array(size, np.int32).reshape(size_shape or (len(size),))
    s = b.const("size", data) if size_const else b.input("size", data.shape, None, None, np.int32)
    y = b.tensor("y", out_shape, dtype, 0.05, 0)
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, s], [y], "ResizeNearestNeighborOptions")
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _resize((1, 4, 4, 3), (8, 8), (1, 8, 6, 3)), r"has shape \[1, 8, 6, 3\], expected \[1, 8, 8, 3\]"),
    (lambda: _resize((1, 4, 4, 3), (8, 8), (1, 8, 8, 3), size_const=False), "is not a constant"),
    (lambda: _resize((1, 4, 4, 3), (8, 8, 1), (1, 8, 8, 3)), "has 3 values, expected 2"),
    (lambda: _resize((1, 4, 4, 3), (8, 8), (1, 8, 8, 3), size_shape=(1, 2)), "has rank 2, expected 1"),
    (lambda: _resize((4, 4, 3), (8, 8), (8, 8, 3)), "has rank 3"),
    (lambda: _resize((1, 4, 4, 3), (8, 8), (1, 8, 8, 3), dtype=np.int32), "is INT32; the engine supports INT8 or INT16"),
])
def test_unsupported_model_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (RESIZE_NEAREST_NEIGHBOR)" in str(info.value)


@pytest.mark.parametrize("which, values", [("rows_offset", [0, 0, 1, 1, 2, 2, 3, 4]),   # row 4 of a 4-row input
                                           ("cols_offset", [-1, 0, 1, 1, 2, 2, 3, 3])])
def test_map_entry_outside_the_input_is_refused(which, values):
    blob = plan(nearest((1, 4, 4, 3), (8, 8)))
    fields = plan_format().op_params["RESIZE_NEAREST_NEIGHBOR"].unpack(blob, params_offset(blob))
    with pytest.raises(EngineError) as info:
        HostEngine(with_const_i32(blob, fields[which], values))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


def test_map_outside_the_constants_is_refused():
    blob = plan(nearest((1, 4, 4, 3), (8, 8)))
    patched = with_record_fields(blob, plan_format().op_params["RESIZE_NEAREST_NEIGHBOR"], params_offset(blob),
                                 rows_offset=1 << 20)
    with pytest.raises(EngineError) as info:
        HostEngine(patched)
    assert info.value.status == "TH_ERR_BOUNDS"


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim3": 1, "dim2": 24}, "TH_ERR_SHAPE"),          # channels changed (8 x 24 x 1 = 8 x 8 x 3 bytes)
    (1, {"dim1": 16, "dim2": 4}, "TH_ERR_BAD_PARAMS"),     # 16 rows, but the row map has 8 entries
    (1, {"dtype": 3, "dim1": 4}, "TH_ERR_BAD_TENSOR"),
])
def test_bad_output_is_refused(tensor, fields, status):
    assert_bad_tensor_refused(plan(nearest((1, 4, 4, 3), (8, 8))), tensor, fields, status)
