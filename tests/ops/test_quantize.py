"""QUANTIZE between integer types in the engine, and float32 model I/O converted at the
boundary (hil/compiler/boundary.py): byte-equal with TFLM, rejections, corrupted plans."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.boundary import dequantize_like_tflm, quantize_like_tflm
from hil.compiler.ops.quantize import quantize_params
from hil.compiler.plan_format import plan_format
from hil.errors import UnsupportedModelError
from hil.model.golden import TflmReference
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo.quantize import CASES, float_io_model, requantize_model
from hil.session import run_model
from tests.opcheck import assert_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan


def test_quantize_params_by_hand():
    # 0.05 / 0.1 = 0.5 = 2^30 * 2^(0-31)
    assert quantize_params(0.05, -3, 0.1, 7) == {"input_zero_point": -3, "output_zero_point": 7,
                                                 "multiplier": 1 << 30, "shift": 0, "output_scale_f32": 0}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=4, seed=0)


@pytest.mark.parametrize("in_dtype, values, kwargs", [
    (np.int8, np.arange(-128, 128), {}),
    (np.int8, np.arange(-128, 128), {"in_scale": 0.5, "in_zp": 0, "out_scale": 0.004, "out_zp": -128}),
    (np.uint8, np.arange(0, 256), {"in_scale": 0.02, "in_zp": 100, "out_scale": 0.03, "out_zp": -20}),
    (np.int16, np.arange(-32768, 32768), {"in_scale": 0.001, "in_zp": 0, "out_scale": 0.2, "out_zp": 5}),
])
def test_every_input_value_matches_tflm(in_dtype, values, kwargs):
    x = values.astype(in_dtype)
    model = requantize_model(shape=(x.size,), in_dtype=in_dtype, **kwargs)
    assert_matches_tflm(model, batch=[[x], [x[::-1].copy()]])


def _float_halfway_inputs(scale: float, n: int, seed: int) -> np.ndarray:
    """Values at and one ulp either side of the rounding midpoints: where float32 and double division differ."""
    rng = np.random.default_rng(seed)
    k = rng.integers(-200, 200, n).astype(np.float64) + 0.5
    x = (k * np.float64(np.float32(scale))).astype(np.float32)
    return np.nextafter(x, rng.choice([-np.inf, np.inf], n).astype(np.float32))


@pytest.mark.parametrize("scale, zp, dtype", [(0.00392114, -128, "INT8"), (0.0731, 5, "INT8"),
                                              (1.3e-4, 0, "INT16"), (0.5, -7, "INT8")])
def test_boundary_quantize_is_tflms_arithmetic(scale, zp, dtype):
    """quantize_like_tflm against the wheel's QUANTIZE on midpoints, edges and non-finite values."""
    special = np.array([np.nan, np.inf, -np.inf, 3e9, -3e9, 1e30, 0.0, -0.0, 1e-30], np.float32)
    x = np.concatenate([_float_halfway_inputs(scale, 2000, 1), _float_halfway_inputs(scale, 2000, 2)[::-1],
                        special])
    b = ModelBuilder("q")
    t = b.tensor("x", x.shape, dtype=np.float32)
    b.inputs.append(t)
    y = b.tensor("y", x.shape, scale=scale, zero_point=zp, dtype=np.dtype(dtype.lower()))
    b.op("QUANTIZE", [t], [y])
    b.mark_output(y)
    expected = TflmReference(b.build()).run([x])[0]
    got = quantize_like_tflm(x, np.float32(scale), zp, dtype)
    differ = np.flatnonzero(got != expected)
    assert differ.size == 0, f"{differ.size} values differ, first x={x[differ[0]]!r}: {got[differ[0]]} vs {expected[differ[0]]}"


@pytest.mark.parametrize("dtype, values", [(np.int8, np.arange(-128, 128)), (np.int16, np.arange(-32768, 32768, 7))])
def test_boundary_dequantize_is_tflms_arithmetic(dtype, values):
    b = ModelBuilder("dq")
    x = b.input("x", values.shape, scale=0.0123457, zero_point=3 if dtype == np.int8 else 0, dtype=dtype)
    y = b.tensor("y", values.shape, dtype=np.float32)
    b.op("DEQUANTIZE", [x], [y])
    b.mark_output(y)
    expected = TflmReference(b.build()).run([values.astype(dtype)])[0]
    got = dequantize_like_tflm(values.astype(dtype), np.float32(0.0123457), 3 if dtype == np.int8 else 0)
    assert got.dtype == np.float32 and got.tobytes() == expected.tobytes()


def test_float_model_runs_with_its_boundary_on_the_host():
    model = float_io_model()
    compiled = compile_model(model)
    assert compiled.boundary.active and [t.dtype for t in compiled.inputs] == ["FLOAT32"]
    assert [op.type for op in compiled.ops] == ["RELU"], "the boundary QUANTIZE/DEQUANTIZE are not engine ops"
    assert "host side of the link" in compiled.summary()["boundary"]
    run = run_model("host", model, inputs=3)
    assert run.all_equal and run.inferences[0].outputs[0].dtype == np.float32
    assert run.inferences[0].boundary == "host" and "QUANTIZE" in run.to_dict()["boundary"]


def _float_into(op_type: str) -> bytes:
    """A float32 input fed straight to an int8 op."""
    b = ModelBuilder("float into op")
    x = b.tensor("x", (1, 8), dtype=np.float32)
    b.inputs.append(x)
    y = b.tensor("y", (1, 8), scale=0.1, zero_point=0)
    b.op(op_type, [x], [y])
    b.mark_output(y)
    return b.build()


