"""Generated models: the MLPerf stand-ins mirror the real models and quantize sensibly;
every op-zoo case loads and runs in TFLM; generation is deterministic."""
from __future__ import annotations

import numpy as np
import pytest
from tflite_micro.python.tflite_micro import runtime

from hil.modelgen import mlperf, zoo
from hil.modelgen.generate import generate_all
from hil.paths import SHARED_MODELS_DIR
from hil.model.tflite import Graph, load_graph

STANDIN_NAMES = sorted(mlperf.STANDINS)
ARENA_BYTES = 2 * 1024 * 1024

# MACs of the real models, as published in ../shared/models/README.md; kept here
# so a fresh clone still checks that the stand-ins cost what the real ones do.
PUBLISHED_MACS = {"vww": 7_489_664, "kws": 2_656_768, "ic": 12_501_632, "ad": 264_192}


@pytest.fixture(scope="module")
def standin_bytes() -> dict[str, bytes]:
    return {name: make() for name, make in mlperf.STANDINS.items()}


def multiply_accumulates(graph: Graph) -> int:
    total = 0
    for op in graph.ops:
        if op.type not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        weights = graph.tensors[op.inputs[1]].shape
        outputs = int(np.prod(graph.tensors[op.outputs[0]].shape))
        if op.type == "CONV_2D":          # OHWI: each output sums KH*KW*I products
            total += outputs * weights[1] * weights[2] * weights[3]
        elif op.type == "DEPTHWISE_CONV_2D":
            total += outputs * weights[1] * weights[2]
        else:                             # (out, in)
            total += outputs * weights[1]
    return total


def topology(graph: Graph) -> list[tuple]:
    """What must match the real model: op types and options, and per operand its shape,
    type, quantization granularity and whether it is constant (not the values)."""
    def operand(index: int):
        if index < 0:
            return None
        t = graph.tensors[index]
        granularity = None
        if t.scale is not None:
            granularity = f"per-channel dim {t.quantized_dimension}" if t.per_channel else "per-tensor"
        return t.shape, t.type_name, granularity, t.is_constant
    return [(op.type, op.options, [operand(i) for i in op.inputs], [operand(o) for o in op.outputs])
            for op in graph.ops]


NUMPY_TYPES = {"INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "UINT8": np.uint8, "FLOAT32": np.float32}


def random_inputs(graph: Graph, rng: np.random.Generator) -> list[np.ndarray]:
    arrays = []
    for index in graph.inputs:
        t = graph.tensors[index]
        dtype = np.dtype(NUMPY_TYPES[t.type_name])
        if dtype.kind == "f":
            arrays.append(rng.standard_normal(t.shape).astype(dtype))
        else:
            info = np.iinfo(dtype)
            lo, hi = max(info.min, -1000), min(info.max, 1000)   # int32 inputs are often indices or shapes
            arrays.append(rng.integers(lo, hi, size=t.shape, endpoint=True).astype(dtype))
    return arrays


def run_tflm(model: bytes, inputs: list[np.ndarray], preserve_all: bool = False):
    config = (runtime.InterpreterConfig.kPreserveAllTensors if preserve_all
              else runtime.InterpreterConfig.kAllocationRecording)
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=ARENA_BYTES, intrepreter_config=config)
    for position, array in enumerate(inputs):
        interpreter.set_input(array, position)
    interpreter.invoke()
    return interpreter


# -- determinism ----------------------------------------------------------------

@pytest.mark.parametrize("name", STANDIN_NAMES)
def test_standin_is_deterministic_per_seed(name, standin_bytes):
    make = mlperf.STANDINS[name]
    assert make() == standin_bytes[name], "same seed must give the same bytes"
    assert getattr(mlperf, name)(seed=1) != standin_bytes[name], "another seed must give other weights"


def test_registry_names_real_counterparts():
    assert set(mlperf.REAL_MODEL_FILES) == set(mlperf.STANDINS)


# -- topology -------------------------------------------------------------------

@pytest.mark.parametrize("name", STANDIN_NAMES)
def test_standin_costs_the_published_macs(name, standin_bytes):
    assert multiply_accumulates(load_graph(standin_bytes[name])) == PUBLISHED_MACS[name]


@pytest.mark.shared
@pytest.mark.parametrize("name", STANDIN_NAMES)
def test_standin_topology_equals_real_model(name, standin_bytes):
    real_path = SHARED_MODELS_DIR / mlperf.REAL_MODEL_FILES[name]
    if not real_path.is_file():
        pytest.skip(f"../shared/models not present: {real_path} is missing (a fresh clone has no reference models)")
    real, ours = load_graph(real_path), load_graph(standin_bytes[name])
    real_ops, our_ops = topology(real), topology(ours)
    assert [op[0] for op in our_ops] == [op[0] for op in real_ops]
    for index, (mine, theirs) in enumerate(zip(our_ops, real_ops)):
        assert mine == theirs, f"op {index} ({theirs[0]}) differs from {real_path.name}"
    real_in, our_in = real.tensors[real.inputs[0]], ours.tensors[ours.inputs[0]]
    assert (our_in.shape, our_in.type_name) == (real_in.shape, real_in.type_name)
    assert our_in.scale.tolist() == real_in.scale.tolist()
    assert our_in.zero_point.tolist() == real_in.zero_point.tolist()
    assert [ours.tensors[i].shape for i in ours.outputs] == [real.tensors[i].shape for i in real.outputs]


