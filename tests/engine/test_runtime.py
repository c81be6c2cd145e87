"""Plan validation in the C runtime: every bad plan is refused with an error
naming what was wrong; good plans run side by side and call the profiler."""
import struct

import pytest

from hil.compiler import compile_model
from hil.engine.host import HostEngine, trace_ops
from hil.errors import EngineError
from hil.model.golden import random_inputs
from hil.modelgen.mlperf import STANDINS
from hil.compiler.plan_format import parse_plan, patched, plan_format
from tests.opcheck import assert_same_outputs


@pytest.fixture(scope="module")
def kws_plan():
    return compile_model(STANDINS["kws"](), name="kws")


def _load_error(blob, **kw) -> EngineError:
    with pytest.raises(EngineError) as info:
        HostEngine(blob, **kw)
    return info.value


def test_truncated_plan(kws_plan):
    err = _load_error(kws_plan.blob[:-100])
    assert err.status == "TH_ERR_TRUNCATED"
    assert err.details["expected"] == len(kws_plan.blob) and err.details["got"] == len(kws_plan.blob) - 100


def test_shorter_than_a_header(kws_plan):
    err = _load_error(kws_plan.blob[:10])
    assert err.status == "TH_ERR_TRUNCATED" and err.details["expected"] == plan_format().header.size


def test_bad_magic(kws_plan):
    err = _load_error(b"XXXX" + kws_plan.blob[4:])
    assert err.status == "TH_ERR_BAD_MAGIC" and "byte offset 0" in str(err)


def test_newer_major_version(kws_plan):
    err = _load_error(patched(kws_plan.blob, 4, "H", 99))
    assert err.status == "TH_ERR_VERSION" and err.details["got"] == 99


def test_a_version_1_plan_is_refused_naming_both_versions(kws_plan):
    # Version 1 plans had three fixed input slots per op; this engine reads operand lists (2.0).
    err = _load_error(patched(kws_plan.blob, 4, "H", 1))
    assert err.status == "TH_ERR_VERSION"
    assert "format version 1.x" in str(err) and "reads version 4.0" in str(err), str(err)


def test_a_version_3_plan_is_refused(kws_plan):
    # Version 3 plans stored two int32s per channel's requantization and six dims in every tensor record.
    err = _load_error(patched(kws_plan.blob, 4, "H", 3))
    assert err.status == "TH_ERR_VERSION" and err.details["expected"] == 4 and err.details["got"] == 3
    assert "format version 3.x" in str(err) and "reads version 4.0" in str(err), str(err)


def test_flipped_weight_byte_fails_crc(kws_plan):
    blob = bytearray(kws_plan.blob)
    blob[-50] ^= 0x10
    err = _load_error(bytes(blob))
    assert err.status == "TH_ERR_CRC" and "expected" in str(err)


def test_arena_too_small_reports_the_size_needed(kws_plan):
    err = _load_error(kws_plan.blob, arena_bytes=kws_plan.arena_bytes - 1)
    assert err.status == "TH_ERR_ARENA_TOO_SMALL"
    assert err.details["expected"] == kws_plan.arena_bytes
    assert err.details["got"] == kws_plan.arena_bytes - 1


def test_bad_op_parameter_names_the_op(kws_plan):
    parsed = parse_plan(kws_plan.blob)
    conv = next(i for i, op in enumerate(parsed.ops) if op["op_type"] == plan_format().op_ids["CONV_2D"])
    stride_h_at = parsed.params_offset(conv) + 4 * plan_format().op_params["CONV_2D"].fields.index("stride_h")
    err = _load_error(patched(kws_plan.blob, stride_h_at, "i", 0))
    assert err.status == "TH_ERR_BAD_PARAMS"
    assert err.details["op_index"] == conv and f"op {conv} (CONV_2D)" in str(err)
    assert "param stride_h: expected 1, got 0" in str(err)


def test_tensor_index_out_of_range(kws_plan):
    parsed = parse_plan(kws_plan.blob)
    at = parsed.op_offset(2) + 4  # input0
    err = _load_error(patched(kws_plan.blob, at, "H", 5000))
    assert err.status == "TH_ERR_BOUNDS" and err.details["op_index"] == 2 and err.details["got"] == 5000


