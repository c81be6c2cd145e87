"""hil bench's per-op-type table: sums per op type, instructions per MAC, the CMSIS-NN figures beside."""
from __future__ import annotations

from types import SimpleNamespace

from hil.bench import build_comparison, format_per_op_table, kernel_builds_to_bench, peer_figures, per_op_type


def _plan(macs):
    return SimpleNamespace(ops=[SimpleNamespace(index=i, macs=m) for i, m in enumerate(macs)])


def test_per_op_type_sums_each_type():
    per_op = [{"index": 0, "type": "CONV_2D", "instructions": 300}, {"index": 1, "type": "ADD", "instructions": 50},
              {"index": 2, "type": "CONV_2D", "instructions": 100}]
    table = per_op_type(per_op, _plan([100, 0, 100]))
    assert table["CONV_2D"] == {"ops": 2, "instructions": 400, "macs": 200, "instructions_per_mac": 2.0}
    assert table["ADD"]["instructions_per_mac"] is None and table["ADD"]["ops"] == 1


def test_the_per_op_table_sets_our_figures_beside_cmsis_nn():
    peer = peer_figures()["per_op"]["cmsis_nn"]
    ours = {"DEPTHWISE_CONV_2D": {"ops": 13, "instructions": 2_000_000, "macs": 798_336,
                                  "instructions_per_mac": 2_000_000 / 798_336},
            "SOFTMAX": {"ops": 1, "instructions": 1500, "macs": 0, "instructions_per_mac": None}}
    text = format_per_op_table([{"board": "qemu-netduinoplus2", "model": "vww", "per_op_type": ours}])
    row = next(line for line in text.splitlines() if "DEPTHWISE_CONV_2D" in line)
    ratio = (2_000_000 / 798_336) / peer["vww"]["DEPTHWISE_CONV_2D"]["instructions_per_mac"]
    assert "2.51" in row and f"{ratio:.2f}x" in row
    assert next(line for line in text.splitlines() if "SOFTMAX" in line).rstrip().endswith("-")
    # Another board has no peer figures of its own: no ratio against the netduinoplus2 ones.
    other = format_per_op_table([{"board": "qemu-mps3-an547", "model": "vww", "per_op_type": ours}])
    assert "x" not in next(line for line in other.splitlines() if "DEPTHWISE_CONV_2D" in line).split()[-1]


def test_a_board_with_several_fast_kernel_builds_benches_each():
    # Helium beside the Cortex-M4 DSP build on the Cortex-M55; one build elsewhere.
    assert kernel_builds_to_bench("qemu-mps3-an547", None) == ["mve", "dsp"]
    assert kernel_builds_to_bench("qemu-netduinoplus2", None) == [None]
    assert kernel_builds_to_bench("host", None) == [None]
    assert kernel_builds_to_bench("qemu-mps3-an547", ["reference"]) == ["reference"]


def test_builds_of_one_board_are_compared_per_model():
    rows = [{"board": "qemu-mps3-an547", "kernels": "mve", "model": "vww", "instructions": 4_000_000},
            {"board": "qemu-mps3-an547", "kernels": "dsp", "model": "vww", "instructions": 13_921_108},
            {"board": "qemu-netduinoplus2", "kernels": "default", "model": "vww", "instructions": 13_941_867}]
    assert build_comparison(rows) == ["qemu-mps3-an547 vww: mve 0.29x the dsp build's 13,921,108 instructions"]


def test_results_name_a_non_default_kernel_build_with_the_board():
    from hil.backends import SessionOptions
    from hil.session import Session
    assert Session("qemu-mps3-an547").label == "qemu-mps3-an547"
    assert Session("qemu-mps3-an547", SessionOptions(kernels="mve")).label == "qemu-mps3-an547"
    assert Session("qemu-mps3-an547", SessionOptions(kernels="dsp")).label == "qemu-mps3-an547+dsp"
    assert Session("host").label == "host"
