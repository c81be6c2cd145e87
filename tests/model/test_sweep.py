"""The random-configuration sweep (python -m hil.sweep) on a few cases per op: every draw
builds, compiles or is refused with a reason, and runs byte-equal with TFLM."""
from __future__ import annotations

from hil import sweep

# The op-zoo modules with random_case when the sweep was written; modules added later should join.
SWEPT = {"add", "average_pool_2d", "batch_matmul", "concatenation", "conv_2d", "depth_to_space", "depthwise_conv_2d",
         "expand_dims", "fully_connected", "gather", "hard_swish", "leaky_relu", "logistic", "max_pool_2d", "maximum",
         "mean", "minimum", "mul", "pack", "pad", "padv2", "prelu", "quantize", "relu", "relu6", "reshape",
         "resize_bilinear", "resize_nearest_neighbor", "slice", "softmax", "split", "squared_difference", "squeeze",
         "strided_slice", "sub", "tanh", "transpose", "transpose_conv"}


def test_the_op_zoo_modules_draw_random_cases():
    assert SWEPT <= set(sweep.generators()), f"no random_case in {sorted(SWEPT - set(sweep.generators()))}"


def test_cases_are_reproducible_from_op_index_and_seed():
    make = sweep.generators()["conv_2d"]
    first = make(sweep.case_rng(0, "conv_2d", 5))
    assert make(sweep.case_rng(0, "conv_2d", 5)) == first
    assert make(sweep.case_rng(1, "conv_2d", 5)) != first
    assert make(sweep.case_rng(0, "conv_2d", 6)) != first


def test_two_cases_per_op_match_tflm():
    ops = sorted(sweep.generators())
    report = sweep.sweep(2 * len(ops), seed=0, sanitize_every=2)   # each op's case 0 also runs sanitized
    assert [r.op for r in report.results] == ops + ops
    sanitized = [(r.op, r.index) for r in report.results if r.sanitized]
    assert sanitized == [(r.op, 0) for r in report.results if r.index == 0 and r.outcome == "equal"]
    assert len(sanitized) >= 0.8 * len(ops)
    assert report.ok, "\n".join(f"{r.op}:{r.index} {r.outcome}: {r.description}: {r.detail}" for r in report.failures)
    totals = report.totals()
    assert totals["equal"] >= 0.8 * totals["cases"], report.table()


def test_a_difference_is_reported_with_what_reproduces_it(monkeypatch):
    """A stand-in engine that flips one output byte must be counted as a difference naming op, index and input."""
    from hil.engine import host

    class OffByOne(host.HostEngine):
        def run(self, inputs):
            outputs = super().run(inputs)
            outputs[0].reshape(-1)[0] ^= 1
            return outputs

    monkeypatch.setattr(host, "HostEngine", OffByOne)
    result = sweep.run_case("relu", sweep.generators()["relu"], seed=0, index=3)
    assert result.outcome == "differ"
    assert "input seed" in result.detail and "expected" in result.detail and "flat index 0" in result.detail
    assert sweep.main(["--only-case", "relu:3", "--sanitize-every", "0"]) == 1


def test_refusals_are_not_passes():
    """A random LEAKY_RELU with a negative alpha is refused by the compiler, counted as such, and TFLM runs it."""
    make = sweep.generators()["leaky_relu"]
    refused = next(r for r in (sweep.run_case("leaky_relu", make, 0, i) for i in range(200))
                   if r.outcome == "refused_compiler")
    assert "alpha" in refused.detail and refused.tflm_runs is True
    report = sweep.SweepReport(0, [refused])
    assert report.ok and report.totals()["equal"] == 0


def test_schedule_is_round_robin():
    assert sweep.schedule(["a", "b", "c"], 7) == [("a", 0), ("b", 0), ("c", 0), ("a", 1), ("b", 1), ("c", 1), ("a", 2)]


VARIANT_OPS = ["add", "conv_2d", "depthwise_conv_2d", "fully_connected"]


def test_cases_run_through_the_portable_kernel_variants(monkeypatch):
    """--kernels dsp|mve: every case also runs on that variant's sanitized host build, and matches TFLM."""
    from hil.engine import host

    builds = []
    real = host.run_sanitized

    def recording(*args, **kwargs):
        builds.append(kwargs.get("defines"))
        return real(*args, **kwargs)

    monkeypatch.setattr(host, "run_sanitized", recording)
    for kernels, define in (("dsp", "TH_KERNELS_DSP_PORTABLE"), ("mve", "TH_KERNELS_MVE_PORTABLE")):
        builds.clear()
        report = sweep.sweep(2 * len(VARIANT_OPS), seed=5, ops=VARIANT_OPS, kernels=kernels)
        assert report.ok, "\n".join(f"{r.op}:{r.index} {r.outcome}: {r.detail}" for r in report.failures)
        ran = [r for r in report.results if r.outcome == "equal"]
        assert len(ran) >= 6 and all(r.sanitized for r in ran), report.table()
        assert builds == [(define,)] * len(ran)
        assert report.as_dict()["kernels"] == kernels


def test_a_difference_in_a_variant_build_is_reported(monkeypatch):
    from hil.engine import host

    def off_by_one(blob, batch, shapes=None, float_io=False, defines=()):
        assert defines == ("TH_KERNELS_MVE_PORTABLE",)
        outputs = [[host.HostEngine(blob).run(xs)[0]] for xs in batch]
        outputs[0][0].reshape(-1)[0] ^= 1
        return outputs

    monkeypatch.setattr(host, "run_sanitized", off_by_one)
    result = sweep.run_case("conv_2d", sweep.generators()["conv_2d"], seed=0, index=1, sanitize=True, kernels="mve")
    assert result.outcome == "differ" and "mve-portable" in result.detail


def test_an_unknown_kernel_build_is_refused():
    import pytest
    with pytest.raises(ValueError, match="kernel build"):
        sweep.sweep(1, kernels="helium")


def test_every_nth_case_of_each_op_also_runs_on_the_board():
    """--board B --board-every N (here the in-process host board, which needs no emulator)."""
    report = sweep.sweep(8, seed=0, ops=["add", "relu"], sanitize_every=0, board="host", board_every=2)
    on_board = [(r.op, r.index) for r in report.results if r.on_board]
    assert on_board == [(r.op, r.index) for r in report.results if r.index % 2 == 0 and r.outcome == "equal"]
    assert len(on_board) >= 3 and report.ok and report.totals()["on_board"] == len(on_board)
