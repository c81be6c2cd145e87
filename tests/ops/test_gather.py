"""GATHER: byte equality with TFLM (int8 zoo), params and the indices array, TFLM's
refusals, indices checked at load time, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.gather import prepare_gather
from hil.compiler.plan_format import parse_plan, plan_format, with_const_i32
from hil.engine.host import HostEngine
from hil.errors import EngineError, HilError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.gather import CASES, gather_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_negative_batch_dims_matches_tflm():
    assert_matches_tflm(gather_model((2, 5, 3), [[0, 4], [3, 3]], axis=-2, batch_dims=-1))


def test_params_by_hand():
    graph = load_graph(CASES["batch_dims1"]())       # [2, 5, 3], axis 1, indices [2, 3]
    p = prepare_gather(graph.ops[0], graph)
    assert p.params == {"axis": 1, "batch_dims": 1, "coords": 3, "indices_count": 6}
    assert p.arrays["indices"].tolist() == [0, 4, 4, 3, 1, 2] and p.inputs == [graph.ops[0].inputs[0]]


def _raw(shape, indices, out_shape, idx_dtype=np.int32, dtype=np.int8, idx_input=False, axis=0, batch_dims=0):
    b = ModelBuilder("gather")
    x = b.input("x", shape, 0.05, 0, dtype=dtype)
    i = (b.input("i", np.shape(indices), None, None, dtype=idx_dtype) if idx_input
         else b.const("i", np.array(indices, idx_dtype)))
    y = b.tensor("y", out_shape, dtype, 0.05, 0)
    b.op("GATHER", [x, i], [y], "GatherOptions", axis=axis, batch_dims=batch_dims)
    b.mark_output(y)
    return b.build()


REFUSED_BY_BOTH = [
    (lambda: _raw((4, 3), [1, 0], (2, 3), idx_dtype=np.int64), "INT32 positions only"),
    (lambda: _raw((4, 3), [1, 0], (2, 3), dtype=np.int16), "TFLM gathers int8"),
    (lambda: _raw((2, 3), [[0], [1]], (2, 1), axis=0, batch_dims=1), r"batch_dims 1 must be in \[0, axis 0\]"),
]


@pytest.mark.parametrize("model, reason", REFUSED_BY_BOTH + [
    (lambda: _raw((4, 3), [1, 4], (2, 3)), r"holds 4 at position 1, outside \[0, 4\)"),
    (lambda: _raw((4, 3), [-1, 0], (2, 3)), r"holds -1 at position 0"),
    (lambda: _raw((4, 3), [1, 0], (2, 3), idx_input=True), "not constant"),
    (lambda: _raw((4, 3), [1, 0], (3, 2)), "is not the gathered shape"),
])
def test_unsupported_gather_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (GATHER)" in str(info.value)


@pytest.mark.parametrize("model", [m for m, _ in REFUSED_BY_BOTH])
def test_tflm_refuses_them_too(model):
    with pytest.raises(HilError, match="TFLM could not load"):
        TflmReference(model())


def test_tflm_fails_at_invoke_on_an_index_out_of_range():
    golden = TflmReference(_raw((4, 3), [1, 4], (2, 3)))
    with pytest.raises(RuntimeError):
        golden.run([np.zeros((4, 3), np.int8)])


def _plan() -> bytes:
    return plan(gather_model((6, 8), [5, 0, 3]))


def _indices_offset(blob: bytes) -> int:
    parsed = parse_plan(blob)
    fields = plan_format().op_params["GATHER"]
    return fields.unpack(blob, parsed.params_offset(0))["indices_offset"]


@pytest.mark.parametrize("values", [[5, 6, 3], [-1, 0, 3]])
def test_index_out_of_range_in_the_plan_is_refused_at_load(values):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_const_i32(blob, _indices_offset(blob), values))
    assert info.value.status == "TH_ERR_BAD_PARAMS"


@pytest.mark.parametrize("fields, name", [
    ({"axis": 2}, "axis"),
    ({"axis": 1}, None),                     # the output no longer fits: a shape error
    ({"batch_dims": 1}, "batch_dims"),       # more than the axis
    ({"coords": 0}, "coords"),
    ({"indices_count": 4}, "indices_count"),
    ({"coords": 4, "indices_count": 4}, None),
])
def test_bad_params_are_refused(fields, name):
    blob = _plan()
    if name is None:
        from hil.compiler.plan_format import params_offset, with_record_fields
        with pytest.raises(EngineError) as info:
            HostEngine(with_record_fields(blob, plan_format().op_params["GATHER"], params_offset(blob), **fields))
        assert info.value.status in ("TH_ERR_SHAPE", "TH_ERR_BAD_PARAMS")
    else:
        assert name in str(assert_bad_params_refused(blob, "GATHER", fields))


def test_indices_outside_the_constant_region_are_refused():
    blob = _plan()
    from hil.compiler.plan_format import params_offset, with_record_fields
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["GATHER"], params_offset(blob),
                                      indices_offset=1 << 20))
    assert info.value.status == "TH_ERR_BOUNDS"


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim1": 7}, "TH_ERR_SHAPE"),
    (1, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),
    (1, {"dim0": 4}, "TH_ERR_SHAPE"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)
