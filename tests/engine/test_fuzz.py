"""Plan fuzzing under AddressSanitizer + UndefinedBehaviorSanitizer: thousands of
truncated, bit-flipped and random plans per run give error codes, never a crash."""
import pytest

from hil.compiler import compile_model
from hil.engine.fuzz import build_libfuzzer_target, fuzz_plans
from hil.modelgen.mlperf import STANDINS
from hil.modelgen.zoo import all_cases

ITERATIONS_PER_SEED = 1500


@pytest.fixture(scope="module")
def seed_plans():
    cases = all_cases()
    # One small case per op kind keeps every validator in reach; kws adds a whole network.
    picked = {}
    for name, build in sorted(cases.items()):
        picked.setdefault(name.split("/")[0], build)
    return [compile_model(build()).blob for build in picked.values()] + [compile_model(STANDINS["kws"]()).blob]


def test_mutated_plans_never_crash(seed_plans):
    counts = fuzz_plans(seed_plans, ITERATIONS_PER_SEED, seed=2026)
    total = sum(counts.values())
    assert total == ITERATIONS_PER_SEED * len(seed_plans)
    # The mutants must reach past the checksum into the structural checks.
    reached = {k for k, v in counts.items() if v}
    assert {"TH_ERR_CRC", "TH_ERR_TRUNCATED", "TH_ERR_BAD_TENSOR", "TH_ERR_BAD_OP"} <= reached, counts
    assert any(k in reached for k in ("TH_ERR_BAD_PARAMS", "TH_ERR_SHAPE")), counts


def test_libfuzzer_target_builds_and_runs(tmp_path, seed_plans, require_tool):
    import subprocess
    require_tool("clang")
    target = build_libfuzzer_target()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, blob in enumerate(seed_plans):
        (corpus / f"seed{i}").write_bytes(blob)
    result = subprocess.run([str(target), "-runs=3000", "-seed=1", str(corpus)], capture_output=True, text=True,
                            env={"ASAN_OPTIONS": "detect_leaks=0", "PATH": "/usr/bin:/bin"}, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 3000 runs" in result.stderr
