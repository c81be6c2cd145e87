"""Shared checks for the int16 LOGISTIC and TANH (TFLM's sigmoid LUT kernels)."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
from hil.engine.host import run_sanitized
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.activations import lut16_model, unary_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
# Power-of-two scales (TFLM's special case where it applies, the general path elsewhere), one just off
# 2^-12 that CheckedLog2 still calls a power of two, converter-like and extreme ones.
SWEEP_SCALES = [2.0 ** -12, 2.0 ** -11, 2.0 ** -10, 2.0 ** -15, 2.0 ** -12 * 1.0004, 3.1e-4, 1.0 / 32768,
                1e-6, 1.0, 2.5]


def assert_every_input_matches_tflm(op: str, scale: float):
    assert_matches_tflm(lut16_model(op, shape=(65536,), in_scale=scale), batch=[[ALL_INT16]], sanitize=False)


def rejections(op: str):
    return [
        (lambda: unary_model(op, (8,), 2.0 ** -12, 1, 2.0 ** -15, 0, dtype=np.int16), "zero point 1; int16 needs 0"),
        (lambda: unary_model(op, (8,), 2.0 ** -12, 0, 2.0 ** -15, -3, dtype=np.int16), "zero point -3"),
        (lambda: unary_model(op, (8,), 2.0 ** -12, 0, 2.0 ** -14, 0, dtype=np.int16), "not 2\\^-15"),
        (lambda: unary_model(op, (8,), 2.0 ** -12, 0, 1.0 / 30000, 0, dtype=np.int16), "not 2\\^-15"),
        (lambda: unary_model(op, (8,), 3.0, 0, 2.0 ** -15, 0, dtype=np.int16), "outside TFLM's \\[1, 32767\\]"),
        (lambda: unary_model(op, (8,), 1e-15, 0, 2.0 ** -15, 0, dtype=np.int16), "outside TFLM's \\[1, 32767\\]"),
        (lambda: _mixed(op), "output must be INT16"),
    ]


def _mixed(op: str) -> bytes:
    from hil.modelgen.builder import ModelBuilder
    b = ModelBuilder("mixed")
    x = b.input("x", (8,), scale=2.0 ** -12, zero_point=0, dtype=np.int16)
    y = b.tensor("y", (8,), scale=1.0 / 256, zero_point=-128)
    b.op(op, [x], [y])
    b.mark_output(y)
    return b.build()


def assert_rejected(op: str, model, reason: str):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert f"op 0 ({op})" in str(info.value)


def plan16(op: str) -> bytes:
    return plan(lut16_model(op, shape=(1, 4, 4, 8), in_scale=3.1e-4))


BAD_PARAMS = [
    {"input_zero_point": 1}, {"input_range_radius": 1}, {"input_multiplier": 0}, {"input_multiplier": 32768},
    {"input_left_shift": -1}, {"input_left_shift": 32},
]


def assert_bad_params16_refused(op: str, fields: dict):
    error = assert_bad_params_refused(plan16(op), op, fields)
    assert next(iter(fields)) in str(error)


def assert_bad_tensors16_refused(op: str):
    blob = plan16(op)
    assert_bad_tensor_refused(blob, 1, {"dtype": 1}, "TH_ERR_BAD_TENSOR")   # int8 output
    assert_bad_tensor_refused(blob, 1, {"dim3": 4}, "TH_ERR_SHAPE")
    assert_bad_tensor_refused(blob, 0, {"zero_point": 2}, "TH_ERR_BAD_TENSOR")
    assert_bad_tensor_refused(blob, 1, {"zero_point": -1}, "TH_ERR_BAD_TENSOR")


def assert_extreme_params_clean(op: str):
    """The largest multiplier and every shift validate accepts run clean under ASan+UBSan."""
    blob = plan16(op)
    shape = (1, 4, 4, 8)
    batch = [[np.full(shape, -32768, np.int16)], [np.full(shape, 32767, np.int16)], [np.resize(ALL_INT16[::257], shape)]]
    for fields in ({"input_multiplier": 32767, "input_left_shift": 0}, {"input_multiplier": 32767, "input_left_shift": 31},
                   {"input_multiplier": 1, "input_left_shift": 31}):
        run_sanitized(with_record_fields(blob, plan_format().op_params[op], params_offset(blob), **fields), batch, [shape])
