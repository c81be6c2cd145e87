"""Shared checks for the elementwise int8 activation tests."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.engine.host import HostEngine
from hil.errors import EngineError
from tests.opcheck import assert_matches_tflm

ALL_INT8 = np.arange(-128, 128, dtype=np.int8)


def assert_every_input_matches_tflm(model_fn):
    """Every int8 value through the op, compared with TFLM byte for byte."""
    assert_matches_tflm(model_fn(shape=(256,)), batch=[[ALL_INT8], [ALL_INT8[::-1].copy()]])


def assert_bad_params_refused(blob: bytes, op: str, fields: dict):
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params[op], params_offset(blob), **fields))
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_type"] == plan_format().op_ids[op]
    return info.value


def assert_bad_tensor_refused(blob: bytes, tensor: int, fields: dict, status: str):
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status


def plan(model: bytes) -> bytes:
    return compile_model(model).blob