def _dequantize_mid_graph() -> bytes:
    b = ModelBuilder("dequantize mid graph")
    x = b.input("x", (1, 8), scale=0.1, zero_point=0)
    f = b.tensor("f", (1, 8), dtype=np.float32)
    b.op("DEQUANTIZE", [x], [f])
    y = b.tensor("y", (1, 8), scale=0.1, zero_point=0)
    b.op("QUANTIZE", [f], [y])
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _float_into("RELU"), "float32 and feeds op 0 \\(RELU\\)"),
    (_dequantize_mid_graph, "inside the graph"),
    (lambda: requantize_model(in_dtype=np.uint8, in_zp=128, out_dtype=np.int16, out_zp=0), "uint8 -> int16"),
    (lambda: _only_boundary(), "no op is left"),
    (lambda: requantize_model(in_scale=1.0, out_scale=1e-12), "shift"),
])
def test_unsupported_quantize_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason):
        compile_model(model())


def _only_boundary() -> bytes:
    b = ModelBuilder("only boundary")
    x = b.tensor("x", (4,), dtype=np.float32)
    b.inputs.append(x)
    q = b.tensor("q", (4,), scale=0.1, zero_point=0)
    b.op("QUANTIZE", [x], [q])
    y = b.tensor("y", (4,), dtype=np.float32)
    b.op("DEQUANTIZE", [q], [y])
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("fields", [{"shift": 31}, {"multiplier": -1}, {"input_zero_point": 4},
                                    {"output_zero_point": 200}])
def test_bad_params_are_refused(fields):
    blob = plan(requantize_model(in_zp=-3, out_zp=7))
    assert_bad_params_refused(blob, "QUANTIZE", fields)


def test_unsupported_dtype_pair_in_a_plan_is_refused():
    blob = plan(requantize_model(in_dtype=np.uint8, in_zp=127, out_zp=-1))
    # uint8 -> uint8 is no pair of TFLM's: the output tensor (index 1) is named.
    assert_bad_tensor_refused(blob, 1, {"dtype": plan_format().dtypes["UINT8"][0], "zero_point": 100},
                              "TH_ERR_BAD_TENSOR")


# --- the conversions on target: an engine built with TH_FLOAT_IO ---------------------------

@pytest.mark.parametrize("case", ["float_io_relu", "float_io_int16", "float_in_int8_out"])
def test_float_io_on_target_matches_tflm_under_the_sanitizers(case):
    from hil.engine.host import run_sanitized
    from hil.model.golden import random_inputs
    model = CASES[case]()
    compiled = compile_model(model, float_io="target")
    assert compiled.ops[0].type == "QUANTIZE" and not compiled.boundary.on_host
    golden = TflmReference(model)
    batch = [random_inputs(compiled.inputs, seed) for seed in range(3)]
    specials = np.array([np.nan, np.inf, -np.inf, 3e9, -3e9, 0.0, -0.0], np.float32)
    x = batch[0][0].reshape(-1).copy()
    x[:specials.size] = specials
    batch.append([x.reshape(batch[0][0].shape)])
    got = run_sanitized(compiled.blob, batch, float_io=True)
    for xs, outs in zip(batch, got):
        expected = golden.run(xs)
        assert [o.tobytes() for o in outs] == [e.tobytes() for e in expected]


def test_the_default_engine_build_refuses_float_io_on_target():
    from hil.engine.host import HostEngine
    from hil.errors import EngineError
    blob = compile_model(float_io_model(), float_io="target").blob
    with pytest.raises(EngineError, match="TH_ERR_NO_FLOAT_IO: op 0 \\(QUANTIZE\\).*keeps no float") as info:
        HostEngine(blob)
    assert info.value.status == "TH_ERR_NO_FLOAT_IO"
    HostEngine(blob, float_io=True)   # the TH_FLOAT_IO build takes it


@pytest.mark.parametrize("op, fields", [("QUANTIZE", {"output_scale_f32": 0x7F800000}),   # +inf
                                        ("QUANTIZE", {"multiplier": 5}),
                                        ("DEQUANTIZE", {"input_scale_f32": 0x80000001}),  # negative
                                        ("DEQUANTIZE", {"input_zero_point": 99})])
def test_bad_float_io_params_are_refused(op, fields):
    from hil.compiler.plan_format import params_offset, with_record_fields
    from hil.engine.host import HostEngine
    from hil.errors import EngineError
    blob = compile_model(float_io_model(), float_io="target").blob
    op_index = 0 if op == "QUANTIZE" else 2
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params[op], params_offset(blob, op_index), **fields),
                   float_io=True)
    assert info.value.status == "TH_ERR_BAD_PARAMS"
    assert info.value.details["op_index"] == op_index


def test_random_float_inputs_cover_the_range_their_boundary_quantizes_to():
    """A float input quantized to int16 draws over int16's range, not int8's."""
    from hil.model.golden import random_inputs
    for case, dtype in (("float_io_relu", "INT8"), ("float_io_int16", "INT16")):
        spec = compile_model(CASES[case]()).inputs[0]
        assert spec.boundary_dtype == dtype
        x = random_inputs([spec], 0)[0]
        q = quantize_like_tflm(x, spec.scale, spec.zero_point, dtype)
        lo, hi = (-128, 127) if dtype == "INT8" else (-32768, 32767)
        assert q.min() == lo and q.max() == hi, (case, q.min(), q.max())   # the clamps are reached
