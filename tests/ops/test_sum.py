"""SUM over any axes: TFLM's QuantizedMeanOrSum without the 1 / count fold; prepare arithmetic,
rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.sum import prepare_sum
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.engine.host import HostEngine
from hil.errors import EngineError, UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.zoo.mean import reduce_model
from hil.modelgen.zoo.sum import CASES
from tests.opcheck import assert_matches_tflm


def test_prepare_params_have_no_count_fold():
    # 0.05 / 0.4 = 0.125 = 0.5 * 2^-2 -> (2^30, -2) with no adjustment for the 6 values summed.
    graph = load_graph(reduce_model("SUM", (2, 3, 4), (1,), False, (0.5, -3), (4.0, 7)))
    prepared = prepare_sum(graph.ops[0], graph)
    assert prepared.op_type == "SUM"
    assert prepared.inputs == [graph.ops[0].inputs[0]]
    assert prepared.params == {"input_zero_point": -3, "output_zero_point": 7,
                               "multiplier": 1 << 30, "shift": -2, "axes": 0b010}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


def test_extreme_inputs_match_tflm():
    """Every value at an end of int8: the centred sums are largest, and clamp both ways."""
    model = CASES["spatial_keep_dims"]()
    shape = (1, 6, 5, 8)
    assert_matches_tflm(model, batch=[[np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)],
                                      [np.full(shape, -1, np.int8)]])


def test_sum_by_hand():
    """[2, 3] summed over axis 1, input zero point -3, scale 0.5 -> output scale 4, zero point 7:
    (sum + 9) * 0.125 rounded half away from zero, + 7."""
    model = reduce_model("SUM", (2, 3), (1,), False, (0.5, -3), (4.0, 7))
    x = np.array([[10, 20, 31], [-128, -128, -100]], np.int8)
    # sums 61 + 9 = 70 -> 8.75 -> 9 + 7 = 16; -356 + 9 = -347 -> -43.375 -> -43 + 7 = -36
    engine = HostEngine(compile_model(model).blob)
    assert engine.run([x])[0].tolist() == [16, -36]
    assert_matches_tflm(model, batch=[[x]])


def test_ratio_below_2_pow_minus_32_gives_the_output_zero_point():
    """QuantizeMultiplier flushes such a ratio to multiplier 0: every output is the zero point."""
    model = _sum((1, 8), (1, 2), input_q=(1e-12, 0), output_q=(10.0, -9))
    assert compile_model(model).blob
    agreement = assert_matches_tflm(model, num_inputs=2)
    assert agreement.inferences == 2


def _sum(out_shape, axes, keep_dims=False, input_q=(0.05, -3), output_q=(0.5, 2), constant_axes=True) -> bytes:
    from hil.modelgen.builder import ModelBuilder
    b = ModelBuilder("sum")
    x = b.input("x", (1, 4, 4, 8), *input_q)
    axis = (b.const("axis", np.array(axes, dtype=np.int32)) if constant_axes
            else b.tensor("axis", (len(axes),), np.int32))
    y = b.tensor("y", out_shape, np.int8, *output_q)
    b.op("SUM", [x, axis], [y], "ReducerOptions", keep_dims=keep_dims)
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _sum((1, 8), (1, 2), constant_axes=False), "constant INT32"),
    (lambda: _sum((1, 4, 8), (1, 2)), r"expected \[1, 8\]"),
    (lambda: _sum((1, 8), (1, 7)), r"has 7, outside \[-4, 3\]"),
    (lambda: _sum((1, 8), (1, 2), output_q=(1e-11, 0)), "too large"),
])
def test_unsupported_sum_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (SUM)" in str(info.value)


def _sum_plan() -> bytes:
    """Input [1, 6, 5, 8] (tensor 0) summed over axes 1, 2 into [1, 1, 1, 8] (tensor 1)."""
    return compile_model(CASES["spatial_keep_dims"]()).blob


@pytest.mark.parametrize("fields, status", [
    ({"input_zero_point": 4}, "TH_ERR_BAD_PARAMS"),
    ({"output_zero_point": 300}, "TH_ERR_BAD_PARAMS"),
    ({"multiplier": -5}, "TH_ERR_BAD_PARAMS"),
    ({"shift": 31}, "TH_ERR_BAD_PARAMS"),
    ({"axes": 0b10000}, "TH_ERR_BAD_PARAMS"),
    ({"axes": 0b1000}, "TH_ERR_SHAPE"),    # the channel axis: output [1, 6, 5, 1], not [1, 1, 1, 8]
])
def test_bad_params_are_refused(fields, status):
    blob = _sum_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["SUM"], params_offset(blob), **fields))
    assert info.value.status == status
    assert info.value.details["op_type"] == plan_format().op_ids["SUM"]


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim3": 4, "dim1": 2}, "TH_ERR_SHAPE"),
    (0, {"dtype": 3, "dim0": 1, "dim1": 3, "dim2": 5, "dim3": 8}, "TH_ERR_BAD_TENSOR"),   # int16 input
])
def test_bad_tensors_are_refused(tensor, fields, status):
    blob = _sum_plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status
