"""REDUCE_MAX and REDUCE_MIN over any axes: byte equality with TFLM, ties and extremes,
the quantization TFLM insists on, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.reduce_max import prepare_reduce_max
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.engine.host import HostEngine
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.zoo.mean import reduce_model
from hil.modelgen.zoo.reduce_max import CASES
from tests.opcheck import assert_matches_tflm


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


@pytest.mark.parametrize("op, expected", [("REDUCE_MAX", [[127, -128], [5, -1]]),
                                          ("REDUCE_MIN", [[-128, -128], [-7, -3]])])
def test_extremes_by_hand(op, expected):
    model = reduce_model(op, (2, 2, 3), (2,), False, (0.05, 0), (0.05, 0))
    x = np.array([[[127, -128, 0], [-128, -128, -128]], [[5, -7, 5], [-3, -1, -1]]], np.int8)
    assert HostEngine(compile_model(model).blob).run([x])[0].tolist() == expected
    assert_matches_tflm(model, batch=[[x]])


def test_prepare_params():
    graph = load_graph(reduce_model("REDUCE_MIN", (2, 3, 4, 5), (-1, 1), True))
    prepared = prepare_reduce_max(graph.ops[0], graph)
    assert (prepared.op_type, prepared.params) == ("REDUCE_MIN", {"axes": 0b1010})
    assert prepared.inputs == [graph.ops[0].inputs[0]]


@pytest.mark.parametrize("op", ["REDUCE_MAX", "REDUCE_MIN"])
@pytest.mark.parametrize("output_q, what", [((0.05, 4), "zero point 4"), ((0.06, -3), "scale 0.06")])
def test_requantizing_output_is_refused_as_tflm_does(op, output_q, what):
    model = reduce_model(op, (3, 4), (1,), False, (0.05, -3), output_q)
    with pytest.raises(UnsupportedModelError, match=f"{what}.*TFLM requires") as info:
        compile_model(model)
    assert f"op 0 ({op})" in str(info.value)
    # TFLM itself fails on it at invoke.
    with pytest.raises(RuntimeError):
        TflmReference(model).run([np.zeros((3, 4), np.int8)])


def test_dynamic_axes_are_refused():
    from hil.modelgen.builder import ModelBuilder
    b = ModelBuilder("reduce_max")
    x = b.input("x", (2, 3), 0.05, 0)
    axis = b.tensor("axis", (1,), np.int32)
    y = b.tensor("y", (2,), np.int8, 0.05, 0)
    b.op("REDUCE_MAX", [x, axis], [y], "ReducerOptions", keep_dims=False)
    b.mark_output(y)
    with pytest.raises(UnsupportedModelError, match="constant INT32"):
        compile_model(b.build())


def _plan(op="REDUCE_MAX") -> bytes:
    """[1, 5, 4, 8] (tensor 0) reduced over the channel axis into [1, 5, 4] (tensor 1)."""
    return compile_model(reduce_model(op, (1, 5, 4, 8), (3,), False)).blob


@pytest.mark.parametrize("op", ["REDUCE_MAX", "REDUCE_MIN"])
@pytest.mark.parametrize("fields, status", [
    ({"axes": 0b10000}, "TH_ERR_BAD_PARAMS"),
    ({"axes": -2}, "TH_ERR_BAD_PARAMS"),
    ({"axes": 0b0100}, "TH_ERR_SHAPE"),   # reducing dim 2 wants [1, 5, 8]
])
def test_bad_params_are_refused(op, fields, status):
    blob = _plan(op)
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params[op], params_offset(blob), **fields))
    assert info.value.status == status
    assert info.value.details["op_type"] == plan_format().op_ids[op]


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"zero_point": 9}, "TH_ERR_BAD_TENSOR"),                              # requantization needed
    (1, {"dim2": 2, "dim1": 10}, "TH_ERR_SHAPE"),                             # [1, 10, 2]
    (0, {"dtype": 3, "dim3": 4}, "TH_ERR_BAD_TENSOR"),                        # int16 input
])
def test_bad_tensors_are_refused(tensor, fields, status):
    blob = _plan()
    patched = with_tensor_fields(blob, tensor, **fields)
    with pytest.raises(EngineError) as info:
        HostEngine(patched)
    assert info.value.status == status


def test_keep_dims_form_of_the_output_is_accepted():
    """[1, 5, 4, 1] is the same reduction with keep_dims: same bytes, accepted and run."""
    blob = _plan()
    patched = with_tensor_fields(blob, 1, rank=4, dim3=1)
    x = np.arange(160, dtype=np.int64).astype(np.int8).reshape(1, 5, 4, 8)
    assert HostEngine(patched).run([x])[0].reshape(-1).tolist() == x.max(axis=3).reshape(-1).tolist()
