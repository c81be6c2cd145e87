"""CONCATENATION: byte equality with TFLM (int8 zoo, int16 and int32), the prepare
parameters, TFLM's refusals (differing int8 quantization, >10 inputs, activation),
and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.concatenation import prepare_concatenation
from hil.errors import HilError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.concatenation import CASES, concat_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
def test_int16_and_int32_match_tflm(dtype):
    assert_any_dtype_matches_tflm(concat_model([(2, 3, 4), (2, 1, 4), (2, 2, 4)], 1, dtype=dtype, quant=(0.5, 0)),
                                  dtype)


def test_int16_copies_across_differing_scales_as_tflm_does():
    b = ModelBuilder("concat int16")
    x0, x1 = b.input("x0", (2, 3), 0.5, 0, dtype=np.int16), b.input("x1", (2, 3), 0.25, 0, dtype=np.int16)
    y = b.tensor("y", (2, 6), np.int16, 0.125, 0)
    b.op("CONCATENATION", [x0, x1], [y], "ConcatenationOptions", axis=1, fused_activation_function=0)
    b.mark_output(y)
    assert_any_dtype_matches_tflm(b.build(), np.int16)


def test_params_and_negative_axis():
    graph = load_graph(concat_model([(2, 3, 4), (2, 5, 4)], -2))
    p = prepare_concatenation(graph.ops[0], graph)
    assert p.params == {"axis": 1} and p.inputs == graph.ops[0].inputs and not p.output_aliases_input


def _two(scales=(0.04, 0.04), zps=(-7, -7), out=(0.04, -7), activation=0, n=2) -> bytes:
    b = ModelBuilder("concat")
    xs = [b.input(f"x{k}", (1, 2, 3), scales[k % 2], zps[k % 2]) for k in range(n)]
    y = b.tensor("y", (1, 2, 3 * n), np.int8, *out)
    b.op("CONCATENATION", xs, [y], "ConcatenationOptions", axis=2, fused_activation_function=activation)
    b.mark_output(y)
    return b.build()


REFUSED = [
    (lambda: _two(scales=(0.04, 0.05)), "scale .* differs from the output's"),
    (lambda: _two(zps=(-7, 3)), "zero point 3 differs"),
    (lambda: _two(activation=1), "fused activation 1"),
    (lambda: _two(n=11), "TFLM concatenates at most 10"),
]


@pytest.mark.parametrize("model, reason", REFUSED)
def test_unsupported_concatenation_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (CONCATENATION)" in str(info.value)


@pytest.mark.parametrize("model", [m for m, _ in REFUSED])
def test_tflm_refuses_them_too(model):
    with pytest.raises(HilError, match="TFLM could not load"):
        TflmReference(model())


def _plan() -> bytes:
    return plan(concat_model([(1, 2, 2, 3), (1, 2, 2, 5)], 3))


@pytest.mark.parametrize("axis", [-1, 4])
def test_bad_axis_is_refused(axis):
    assert "axis" in str(assert_bad_params_refused(_plan(), "CONCATENATION", {"axis": axis}))


def test_axis_that_does_not_fit_the_shapes_is_refused():
    from hil.engine.host import HostEngine
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    from hil.errors import EngineError
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["CONCATENATION"], params_offset(blob), axis=2))
    assert info.value.status == "TH_ERR_SHAPE"


@pytest.mark.parametrize("tensor, fields, status", [
    (2, {"dim3": 7}, "TH_ERR_SHAPE"),    # the channels no longer add up
    (1, {"dim1": 1}, "TH_ERR_SHAPE"),    # an input differs off the axis
    (1, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),
    (1, {"rank": 3, "dim0": 2, "dim1": 2, "dim2": 5, "dim3": 1}, "TH_ERR_SHAPE"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)
