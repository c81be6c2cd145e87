"""The `hil` command line contract: JSON keys, exit codes, one-line errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

from hil.modelgen.builder import ModelBuilder
from hil.modelgen.mlperf import STANDINS


def hil(*args, check_rc=None):
    result = subprocess.run([sys.executable, "-m", "hil.cli", *map(str, args)], capture_output=True, text=True,
                            timeout=600)
    if check_rc is not None:
        assert result.returncode == check_rc, result.stderr
    return result


@pytest.fixture(scope="module")
def kws_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "kws.tflite"
    path.write_bytes(STANDINS["kws"]())
    return path


def test_compile_json_contract(kws_file, tmp_path):
    out = tmp_path / "kws.plan"
    r = hil("compile", kws_file, "-o", out, "--json", check_rc=0)
    d = json.loads(r.stdout)
    for key in ("arena_bytes", "live_lower_bound_bytes", "weights_bytes", "plan_bytes", "macs", "ops"):
        assert key in d
    assert d["plan_bytes"] == out.stat().st_size
    assert d["ops"][0] == "CONV_2D" and d["ops"][-1] == "SOFTMAX"
    assert d["macs"] == 2_656_768


# Prints the C array and its size variables as a C compiler reads them.
DUMP_PLAN_C = """\
#include <stdint.h>
#include <stdio.h>
extern const uint32_t tinyhil_plan_bytes, tinyhil_plan_arena_bytes;
extern const uint8_t tinyhil_plan[];
int main(void) {
    fprintf(stderr, "%u %u\\n", (unsigned)tinyhil_plan_bytes, (unsigned)tinyhil_plan_arena_bytes);
    return fwrite(tinyhil_plan, 1, tinyhil_plan_bytes, stdout) == tinyhil_plan_bytes ? 0 : 1;
}
"""


def test_compile_table_and_c_source(kws_file, tmp_path, require_tool):
    c_file, plan_file = tmp_path / "plan.c", tmp_path / "p.plan"
    r = hil("compile", kws_file, "-o", plan_file, "--c-source", c_file, "--json", check_rc=0)
    summary = json.loads(r.stdout)
    # The C array holds exactly the plan's bytes: compile it for this machine and read it back.
    cc = require_tool("cc")
    (tmp_path / "dump.c").write_text(DUMP_PLAN_C)
    subprocess.run([cc, "-std=c99", str(c_file), str(tmp_path / "dump.c"), "-o", str(tmp_path / "dump")], check=True)
    dumped = subprocess.run([str(tmp_path / "dump")], capture_output=True, check=True)
    assert dumped.stdout == plan_file.read_bytes()
    assert dumped.stderr.decode().split() == [str(plan_file.stat().st_size), str(summary["arena_bytes"])]
    # ... and it builds for the boards.
    require_tool("arm-none-eabi-gcc")
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-c", str(c_file), "-o",
                    str(tmp_path / "plan.o")], check=True)


def test_compile_prints_a_table_of_ops(kws_file, tmp_path):
    r = hil("compile", kws_file, check_rc=0)
    assert "DEPTHWISE_CONV_2D" in r.stdout and "arena" in r.stdout


def test_run_host_json_contract(kws_file, tmp_path):
    outputs = tmp_path / "out.npy"
    r = hil("run", "--board", "host", "--model", kws_file, "--inputs", 3, "--seed", 5, "--json",
            "--save-outputs", outputs, check_rc=0)
    d = json.loads(r.stdout)
    assert d["inferences"] == 3 and d["byte_equal"] == 3 and d["max_abs_diff"] == 0 and d["top1_agree"] == 3
    assert d["arena_bytes"] > 0
    saved = np.load(outputs)
    assert saved.shape == (3, 1, 12) and saved.dtype == np.int8


def test_run_saves_outputs_dequantized_on_request(kws_file, tmp_path):
    from hil.compiler import compile_model
    out = compile_model(kws_file.read_bytes()).outputs[0]
    hil("run", "--board", "host", "--model", kws_file, "--inputs", 2, "--save-outputs", tmp_path / "q.npy",
        check_rc=0)
    hil("run", "--board", "host", "--model", kws_file, "--inputs", 2, "--save-outputs", tmp_path / "f.npy",
        "--dequantize", check_rc=0)
    q, f = np.load(tmp_path / "q.npy"), np.load(tmp_path / "f.npy")
    assert f.dtype == np.float32 and f.shape == q.shape
    expected = ((q.astype(np.float64) - out.zero_point) * float(np.float32(out.scale))).astype(np.float32)
    assert f.tobytes() == expected.tobytes()


def test_run_with_input_stack(kws_file, tmp_path):
    stack = np.random.default_rng(0).integers(-128, 128, (4, 1, 49, 10, 1), dtype=np.int8)
    np.save(tmp_path / "x.npy", stack)
    d = json.loads(hil("run", "--model", kws_file, "--input", tmp_path / "x.npy", "--json", check_rc=0).stdout)
    assert d["inferences"] == 4 and d["byte_equal"] == 4


def test_input_stack_of_wrong_shape_is_a_clear_error(kws_file, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 7), np.int8))
    r = hil("run", "--model", kws_file, "--input", tmp_path / "x.npy", check_rc=1)
    assert "490 elements" in r.stderr and "Traceback" not in r.stderr


def _unsupported_model(tmp_path):
    b = ModelBuilder()
    x = b.input("x", (1, 8), 0.1, 0)
    y = b.tensor("y", (1, 8), np.int8, 1 / 128, 0)
    b.op("FLOOR", [x], [y])
    b.mark_output(y)
    path = tmp_path / "floor.tflite"
    b.save(path)
    return path


def _float_model(tmp_path):
    b = ModelBuilder()
    x = b.tensor("x", (1, 4), np.float32)
    b.inputs.append(x)
    w = b.const("w", np.ones((2, 4), np.float32))
    y = b.tensor("y", (1, 2), np.float32)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], "FullyConnectedOptions", fused_activation_function=0)
    b.mark_output(y)
    path = tmp_path / "float.tflite"
    b.save(path)
    return path


@pytest.mark.parametrize("command", ["compile", "run"])
@pytest.mark.parametrize("make, words", [(_unsupported_model, ["op 0 (FLOOR)", "not implemented"]),
                                         (_float_model, ["op 0 (FULLY_CONNECTED)", "float32", "integer-only"])])
def test_unsupported_model_exit_2_one_line(tmp_path, command, make, words):
    path = make(tmp_path)
    args = ("compile", path) if command == "compile" else ("run", "--model", path)
    r = hil(*args, check_rc=2)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert r.stdout == ""


def test_not_a_model_exit_2(tmp_path):
    path = tmp_path / "junk.tflite"
    path.write_bytes(b"this is not a flatbuffer at all")
    r = hil("compile", path, check_rc=2)
    assert f"{path} is not a TFLite model" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["compile", "run"])
def test_missing_model_file(tmp_path, command):
    path = tmp_path / "nope.tflite"
    r = hil(*(("compile", path) if command == "compile" else ("run", "--model", path)), check_rc=2)
    assert "cannot read model" in r.stderr and "Traceback" not in r.stderr


def test_unknown_board(kws_file):
    r = hil("run", "--board", "nonesuch", "--model", kws_file, check_rc=1)
    assert "unknown board 'nonesuch'" in r.stderr and "host" in r.stderr


def test_hil_ops_lists_every_tflite_builtin_with_what_the_engine_does(capsys):
    from hil.cli import main
    from hil.compiler.ops import PREPARE
    from hil.compiler.op_support import builtin_ops
    assert main(["ops", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["op"] for r in rows} == set(builtin_ops()) and len(rows) > 150
    by_name = {r["op"]: r for r in rows}
    assert {n for n, r in by_name.items() if r["supported"]} == set(PREPARE)
    assert by_name["CONV_2D"]["code"] == 3 and "int8" in by_name["CONV_2D"]["notes"]
    assert "TFLM has no TILE" in by_name["TILE"]["notes"]
    assert all(r["notes"] for r in rows), [r["op"] for r in rows if not r["notes"]]
    assert main(["ops", "--supported"]) == 0
    table = capsys.readouterr().out
    assert f"{len(PREPARE)} of {len(rows)} TFLite builtin operators supported" in table
    assert "| 3 | CONV_2D | yes |" in table and "TILE" not in table


def _two_in_two_out_model(path):
    """y0 = x0 + x1 and y1 = x0 + y0, with different scales: two inputs, two outputs."""
    b = ModelBuilder("two in, two out")
    x0 = b.input("x0", (1, 4, 4, 8), 0.05, 3)
    x1 = b.input("x1", (1, 4, 4, 8), 0.02, -7)
    y0 = b.tensor("y0", (1, 4, 4, 8), scale=0.07, zero_point=1)
    b.op("ADD", [x0, x1], [y0], "AddOptions", fused_activation_function=0)
    y1 = b.tensor("y1", (1, 4, 4, 8), scale=0.11, zero_point=-2)
    b.op("ADD", [x0, y0], [y1], "AddOptions", fused_activation_function=0)
    b.mark_output(y0)
    b.mark_output(y1)
    path.write_bytes(b.build())
    return path


def test_run_takes_one_input_per_model_input_and_saves_every_output(tmp_path):
    model = _two_in_two_out_model(tmp_path / "m.tflite")
    rng = np.random.default_rng(3)
    a = rng.integers(-128, 128, (3, 1, 4, 4, 8), dtype=np.int8)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", rng.integers(-128, 128, (3, 1, 4, 4, 8), dtype=np.int8))
    d = json.loads(hil("run", "--board", "host", "--model", model, "--input", tmp_path / "a.npy", "--input",
                       tmp_path / "b.npy", "--save-outputs", tmp_path / "out.npz", "--json", check_rc=0).stdout)
    assert d["inferences"] == 3 and d["byte_equal"] == 3
    saved = np.load(tmp_path / "out.npz")
    assert sorted(saved.files) == ["out0", "out1"] and saved["out1"].shape == (3, 1, 4, 4, 8)
    from hil.model.golden import TflmReference
    golden = TflmReference(model.read_bytes()).run([a[0], np.load(tmp_path / "b.npy")[0]])
    assert saved["out0"][0].tobytes() == golden[0].tobytes() and saved["out1"][0].tobytes() == golden[1].tobytes()
    # One --input for a two-input model names both inputs.
    r = hil("run", "--board", "host", "--model", model, "--input", tmp_path / "a.npy", check_rc=1)
    assert "the model has 2 inputs (0: 'x0' [1, 4, 4, 8], 1: 'x1' [1, 4, 4, 8])" in r.stderr


def test_float_input_data_for_an_int8_model_is_quantized_and_said_so(kws_file, tmp_path):
    np.save(tmp_path / "x.npy", np.random.default_rng(1).normal(size=(2, 1, 49, 10, 1)).astype(np.float32))
    r = hil("run", "--board", "host", "--model", kws_file, "--input", tmp_path / "x.npy", "--json", check_rc=0)
    assert json.loads(r.stdout)["byte_equal"] == 2
    assert "float data quantized to int8 with input 0's scale" in r.stderr


def test_the_readme_shows_the_current_op_table(capsys):
    """The README's operator table is `hil ops --supported` as it prints today."""
    from hil.cli import main
    from hil.paths import REPO_ROOT
    assert main(["ops", "--supported"]) == 0
    table = capsys.readouterr().out.strip()
    assert table in (REPO_ROOT / "README.md").read_text(), "README.md's operator table is stale: paste `hil ops --supported`"
