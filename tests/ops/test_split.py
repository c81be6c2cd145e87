"""SPLIT, SPLIT_V: byte equality with TFLM, several outputs in the arena, int16,
compile-time refusals and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.split import prepare_split, prepare_split_v
from hil.compiler.plan_format import params_offset, parse_plan, plan_format, with_record_fields
from hil.engine.host import HostEngine
from hil.errors import EngineError, UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.split import CASES, split_model, split_v_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import arena_extents, as_wider_plan, assert_disjoint, wide_inputs
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_prepare_folds_axis_and_sizes_into_the_outputs():
    graph = load_graph(split_model((1, 8, 3, 5), -3, 4))
    p = prepare_split(graph.ops[0], graph)
    assert p.params == {"axis": 1}
    assert p.inputs == [graph.ops[0].inputs[1]]          # the axis tensor is not in the plan
    assert p.outputs == graph.ops[0].outputs and len(p.outputs) == 4
    graph = load_graph(split_v_model((1, 9, 4, 3), -3, (1, -1, 5)))
    p = prepare_split_v(graph.ops[0], graph)
    assert p.params == {"axis": 1} and p.inputs == [graph.ops[0].inputs[0]]
    assert [graph.tensors[t].shape[1] for t in p.outputs] == [1, 3, 5]


def test_outputs_have_their_own_arena_bytes():
    """Four outputs live at once (all model outputs), and the input while they are written."""
    blob = plan(split_model((1, 8, 3, 5), 1, 4))
    parsed = parse_plan(blob)
    first = parsed.ops[0]["first_operand"]
    operands = parsed.operands[first:first + 1 + 4]
    assert parsed.ops[0]["num_outputs"] == 4
    assert_disjoint(arena_extents(blob, operands))


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
def test_wider_split_is_a_byte_copy(dtype):
    blob = as_wider_plan(plan(split_v_model((1, 4, 3, 8), 1, (1, -1, 2))), dtype)
    engine = HostEngine(blob)
    x = wide_inputs(engine, 0, dtype)[0]
    assert x.dtype == dtype and x.shape == (1, 4, 3, 8 // np.dtype(dtype).itemsize)
    got = engine.run([x])
    expected = np.split(x, [1, 2], axis=1)
    assert len(got) == 3
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def _split(shape, out_shapes, axis=3, num_splits=2, axis_const=True, dtype=np.int8) -> bytes:
    b = ModelBuilder("split")
    x = b.input("x", shape, 0.05, 0, dtype=dtype)
    a = b.const("axis", np.array([axis], np.int32)) if axis_const else b.input("axis", (1,), None, None, np.int32)
    ys = [b.tensor(f"y{k}", s, dtype, 0.05, 0) for k, s in enumerate(out_shapes)]
    b.op("SPLIT", [a, x], ys, "SplitOptions", num_splits=num_splits)
    for y in ys:
        b.mark_output(y)
    return b.build()


def _split_v(sizes, out_shapes, shape=(1, 4, 4, 8), axis=3) -> bytes:
    b = ModelBuilder("split_v")
    x = b.input("x", shape, 0.05, 0)
    s = b.const("sizes", np.array(sizes, np.int32))
    a = b.const("axis", np.array([axis], np.int32))
    ys = [b.tensor(f"y{k}", o, np.int8, 0.05, 0) for k, o in enumerate(out_shapes)]
    b.op("SPLIT_V", [x, s, a], ys, "SplitVOptions", num_splits=len(sizes))
    for y in ys:
        b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _split((1, 4, 4, 9), [(1, 4, 4, 4)] * 2), r"dimension 3 \(9\) does not split into 2 equal parts"),
    (lambda: _split((1, 4, 4, 8), [(1, 4, 4, 4)] * 2, axis=4), r"axis 4 is outside \[-4, 4\)"),
    (lambda: _split((1, 4, 4, 8), [(1, 4, 4, 4)] * 2, axis_const=False), "is not a constant"),
    (lambda: _split((1, 4, 4, 8), [(1, 4, 4, 4), (1, 4, 2, 8)]), r"has shape \[1, 4, 2, 8\], expected \[1, 4, 4, 4\]"),
    (lambda: _split((1, 4, 4, 8), [(1, 4, 4, 4)] * 2, dtype=np.float32), r"is float32 and feeds op 0 \(SPLIT\)"),
    (lambda: _split_v((2, -1, -1), [(1, 4, 4, 2), (1, 4, 4, 3), (1, 4, 4, 3)]), "more than one -1"),
    (lambda: _split_v((2, 3, 4), [(1, 4, 4, 2), (1, 4, 4, 3), (1, 4, 4, 4)]), "do not split input"),
    (lambda: _split_v((2, 6), [(1, 4, 4, 2), (1, 4, 4, 6), (1, 4, 4, 1)]), "size_splits has 2 values for 3 outputs"),
])
def test_unsupported_split_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SPLIT" in str(info.value)


@pytest.mark.parametrize("axis", [4, -1])
def test_axis_out_of_range_is_refused(axis):
    error = assert_bad_params_refused(plan(split_model((1, 6, 5, 8), 3, 2)), "SPLIT", {"axis": axis})
    assert "param axis" in str(error)


def test_axis_the_outputs_are_not_cut_along_is_refused():
    blob = plan(split_model((1, 6, 5, 8), 3, 2))
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["SPLIT"], params_offset(blob), axis=2))
    assert info.value.status == "TH_ERR_SHAPE"


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim3": 3}, "TH_ERR_SHAPE"),     # parts 3 + 4 do not make 8 (equal parts for SPLIT too)
    (2, {"dtype": 3, "dim3": 2}, "TH_ERR_BAD_TENSOR"),  # an int16 output of an int8 input
    (2, {"dim1": 3}, "TH_ERR_SHAPE"),      # a part whose other dims differ from the input's
])
def test_bad_output_is_refused(tensor, fields, status):
    assert_bad_tensor_refused(plan(split_model((1, 6, 5, 8), 3, 2)), tensor, fields, status)


def test_split_v_unequal_parts_must_add_up():
    blob = plan(split_v_model((1, 4, 4, 8), 3, (2, 3, 3)))
    assert_bad_tensor_refused(blob, 1, {"dim3": 1}, "TH_ERR_SHAPE")
