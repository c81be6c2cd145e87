"""Shared checks for the int16 (16x8 mode) binary elementwise ops: ADD, SUB, MUL."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.errors import UnsupportedModelError
from hil.modelgen.zoo.binary import binary_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}
INT16_DTYPE = 3  # TH_DTYPE_INT16


def model16(op: str, shape1=(65536,), shape2=(65536,), scales=(3.1e-4, 1.7e-4, 4.6e-4), activation: int = 0,
            **kwargs) -> bytes:
    return binary_model(op, shape1, shape2, scales=scales, dtype=np.int16, options_name=OPTIONS[op],
                        fused_activation_function=activation, **kwargs)


def assert_every_pair_matches_tflm(op: str, scales, activation: int = 0):
    """Every int16 value as the first operand against a shuffled, reversed and extreme second operand."""
    rng = np.random.default_rng(7)
    lo, hi = np.full(65536, -32768, np.int16), np.full(65536, 32767, np.int16)
    batch = [[ALL_INT16, rng.permutation(ALL_INT16)], [ALL_INT16, ALL_INT16[::-1].copy()],
             [ALL_INT16, lo], [ALL_INT16, hi]]
    assert_matches_tflm(model16(op, scales=scales, activation=activation), batch=batch, sanitize=False)


def rejections16(op: str):
    """(model, reason) pairs every int16 binary op refuses."""
    opt = OPTIONS[op]
    return [
        (lambda: binary_model(op, (4,), (4,), zero_points=(0, 3, 0), dtype=np.int16, options_name=opt,
                              fused_activation_function=0), "zero point 3; int16 needs 0"),
        (lambda: binary_model(op, (4,), (4,), zero_points=(0, 0, -1), dtype=np.int16, options_name=opt,
                              fused_activation_function=0), "zero point -1; int16 needs 0"),
        (lambda: _mixed(op), "every tensor must be INT16"),
    ]


def _mixed(op: str) -> bytes:
    """An int8 first input with int16 second input and output."""
    from hil.modelgen.builder import ModelBuilder
    b = ModelBuilder("mixed")
    x1 = b.input("x1", (4,), scale=0.01, zero_point=0)
    x2 = b.input("x2", (4,), scale=0.001, zero_point=0, dtype=np.int16)
    y = b.tensor("y", (4,), dtype=np.int16, scale=0.001, zero_point=0)
    b.op(op, [x1, x2], [y], OPTIONS[op], fused_activation_function=0)
    b.mark_output(y)
    return b.build()


def assert_rejected(op: str, model, reason: str):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert f"op 0 ({op})" in str(info.value)


def plan16(op: str) -> bytes:
    """Inputs [1, 4, 4, 8] (tensors 0, 1) and output (tensor 2), int16, zero points 0."""
    return plan(binary_model(op, (1, 4, 4, 8), (1, 4, 4, 8), scales=(3e-4, 2e-4, 4e-4), dtype=np.int16,
                             options_name=OPTIONS[op], fused_activation_function=0))


def assert_bad_params16_refused(op: str, fields: dict):
    assert_bad_params_refused(plan16(op), op, fields)


def assert_mixed_dtype_refused(op: str, tensor: int):
    """A plan whose tensor `tensor` is int8 (its bytes halved) among int16 ones is refused."""
    assert_bad_tensor_refused(plan16(op), tensor, {"dtype": 1}, "TH_ERR_BAD_TENSOR")


def assert_6d_broadcast_matches_tflm(op: str):
    """Rank-6 broadcasting both ways, the second operand an input and a constant (the wheel's int16 path
    broadcasts up to 6-D as its int8 one does)."""
    for const2 in (False, True):
        model = binary_model(op, (2, 1, 3, 2, 1, 4), (1, 2, 1, 1, 3, 1), scales=(3.1e-4, 1.7e-4, 4.6e-4),
                             dtype=np.int16, options_name=OPTIONS[op], const2=const2, fused_activation_function=0,
                             seed=3)
        assert_matches_tflm(model, num_inputs=3)
