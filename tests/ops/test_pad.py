"""PAD and PADV2: byte equality with TFLM (int8 zoo, int16 and int32), the prepare
arithmetic, TFLM's refusals, and plan validation."""
from __future__ import annotations

import numpy as np
import pytest

from hil.compiler import compile_model
from hil.compiler.ops.pad import prepare_pad
from hil.errors import UnsupportedModelError
from hil.model.tflite import load_graph
from hil.modelgen.builder import ModelBuilder
from hil.modelgen.zoo import pad as pad_zoo, padv2 as padv2_zoo
from hil.modelgen.zoo.pad import pad_model
from tests.opcheck import assert_matches_tflm
from tests.ops._movement import assert_any_dtype_matches_tflm
from tests.ops._unary import assert_bad_params_refused, assert_bad_tensor_refused, plan

CASES = {f"pad/{k}": v for k, v in pad_zoo.CASES.items()} | {f"padv2/{k}": v for k, v in padv2_zoo.CASES.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_zoo_case_matches_tflm(case):
    assert_matches_tflm(CASES[case](), num_inputs=5, seed=0)


@pytest.mark.parametrize("dtype", [np.int16, np.int32])
@pytest.mark.parametrize("op, value", [("PAD", None), ("PADV2", -7)])
def test_int16_and_int32_match_tflm(dtype, op, value):
    # TFLM pads int16/int32 with 0 without a constant, whatever the zero point
    model = pad_model((2, 3, 4), [[1, 0], [0, 2], [3, 1]], scale=0.5, zp=0, op=op, value=value, dtype=dtype)
    assert_any_dtype_matches_tflm(model, dtype)


def test_params_by_hand():
    graph = load_graph(pad_model((1, 4, 5), [[0, 1], [2, 3], [4, 0]], zp=-9))
    p = prepare_pad(graph.ops[0], graph)
    assert p.inputs == [graph.ops[0].inputs[0]]          # the paddings are folded into the params
    assert p.params == {"pad_value": -9, "before0": 0, "after0": 1, "before1": 2, "after1": 3,
                        "before2": 4, "after2": 0, "before3": 0, "after3": 0, "before4": 0, "after4": 0,
                        "before5": 0, "after5": 0}
    graph = load_graph(pad_model((3,), [[1, 1]], op="PADV2", value=-100, zp=20))
    assert prepare_pad(graph.ops[0], graph).params["pad_value"] == -100


def _with_inputs(shape, out_shape, paddings, value=None, value_scale=0.05, paddings_input=False):
    b = ModelBuilder("pad")
    x = b.input("x", shape, 0.05, 0)
    p = (b.input("p", np.shape(paddings), None, None, dtype=np.int32) if paddings_input
         else b.const("p", np.asarray(paddings, np.int32)))
    inputs = [x, p]
    if value is not None:
        inputs.append(b.const("v", np.array([value], np.int8), scale=value_scale, zero_point=0))
    y = b.tensor("y", out_shape, np.int8, 0.05, 0)
    b.op("PADV2" if value is not None else "PAD", inputs, [y])
    b.mark_output(y)
    return b.build()


@pytest.mark.parametrize("model, reason", [
    (lambda: _with_inputs((1, 4), (1, 6), [[0, 0], [1, 1]], paddings_input=True), "paddings .* is not constant"),
    (lambda: pad_model((1, 1, 2, 1, 2, 1), [[0, 0]] * 5 + [[1, 0]]), "TFLM pads up to rank 5"),
    (lambda: _with_inputs((1, 4), (1, 3), [[0, 0], [-1, 0]]), "negative padding"),
    (lambda: _with_inputs((1, 4), (1, 5), [[0, 0], [1, 1]]), "TFLM's PadPrepare check"),
    (lambda: pad_model((1, 4), [[0, 0], [1, 1]], paddings_dtype=np.int64), "TFLM's PadPrepare check"),
    (lambda: _with_inputs((1, 4), (1, 6), [[0, 0], [1, 1]], value=3, value_scale=0.1), "scale .*TFLM requires them equal"),
])
def test_unsupported_pad_is_rejected_with_reason(model, reason):
    with pytest.raises(UnsupportedModelError, match=reason) as info:
        compile_model(model())
    assert "op 0 (PAD" in str(info.value)


def test_tflm_refuses_what_is_refused_for_tflm_reasons():
    from hil.errors import HilError
    from hil.model.golden import TflmReference
    for model in (pad_model((1, 4), [[0, 0], [1, 1]], paddings_dtype=np.int64),
                  _with_inputs((1, 4), (1, 6), [[0, 0], [1, 1]], value=3, value_scale=0.1)):
        with pytest.raises(HilError, match="TFLM could not load"):
            TflmReference(model)


def _plan() -> bytes:
    return plan(pad_model((1, 3, 4, 2), [[0, 0], [1, 2], [0, 1], [0, 0]], zp=5))


@pytest.mark.parametrize("fields, name", [
    ({"before1": -1, "after1": 4}, "before1"),
    ({"after2": 2}, None),                 # the output dim no longer matches: a shape error
    ({"before5": 1}, "before5"),           # padding past the input's rank
    ({"pad_value": 128}, "pad_value"),
    ({"pad_value": -129}, "pad_value"),
])
def test_bad_params_are_refused(fields, name):
    from hil.engine.host import HostEngine
    from hil.compiler.plan_format import params_offset, plan_format, with_record_fields
    from hil.errors import EngineError
    blob = _plan()
    with pytest.raises(EngineError) as info:
        HostEngine(with_record_fields(blob, plan_format().op_params["PAD"], params_offset(blob), **fields))
    if name is None:
        assert info.value.status == "TH_ERR_SHAPE"
    else:
        assert info.value.status == "TH_ERR_BAD_PARAMS" and name in str(info.value)


@pytest.mark.parametrize("tensor, fields, status", [
    (1, {"dim2": 6}, "TH_ERR_SHAPE"),
    (1, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),        # uint8 output of an int8 input
    (0, {"dtype": 4}, "TH_ERR_BAD_TENSOR"),        # uint8 is not a dtype the op copies
    (1, {"rank": 3, "dim0": 6, "dim1": 5, "dim2": 2, "dim3": 1}, "TH_ERR_SHAPE"),
])
def test_bad_tensors_are_refused(tensor, fields, status):
    assert_bad_tensor_refused(_plan(), tensor, fields, status)
