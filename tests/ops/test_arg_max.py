"""ARG_MAX and ARG_MIN: byte equality with TFLM (ties to the first index), INT64 refused as TFLM
refuses it, prepare, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.arg_max import prepare_arg_max
from hil.compiler.plan_format import params_offset, plan_format, tensor_offset, with_record_fields, with_tensor_fields
from hil.engine.host import HostEngine
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.arg_max import CASES, arg_model
from tests.opcheck import assert_matches_tflm


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_ties_match_tflm(case):
    """Inputs from {-2 .. 1}: most rows have several maxima and minima."""
    model = CASES[case]()
    shape = load_graph(model).tensors[0].shape
    rng = np.random.default_rng(7)
    assert_matches_tflm(model, batch=[[rng.integers(-2, 2, size=shape, dtype=np.int8)] for _ in range(3)])


@pytest.mark.parametrize("op, expected", [("ARG_MAX", [0, 2, 1, 0]), ("ARG_MIN", [0, 0, 0, 1])])
def test_first_index_wins_by_hand(op, expected):
    model = arg_model(op, (4, 3), 1)
    x = np.array([[5, 5, 5], [-128, 3, 127], [-128, 127, 127], [127, -128, -128]], np.int8)
    out = HostEngine(compile_model(model).blob).run([x])[0]
    assert out.dtype == np.int32 and out.tolist() == expected
    assert_matches_tflm(model, batch=[[x]])


def test_prepare_resolves_a_negative_axis():
    graph = load_graph(arg_model("ARG_MIN", (2, 6, 3, 4), -3))
    prepared = prepare_arg_max(graph.ops[0], graph)
    assert (prepared.op_type, prepared.params, prepared.inputs) == ("ARG_MIN", {"axis": 1}, [graph.ops[0].inputs[0]])


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("kwargs, reason", [
    ({"output_type": np.int64}, "is INT64; TFLM's ARG_M.. supports only an INT32 output"),
    ({"axis_type": np.int64}, "constant INT32 tensor .it is INT64"),
])
def test_int64_is_refused_as_tflm_refuses_it(op, kwargs, reason):
    model = arg_model(op, (1, 5, 4, 8), 3, **kwargs)
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model)
    assert f"op 0 ({op})" in str(info.value)
    with pytest.raises(RuntimeError):   # TFLM fails at invoke
        TflmReference(model).run([np.zeros((1, 5, 4, 8), np.int8)])


def _arg(axis_values=(3,), out_shape=(1, 5, 4), constant=True) -> bytes:
    b = ModelBuilder("arg_max")
    x = b.input("x", (1, 5, 4, 8), 0.05, 0)
    axis = (b.const("axis", np.array(axis_values, dtype=np.int32)) if constant
            else b.tensor("axis", (len(axis_values),), np.int32))
    y = b.tensor("y", out_shape, np.int32)
    b.op("ARG_MAX", [x, axis], [y], "ArgMaxOptions", output_type=2)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _arg(constant=False), "computed at run time"),
    (lambda: _arg(axis_values=(3, 1)), "has 2 values, expected one"),
    (lambda: _arg(axis_values=(4,)), r"is 4, outside \[-4, 3\]"),
    (lambda: _arg(out_shape=(1, 5, 4, 1)), r"expected \[1, 5, 4\]"),
])
def test_unsupported_arg_max_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason):
        compile_model(model())


def _plan(op="ARG_MAX") -> bytes:
    """[1, 5, 4, 8] int8 (tensor 0) along axis 3 into [1, 5, 4] int32 (tensor 1)."""
    return compile_model(arg_model(op, (1, 5, 4, 8), 3)).blob


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("fields, status", [
    ({"axis": 4}, "TH_ERR_BAD_PARAMS"),
    ({"axis": -1}, "TH_ERR_BAD_PARAMS"),
    ({"axis": 2}, "TH_ERR_SHAPE"),     # along axis 2 the output would be [1, 5, 8]
])
def test_bad_params_are_refused(op, fields, status):
    blob = _plan(op)
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params[op], params_offset(blob), **fields))
    assert info.value.status == status
    assert info.value.details["op_type"] == plan_format().op_ids[op]


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dtype": 1}, "TH_ERR_BAD_TENSOR"),                      # int8 output
    (1, {"rank": 2, "dim1": 20, "dim2": 1}, "TH_ERR_SHAPE"),                  # [1, 20]
    (1, {"dim1": 4, "dim2": 5}, "TH_ERR_SHAPE"),                              # [1, 4, 5]
    (0, {"dtype": 3, "dim3": 4}, "TH_ERR_BAD_TENSOR"),                        # int16 input
])
def test_bad_tensors_are_refused(tensor, fields, status):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status


def test_misaligned_int32_output_is_refused():
    blob = _plan()
    record = plan_format().tensor.unpack(blob, tensor_offset(blob, 1))
    assert record["offset"] >= 4   # after the input: moving it back one byte stays inside the arena
    patched = with_tensor_fields(blob, 1, offset=record["offset"] - 1)
    with pytest.raises(EngineError) as info:
        HostEngine(patched)
    # The loader refuses any tensor off its element alignment before the op sees it.
    assert info.value.status == "TH_ERR_BAD_TENSOR" and info.value.details["tensor_index"] == 1
    assert (info.value.details["expected"], info.value.details["got"]) == (4, 3)
