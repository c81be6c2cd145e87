"""The random-configuration sweep (python -m hil.modelgen.sweep) on a few cases per op: every draw
builds, compiles or is refused with a reason, and runs byte-equal with TFLM."""
from __future__ import annotations

from hil.modelgen import sweep

OPS_WITHOUT_RANDOM_CASE = {"activations", "binary", "_random"}   # shared helpers, no op of their own


def test_every_op_zoo_module_draws_random_cases():
    import pkgutil

    from hil.modelgen import zoo
    modules = {m.name for m in pkgutil.iter_modules(zoo.__path__)}
    assert set(sweep.generators()) == modules - OPS_WITHOUT_RANDOM_CASE


def test_cases_are_reproducible_from_op_index_and_seed():
    make = sweep.generators()["conv_2d"]
    first = make(sweep.case_rng(0, "conv_2d", 5))
    assert make(sweep.case_rng(0, "conv_2d", 5)) == first
    assert make(sweep.case_rng(1, "conv_2d", 5)) != first
    assert make(sweep.case_rng(0, "conv_2d", 6)) != first


def test_two_cases_per_op_match_tflm():
    ops = sorted(sweep.generators())
    report = sweep.sweep(2 * len(ops), seed=0, sanitize_every=len(ops))   # one op's cases also run sanitized
    assert [r.op for r in report.results] == ops + ops
    assert sum(r.sanitized for r in report.results) == 2
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