@pytest.mark.parametrize("name", STANDIN_NAMES)
def test_per_channel_fc_option(name):
    graph = load_graph(getattr(mlperf, name)(per_channel_fc=True))
    for op in graph.ops:
        if op.type == "FULLY_CONNECTED":
            weights, bias = graph.tensors[op.inputs[1]], graph.tensors[op.inputs[2]]
            assert weights.scale.size == weights.shape[0] and weights.quantized_dimension == 0
            assert bias.scale.size == weights.shape[0]


# -- behaviour in TFLM ------------------------------------------------------------

@pytest.mark.parametrize("name", STANDIN_NAMES)
def test_standin_outputs_vary_across_random_inputs(name, standin_bytes):
    model = standin_bytes[name]
    graph = load_graph(model)
    rng = np.random.default_rng(2024)
    outputs = np.array([run_tflm(model, random_inputs(graph, rng)).get_output(0).ravel().copy()
                        for _ in range(8)])
    assert len({row.tobytes() for row in outputs}) >= 6, f"outputs barely depend on the input:\n{outputs}"
    if graph.ops[-1].type == "SOFTMAX":
        assert len(set(outputs.argmax(axis=1))) >= 2, f"every input gets the same class:\n{outputs}"
    else:
        at_rails = np.mean((outputs == -128) | (outputs == 127))
        assert at_rails < 0.01, f"{at_rails:.1%} of outputs saturate"


@pytest.mark.parametrize("name", STANDIN_NAMES)
def test_standin_activations_use_their_int8_range(name, standin_bytes):
    """Calibration worked: no activation is stuck or clipping on random inputs."""
    model = standin_bytes[name]
    graph = load_graph(model)
    rng = np.random.default_rng(7)
    samples: dict[int, list[np.ndarray]] = {}
    for _ in range(4):
        interpreter = run_tflm(model, random_inputs(graph, rng), preserve_all=True)
        for op in graph.ops:
            index = op.outputs[0]
            samples.setdefault(index, []).append(np.asarray(interpreter.GetTensor(index, 0)["tensor_data"]).ravel())
    for op in graph.ops[:-1] if graph.ops[-1].type == "SOFTMAX" else graph.ops:
        values = np.concatenate(samples[op.outputs[0]])
        label = f"op {op.index} {op.type} output"
        assert values.std() >= 4, f"{label} is nearly constant (std {values.std():.1f} LSB)"
        assert np.mean(values == 127) < 0.05, f"{label} clips at +127 in {np.mean(values == 127):.1%}"


# -- op zoo -----------------------------------------------------------------------

def _zoo_case_names() -> list[str]:
    try:
        return list(zoo.all_cases())
    except Exception as exc:  # surface a broken zoo module as a failing test, not a collection error
        return [f"<zoo import failed: {type(exc).__name__}: {exc}>"]


ZOO_CASES = _zoo_case_names()


def test_the_op_zoo_has_cases_for_every_op():
    """The op tests and the on-target tests iterate the zoo: an empty zoo would make them vacuous."""
    ops = {name.split("/")[0] for name in ZOO_CASES}
    assert ops >= {"add", "average_pool_2d", "conv_2d", "depthwise_conv_2d", "fully_connected", "max_pool_2d",
                   "mean", "reshape", "softmax"}, ZOO_CASES


@pytest.mark.parametrize("case", ZOO_CASES)
def test_zoo_case_loads_and_runs_in_tflm(case):
    cases = zoo.all_cases()
    assert case in cases, case
    model = cases[case]()
    graph = load_graph(model)
    interpreter = run_tflm(model, random_inputs(graph, np.random.default_rng(0)))
    assert graph.outputs, f"{case} has no outputs"
    for position, index in enumerate(graph.outputs):
        want = graph.tensors[index]
        got = interpreter.get_output(position)
        assert (tuple(got.shape), got.dtype) == (tuple(want.shape), np.dtype(NUMPY_TYPES[want.type_name])), (
            f"{case} output {position}: TFLM gives {got.dtype}{list(got.shape)}, "
            f"the graph says {want.type_name}{list(want.shape)}")


# -- generate_all -----------------------------------------------------------------

def test_generate_all_writes_then_skips_identical_files(tmp_path, capsys):
    paths = generate_all(tmp_path, only=["vww", "ad"])
    assert [p.name for p in paths] == ["vww.tflite", "ad.tflite"]
    assert paths[0].read_bytes() == mlperf.vww()
    first_mtimes = [p.stat().st_mtime_ns for p in paths]
    capsys.readouterr()
    generate_all(tmp_path, only=["vww", "ad"])
    assert "unchanged" in capsys.readouterr().err
    assert [p.stat().st_mtime_ns for p in paths] == first_mtimes
    assert not list(tmp_path.glob(".*.tmp")), "temporary files left behind"