def test_tensor_dims_reaching_past_the_arena_are_refused(kws_plan):
    """A record stores dims, not a byte size: the size they imply must fit the tensor's storage."""
    parsed = parse_plan(kws_plan.blob)
    err = _load_error(patched(kws_plan.blob, parsed.dim_offset(0, 1), "i", 1 << 20))
    assert err.status == "TH_ERR_BOUNDS" and err.details["tensor_index"] == 0


def test_tensor_dims_outside_the_dims_list_are_refused(kws_plan):
    parsed = parse_plan(kws_plan.blob)
    record = plan_format().tensor
    at = parsed.tensor_offset(0) + struct.calcsize("<" + record.codes[:record.fields.index("first_dim")])
    err = _load_error(patched(kws_plan.blob, at, "H", parsed.header["num_dims"] - 1))
    assert err.status == "TH_ERR_BOUNDS" and err.details["tensor_index"] == 0 and err.details["byte_offset"] == at


def test_unknown_op_type(kws_plan):
    parsed = parse_plan(kws_plan.blob)
    err = _load_error(patched(kws_plan.blob, parsed.op_offset(0), "H", 200))
    assert err.status == "TH_ERR_BAD_OP" and err.details["got"] == 200


def test_two_models_side_by_side_match_their_solo_runs():
    """Self-consistency: no state shared between models (each against TFLM is tests/model/test_models.py)."""
    plans = {name: compile_model(STANDINS[name](), name=name) for name in ("kws", "ad")}
    solo = {}
    for name, plan in plans.items():
        xs = random_inputs([t.shape for t in plan.inputs], 3)
        solo[name] = (xs, HostEngine(plan.blob).run(xs))
    engines = {name: HostEngine(plan.blob) for name, plan in plans.items()}
    for _ in range(2):
        for name, engine in engines.items():
            xs, expected = solo[name]
            assert_same_outputs(engine.run(xs), expected, f"{name} beside another model")


def test_profiler_hooks_bracket_every_op_in_order(kws_plan):
    engine = HostEngine(kws_plan.blob)
    events = trace_ops(engine, random_inputs([t.shape for t in kws_plan.inputs], 0))
    op_ids = plan_format().op_ids
    expected = []
    for op in kws_plan.ops:
        expected += [("begin", op.index, op_ids[op.type]), ("end", op.index, op_ids[op.type])]
    assert events == expected
    # trace_ops removed the profiler: another run adds no events.
    engine.run(random_inputs([t.shape for t in kws_plan.inputs], 0))
    assert len(events) == len(expected)


@pytest.mark.parametrize("case", ["conv_2d/s16_int64_bias", "softmax/s16_basic", "add/s16_same_shape",
                                  "average_pool_2d/s16_basic"])
def test_an_int8_only_build_refuses_a_16x8_plan_at_load(case):
    """TH_OPS_INT16=0 (the build for int8 op sets) leaves the 16x8 paths out: an int16 plan is
    refused at load with the tensor's type named, never run through the int8 kernels."""
    from hil.engine.host import run_sanitized
    from hil.engine.op_set import INT8_ONLY_DEFINES
    from hil.errors import EngineError
    from hil.modelgen.zoo import all_cases
    cases = all_cases()
    name = case if case in cases else next(n for n in sorted(cases) if n.startswith(case.split("/")[0] + "/s16"))
    plan = compile_model(cases[name]())
    batch = [random_inputs(plan.inputs, 0)]
    run_sanitized(plan.blob, batch)   # the default build runs it
    with pytest.raises(EngineError, match="load: TH_ERR_BAD_TENSOR.*field=7"):
        run_sanitized(plan.blob, batch, defines=INT8_ONLY_DEFINES)


def test_a_misaligned_arena_tensor_is_refused():
    """Kernels read whole elements: an int16 activation at an odd arena offset is refused at load."""
    from hil.compiler.plan_format import with_tensor_fields
    from hil.modelgen.zoo import all_cases
    blob = compile_model(all_cases()["conv_2d/s16_int64_bias_relu"]()).blob
    parsed = parse_plan(blob)
    t = next(i for i, rec in enumerate(parsed.tensors) if rec["storage"] == 0 and rec["dtype"] == 3)
    err = _load_error(with_tensor_fields(blob, t, offset=parsed.tensors[t]["offset"] + 1))
    assert err.status == "TH_ERR_BAD_TENSOR" and err.details["tensor_index"] == t
    assert err.details["expected"] == 2 and err.details["got"] == 1
