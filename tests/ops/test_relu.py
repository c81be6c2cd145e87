"""RELU: prepare arithmetic, rejections, byte equality with TFLM, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.activations import relu_params
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.activations import unary_model
from hil.modelgen.zoo.relu import CASES, relu_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import ALL_INT8, assert_bad_params_refused, assert_bad_tensor_refused, assert_every_input_matches_tflm, plan


def test_relu_params_by_hand():
    # 0.25 / 0.5 = 0.5 = 2^30 * 2^(0-31); quantized 0 of the output is its zero point.
    assert relu_params(0.25, 3, 0.5, -10) == {"input_offset": 3, "output_offset": -10, "multiplier": 1 << 30,
                                              "shift": 0, "act_min": -10, "act_max": 127}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("kwargs", [{}, {"in_scale": 0.5, "in_zp": 0, "out_scale": 0.004, "out_zp": -128},
                                    {"in_scale": 0.01, "in_zp": 127, "out_scale": 0.3, "out_zp": 127}])
def test_every_int8_input_matches_tflm(kwargs):
    assert_every_input_matches_tflm(lambda shape: relu_model(shape=shape, **kwargs))


def _shape_mismatch() -> bytes:
    from hil.modelgen.builder import ModelBuilder
    b = ModelBuilder("relu")
    x = b.input("x", (1, 4, 4, 8), scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 4, 8, 4), scale=0.1, zero_point=0)
    b.op("RELU", [x], [y])
    b.mark_output(y)
    return b.build()


def _int16_input() -> bytes:
    from hil.modelgen.builder import ModelBuilder
    b = ModelBuilder("relu")
    x = b.input("x", (1, 4), scale=0.1, zero_point=0, dtype=np.int16)
    y = b.tensor("y", (1, 4), scale=0.1, zero_point=0, dtype=np.int16)
    b.op("RELU", [x], [y])
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (_shape_mismatch, "differs from input shape"),
    (lambda: relu_model(in_scale=1.0, out_scale=1e-12), "shift"),
])
def test_unsupported_relu_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (RELU)" in str(info.value)


def _plan() -> bytes:
    return plan(relu_model(shape=(1, 4, 4, 8), in_scale=0.05, in_zp=-5, out_scale=0.03, out_zp=3))


@pytest.mark.parametrize("fields, name", [
    ({"input_offset": -4}, "input_offset"),
    ({"output_offset": 4}, "output_offset"),
    ({"multiplier": -1}, "multiplier"),
    ({"shift": 31}, "shift"),
    ({"shift": -32}, "shift"),
    ({"act_min": 10, "act_max": 9}, "act"),
    ({"act_max": 128}, "act_max"),
])
def test_bad_params_are_refused(fields, name):
    error = assert_bad_params_refused(_plan(), "RELU", fields)
    assert name in str(error)


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim3": 4}, "TH_ERR_SHAPE"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)


def test_extreme_accepted_params_run_without_undefined_behaviour():
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    blob = _plan()
    shape = (1, 4, 4, 8)
    batch = [[np.resize(ALL_INT8, shape)], [np.full(shape, -128, np.int8)], [np.full(shape, 127, np.int8)]]
    for fields in ({"multiplier": (1 << 31) - 1, "shift": 30}, {"multiplier": (1 << 31) - 1, "shift": -31},
                   {"multiplier": 0, "shift": 0}):
        patched = with_record_fields(blob, plan_format().op_params["RELU"], params_offset(blob), **fields)
        run_sanitized(patched, batch, [shape])
