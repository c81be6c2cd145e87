"""BATCH_MATMUL: prepare-time arithmetic (the double-product multiplier TFLM uses), rejections,
byte equality with TFLM (zoo cases, extreme inputs) and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.batch_matmul import prepare_batch_matmul
from hil.compiler.plan_format import params_offset, plan_format, with_record_fields, with_tensor_fields
from hil.compiler.quant import quantize_multiplier
from hil.engine.host import HostEngine, run_sanitized
from hil.errors import EngineError, UnsupportedModelError
from hil.model.golden import TflmReference
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.batch_matmul import CASES, batch_matmul_model
from tests.conftest import shared_model
from tests.opcheck import assert_matches_tflm

INT32_MAX = (1 << 31) - 1


def _prepare(model: bytes):
    graph = load_graph(model)
    return prepare_batch_matmul(graph.ops[0], graph)


def _bmm(lhs_shape=(2, 3, 4), rhs_shape=(2, 4, 5), out_shape=None, adj_x=False, adj_y=False,
         scales=(0.5, 0.25, 0.125), zero_points=(3, -2, -4), dtype=np.int8, rhs_scales=None,
         asymmetric=False) -> bytes:
    """A BATCH_MATMUL of two graph inputs with hand-picked quantization."""
    b = ModelBuilder("batch_matmul")
    lhs = b.input("lhs", lhs_shape, scale=scales[0], zero_point=zero_points[0], dtype=dtype)
    if rhs_scales is None:
        rhs = b.input("rhs", rhs_shape, scale=scales[1], zero_point=zero_points[1], dtype=dtype)
    else:
        rhs = b.const("rhs", np.ones(rhs_shape, np.int8), scale=rhs_scales, zero_point=0)
    if out_shape is None:
        out_shape = tuple(lhs_shape[:-2]) + (lhs_shape[-1] if adj_x else lhs_shape[-2],
                                             rhs_shape[-2] if adj_y else rhs_shape[-1])
    y = b.tensor("y", out_shape, scale=scales[2], zero_point=zero_points[2], dtype=dtype)
    b.op("BATCH_MATMUL", [lhs, rhs], [y], "BatchMatMulOptions", adj_x=adj_x, adj_y=adj_y,
         asymmetric_quantize_inputs=asymmetric)
    b.mark_output(y)
    return b.build()


# --- prepare arithmetic -------------------------------------------------------------------


def test_params_are_zero_points_multiplier_and_flags():
    # 0.5 * 0.25 / 0.125 = 1.0 = 0.5 * 2^1.
    params = _prepare(_bmm(adj_y=True, rhs_shape=(2, 5, 4))).params
    assert params == {"lhs_offset": -3, "rhs_offset": 2, "output_offset": -4, "multiplier": 1 << 30, "shift": 1,
                      "adj_x": 0, "adj_y": 1}


def test_macs_count_every_product_of_the_broadcast_output():
    prepared = _prepare(_bmm(lhs_shape=(2, 1, 3, 4), rhs_shape=(5, 4, 6), out_shape=(2, 5, 3, 6)))
    assert prepared.macs == 2 * 5 * 3 * 6 * 4
    assert prepared.inputs == [0, 1]


@pytest.mark.shared
def test_converted_model_macs_match_its_manifest():
    graph = load_graph(shared_model("converted/batch_matmul_xxT_8x16.tflite").read_bytes())
    prepared = prepare_batch_matmul(graph.ops[0], graph)
    assert prepared.macs == 1024   # MANIFEST.md's count: 8 x 8 outputs of 16 products
    assert prepared.params["adj_y"] == 1 and prepared.inputs[0] == prepared.inputs[1]


def test_multiplier_is_the_double_product_of_the_float32_scales():
    """The float32 product of these scales rounds to a different multiplier; TFLM uses the double one."""
    scales = (0.012552882544696331, 0.07472977787256241, 0.23636706173419952)
    f = [float(np.float32(s)) for s in scales]
    params = _prepare(_bmm(scales=scales)).params
    assert (params["multiplier"], params["shift"]) == quantize_multiplier(f[0] * f[1] / f[2])
    float_product = float(np.float32(np.float32(scales[0]) * np.float32(scales[1])))
    assert quantize_multiplier(float_product / f[2]) != (params["multiplier"], params["shift"])


def test_double_product_multiplier_matches_tflm_where_the_float_product_would_not():
    """acc = 127 * 68 + 56 = 8692: the double-product multiplier gives 34, the float32-product one 35."""
    b = ModelBuilder("batch_matmul rounding")
    x = b.input("x", (1, 2), scale=0.012552882544696331, zero_point=0)
    w = b.const("w", np.array([[127], [1]], np.int8), scale=0.07472977787256241, zero_point=0)
    y = b.tensor("y", (1, 1), scale=0.23636706173419952, zero_point=0)
    b.op("BATCH_MATMUL", [x, w], [y], "BatchMatMulOptions", adj_x=False, adj_y=False)
    b.mark_output(y)
    model = b.build()
    batch = [[np.array([[68, 56]], np.int8)], [np.array([[-68, -56]], np.int8)]]
    assert [TflmReference(model).run(xs)[0].item() for xs in batch] == [34, -34]
    assert_matches_tflm(model, batch=batch)


# --- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize("model, reason", [
    (lambda: _bmm(rhs_shape=(2, 5, 5)), "has depth 4, rhs"),
    (lambda: _bmm(lhs_shape=(2, 3, 4), rhs_shape=(3, 4, 5)), "do not broadcast"),
    (lambda: _bmm(out_shape=(2, 3, 6)), "the operands give"),
    (lambda: _bmm(lhs_shape=(1, 1, 1, 1, 3, 4), rhs_shape=(4, 5)), "rank 6"),
    (lambda: _bmm(lhs_shape=(4,), rhs_shape=(4, 5), out_shape=(5,)), "rank 1"),
    (lambda: _bmm(dtype=np.int16), "INT16"),
    (lambda: _bmm(rhs_scales=[0.25] * 5, rhs_shape=(4, 5), out_shape=(2, 3, 5)), "per-channel"),
    (lambda: _bmm(scales=(1000.0, 1000.0, 1e-6)), "too large"),
    (lambda: _bmm(asymmetric=True), "asymmetric_quantize_inputs"),
    (lambda: _bmm(lhs_shape=(1, 70000), rhs_shape=(70000, 1)), "exceed 65536"),
])
def test_unsupported_batch_matmul_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (BATCH_MATMUL)" in str(info.value)


# --- byte equality with TFLM --------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


def test_extreme_inputs_match_tflm():
    """Constant -128 and 127 operands with non-zero zero points: the largest accumulators."""
    model = batch_matmul_model((2, 4, 32), (2, 32, 3), zero_points=(-20, 17, 5), seed=31)
    lhs, rhs = (2, 4, 32), (2, 32, 3)
    batch = [[np.full(lhs, a, np.int8), np.full(rhs, b, np.int8)] for a in (-128, 127) for b in (-128, 127)]
    assert_matches_tflm(model, batch=batch)


# --- plan validation ----------------------------------------------------------------------


def _plan() -> bytes:
    """lhs [2,1,3,8] (tensor 0), rhs [1,4,8,6] (1), output [2,4,3,6] (2), no adj."""
    return compile_model(CASES["broadcast_both_rank4"]()).blob


@pytest.mark.parametrize("fields", [
    {"lhs_offset": 0},               # not -zero point of the lhs
    {"rhs_offset": 0},
    {"output_offset": 200},
    {"multiplier": -1},
    {"shift": 31},
    {"adj_x": 2},
    {"adj_x": 1},                    # lhs [3, 8] read as [8, 3]: depth 3 against 8
    {"adj_y": 1},
])
def test_bad_params_are_refused(fields):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["BATCH_MATMUL"], params_offset(blob), **fields))
    assert info.value.status in ("TH_ERR_BAD_PARAMS", "TH_ERR_SHAPE")
    assert info.value.details["op_type"] == plan_format().op_ids["BATCH_MATMUL"]


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim0": 4, "dim1": 1}, "TH_ERR_SHAPE"),                            # rhs batch 4 against the lhs's 2
    (1, {"dim2": 6, "dim3": 8}, "TH_ERR_SHAPE"),                            # depth 6 against 8
    (2, {"dim2": 6, "dim3": 3}, "TH_ERR_SHAPE"),                            # output rows 6, not 3
    (2, {"rank": 3, "dim0": 8, "dim1": 3, "dim2": 6, "dim3": 1}, "TH_ERR_SHAPE"),
    (0, {"dtype": 3, "dim3": 4}, "TH_ERR_BAD_TENSOR"),                      # int16 lhs
])
def test_bad_shapes_and_types_are_refused(tensor, fields, status):
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_tensor_fields(blob, tensor, **fields))
    assert info.value.status == status
    assert info.value.details["op_type"] == plan_format().op_ids["BATCH_MATMUL"]


def test_deepest_accumulation_runs_without_undefined_behaviour():
    """65536 products of 255 * 255 (zero points -128 and 127 against -128 and 127 operands) carry
    the int32 sum past its range: the kernel wraps where TFLM's int32 arithmetic would overflow."""
    model = batch_matmul_model((1, 65536), (65536, 1), zero_points=(127, -128, 0), scales=(0.01, 0.01, 1.0),
                               seed=3)
    blob = compile_model(model).blob
    lhs, rhs = np.full((1, 65536), -128, np.int8), np.full((65536, 1), 127, np.int8)
    run_sanitized(blob, [[lhs, rhs], [rhs.reshape(1, 65536), lhs.reshape(65536, 1)]], [(1, 1)])
