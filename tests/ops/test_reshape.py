"""RESHAPE: aliasing, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations


import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.reshape import prepare_reshape
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.reshape import CASES
from hil.compiler.plan_format import parse_plan, plan_format, with_record_fields, with_tensor_fields
from hil.model.tflite import load_graph
from tests.opcheck import assert_matches_tflm


def test_output_aliases_input_and_shape_tensor_is_dropped():
    graph = load_graph(CASES["flatten_4d_to_2d"]())
    prepared = prepare_reshape(graph.ops[0], graph)
    assert prepared.output_aliases_input
    assert prepared.inputs == [graph.ops[0].inputs[0]]
    assert prepared.params == {} and prepared.macs == 0


def _reshape(in_shape, out_shape, out_dtype=np.int8) -> bytes:
    b = ModelBuilder("reshape")
    x = b.input("x", in_shape, 0.05, -3)
    y = b.tensor("y", out_shape, out_dtype, 0.05, -3)
    b.op("RESHAPE", [x], [y], "ReshapeOptions", new_shape=list(out_shape))
    b.mark_output(y)
    return b.build()


def _reshape_int32(in_shape, out_shape) -> bytes:
    b = ModelBuilder("reshape")
    x = b.input("x", in_shape, 0.05, 0, dtype=np.int32)
    y = b.tensor("y", out_shape, np.int32, 0.05, 0)
    b.op("RESHAPE", [x], [y], "ReshapeOptions", new_shape=list(out_shape))
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _reshape((1, 2, 2, 8), (1, 30)), "has 30 elements"),
    (lambda: _reshape((1, 2, 2, 8), (1, 32), np.int16), "is INT16, but the input is INT8"),
    (lambda: _reshape_int32((1, 8), (2, 4)), "only INT8 and INT16"),
])
def test_unsupported_reshape_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (RESHAPE)" in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


# --- plan validation and the copy path ----------------------------------------------------






def _op_at(blob: bytes, op_index: int) -> int:
    fmt = plan_format()
    return fmt.header.unpack(blob)["ops_offset"] + op_index * fmt.op.size


def _flatten_plan() -> bytes:
    """Input [1, 1, 1, 64] (tensor 0) reshaped to [1, 64] (tensor 1) in the same bytes."""
    return compile_model(CASES["flatten_4d_to_2d"]()).blob


@pytest.mark.parametrize("fields, status", [
    ({"dim1": 32}, "TH_ERR_SHAPE"),         # fewer elements than the input
    ({"dtype": 2, "dim1": 16}, "TH_ERR_BAD_TENSOR"),     # same bytes, other dtype
])
def test_bad_output_is_refused(fields, status):
    blob = _flatten_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, 1, **fields))
    assert info.value.status == status


def test_params_are_refused():
    """RESHAPE stores no params; point it at the pool's (in bounds) and it is refused."""
    blob = compile_model(CASES["pool_then_flatten"]()).blob
    fmt = plan_format()
    pool_op = fmt.op.unpack(blob, _op_at(blob, 0))
    patched = with_record_fields(blob, fmt.op, _op_at(blob, 1), params_offset=pool_op["params_offset"], params_bytes=4)
    with pytest.raises(EngineError) as info:
        HostEngine(patched)
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == fmt.op_ids["RESHAPE"]


def test_output_in_separate_storage_is_copied():
    """Global pool then flatten, with the flattened output moved off the pooled bytes onto the
    (by then dead) model input: eval must copy, and the result still equals TFLM's."""
    model = CASES["pool_then_flatten"]()
    blob = compile_model(model).blob
    fmt = plan_format()
    records = parse_plan(blob).tensors[:3]
    assert [r["bytes"] for r in records] == [288, 32, 32]          # input, pooled, flat
    assert records[2]["offset"] == records[1]["offset"]            # flat aliases pooled
    assert records[0]["offset"] != records[1]["offset"]
    moved = with_tensor_fields(blob, 2, offset=records[0]["offset"])
    shape = (1, 3, 3, 32)
    batch = [[np.random.default_rng(seed).integers(-128, 128, shape, dtype=np.int8)] for seed in range(3)]
    golden = TflmReference(model)
    for xs, outs in zip(batch, run_sanitized(moved, batch, [(1, 32)])):
        np.testing.assert_array_equal(outs[0], golden.run(xs)[0])


def test_int16_output_retyped_to_int8_is_refused():
    """Same byte count, other element size: the dtypes must agree."""
    blob = compile_model(CASES["s16_flatten_4d_to_2d"]()).blob
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, 1, dtype=1, dim1=256))
    assert info.value.status == "TH_ERR_BAD_TENSOR"
