"""PACK, UNPACK: byte equality with TFLM, several outputs in the arena, int16,
compile-time refusals and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.pack import prepare_pack, prepare_unpack
from hil.compiler.plan_format import parse_plan
from hil.engine.host import HostEngine
from hil.errors import UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.pack import CASES, pack_model, unpack_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import arena_extents, as_wider_plan, assert_disjoint, wide_inputs
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_prepare_resolves_negative_axes_in_the_stacked_rank():
    graph = load_graph(pack_model((2, 3, 5), -1, 4))
    p = prepare_pack(graph.ops[0], graph)
    assert p.params == {"axis": 3} and p.inputs == graph.ops[0].inputs and len(p.inputs) == 4
    graph = load_graph(unpack_model((1, 3, 2, 5), -1))
    p = prepare_unpack(graph.ops[0], graph)
    assert p.params == {"axis": 3} and len(p.outputs) == 5


def test_unpack_outputs_have_their_own_arena_bytes():
    """UNPACK then PACK: the four pieces are live together between the two ops."""
    blob = plan(unpack_model((2, 4, 3), 1, repack=True))
    parsed = parse_plan(blob)
    first = parsed.ops[0]["first_operand"]
    pieces = parsed.operands[first + 1:first + 1 + 4]
    assert parsed.ops[0]["num_outputs"] == 4 and parsed.ops[1]["num_inputs"] == 4
    assert_disjoint(arena_extents(blob, [parsed.operands[first]] + pieces))


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
def test_wider_unpack_and_pack_are_byte_copies(dtype):
    blob = as_wider_plan(plan(unpack_model((2, 4, 12), 1, repack=True)), dtype)
    engine = HostEngine(blob)
    x = wide_inputs(engine, 0, dtype)[0]
    assert x.dtype == dtype and x.shape == (2, 4, 12 // np.dtype(dtype).itemsize)
    (got,) = engine.run([x])
    np.testing.assert_array_equal(got, x[:, ::-1, :])


def _pack(piece_shapes, out_shape, axis=0, values_count=None, dtype=np.int8) -> bytes:
    b = ModelBuilder("pack")
    xs = [b.input(f"x{k}", s, 0.05, 0, dtype=dtype) for k, s in enumerate(piece_shapes)]
    y = b.tensor("y", out_shape, dtype, 0.05, 0)
    b.op("PACK", xs, [y], "PackOptions", values_count=len(xs) if values_count is None else values_count, axis=axis)
    b.mark_output(y)
    return b.build()


def _unpack(shape, out_shapes, axis=0, num=None) -> bytes:
    b = ModelBuilder("unpack")
    x = b.input("x", shape, 0.05, 0)
    ys = [b.tensor(f"y{k}", s, np.int8, 0.05, 0) for k, s in enumerate(out_shapes)]
    b.op("UNPACK", [x], ys, "UnpackOptions", num=len(ys) if num is None else num, axis=axis)
    for y in ys:
        b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _pack([(2, 3)] * 2, (2, 2, 3), values_count=3), "values_count 3 for 2 inputs"),
    (lambda: _pack([(2, 3), (2, 4)], (2, 2, 3), axis=1), r"input 1 tensor 1 'x1' has shape \[2, 4\], expected \[2, 3\]"),
    (lambda: _pack([(2, 3)] * 2, (2, 2, 3), axis=3), r"axis 3 is outside \[-3, 3\)"),
    (lambda: _pack([(2, 3)] * 2, (2, 3, 2), axis=1), "dimension 1 is 3, expected 2"),
    (lambda: _pack([(2, 3)] * 2, (2, 2, 3), dtype=np.uint8), "is UINT8; the engine supports INT8"),
    (lambda: _unpack((3, 4), [(4,)] * 2), r"num 2 and 2 outputs, but input .* dimension 0 is 3"),
    (lambda: _unpack((2, 4), [(4,), (3,)]), r"output 1 .* has shape \[3\], expected \[4\]"),
])
def test_unsupported_pack_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (" in str(info.value) and "PACK)" in str(info.value)


@pytest.mark.parametrize("op, model, axis", [
    ("PACK", lambda: pack_model((1, 4, 4, 3), 1, 2), 5),
    ("PACK", lambda: pack_model((1, 4, 4, 3), 1, 2), -1),
    ("UNPACK", lambda: unpack_model((1, 3, 8), 1), 3),
])
def test_axis_out_of_range_is_refused(op, model, axis):
    error = assert_bad_params_refused(plan(model()), op, {"axis": axis})
    assert "param axis" in str(error)


@pytest.mark.parametrize("model, tensor, fields, status", [
    # PACK [1,4,4,3] x2 -> [1,2,4,4,3]; plan tensors: x0, x1, stacked.
    (lambda: pack_model((1, 4, 4, 3), 1, 2), 2, {"dim1": 1, "dim2": 8}, "TH_ERR_SHAPE"),     # axis extent != inputs
    (lambda: pack_model((1, 4, 4, 3), 1, 2), 1, {"dim1": 2, "dim2": 8}, "TH_ERR_SHAPE"),     # an input of other dims
    (lambda: pack_model((1, 4, 4, 3), 1, 2), 2, {"dtype": 3, "dim3": 2}, "TH_ERR_BAD_TENSOR"),
    # UNPACK [1,3,8] -> 3 x [1,8]; plan tensors: input, pieces.
    (lambda: unpack_model((1, 3, 8), 1), 2, {"dim0": 2, "dim1": 4}, "TH_ERR_SHAPE"),
    (lambda: unpack_model((1, 3, 8), 1), 3, {"rank": 3, "dim1": 1, "dim2": 8}, "TH_ERR_SHAPE"),
])
def test_bad_tensor_is_refused(model, tensor, fields, status):
    assert_bad_tensor_refused(plan(model()), tensor, fields, status)
