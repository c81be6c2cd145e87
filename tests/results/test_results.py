"""The results history: store, metric registry, regression gates, and their CLI."""
from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hil.cli import main as hil_main
from hil.errors import HilError
from hil.paths import REPO_ROOT
from hil.results import (BaselineFile, Direction, GitState, Metric, MetricRegistry, ResultsStore,
                         check_regressions, default_results_path, render_report)
from hil.results.metrics import change_percent
from hil.results.store import MIGRATIONS, SCHEMA_VERSION

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
COMMIT_A, COMMIT_B = "a" * 40, "b" * 40


def run_result(board="qemu-netduinoplus2", model="vww", instructions=24_100_000, byte_equal=20, **extra):
    """A run-result dict shaped like the one the runners return."""
    result = {"board": board, "model": model, "model_sha256": "1" * 64, "plan_sha256": "2" * 64,
              "inferences": 20, "byte_equal": byte_equal, "max_abs_diff": 0 if byte_equal == 20 else 2,
              "top1_agree": 20, "arena_bytes": 55_296, "plan_bytes": 330_112, "macs": 7_489_664,
              "stack_bytes": 3_104, "ram_bytes": 101_400, "flash_bytes": 412_000}
    if instructions is not None:
        result["instructions"] = [instructions] * 20
        result["per_op"] = [{"index": 0, "type": "CONV_2D", "instructions": instructions - 1_000},
                            {"index": 1, "type": "SOFTMAX", "instructions": 1_000}]
    result.update(extra)
    return result


@pytest.fixture
def store(tmp_path):
    with ResultsStore(tmp_path / "results" / "runs.sqlite") as opened:
        yield opened


# -- store ------------------------------------------------------------------------------------------

def test_round_trip_keeps_every_field_and_orders_by_time(store):
    with store.begin_run(board="qemu-netduinoplus2", runner="qemu", model_name="vww", model_sha256="1" * 64,
                         plan_sha256="2" * 64, build_flags=["-O2", "-mcpu=cortex-m4"],
                         toolchain="arm-none-eabi-gcc 12.2.1", git=GitState(COMMIT_B, True),
                         time_utc=T0 + timedelta(hours=1)) as run:
        run.record_metrics({"instructions_per_inference": 24_100_000, "byte_equal_percent": 95.5,
                            "stack_bytes": None})
        run.record_per_op([{"index": 1, "type": "SOFTMAX", "instructions": 900},
                           {"index": 0, "type": "CONV_2D", "instructions": 24_099_100}])
    with store.begin_run(board="qemu-netduinoplus2", model_name="vww", git=GitState(COMMIT_A, False),
                         time_utc=T0) as earlier:
        earlier.record_metrics({"instructions_per_inference": 24_000_000})

    runs = store.runs("qemu-netduinoplus2", "vww")
    assert [r.git_commit for r in runs] == [COMMIT_A, COMMIT_B]  # time order, not insertion order
    later = runs[1]
    assert later.id == run.id
    assert later.time_utc == "2025-03-01T10:00:00.000000Z"
    assert (later.git_dirty, runs[0].git_dirty) == (True, False)
    assert (later.board, later.runner, later.model_name) == ("qemu-netduinoplus2", "qemu", "vww")
    assert (later.model_sha256, later.plan_sha256) == ("1" * 64, "2" * 64)
    assert later.build_flags == "-O2 -mcpu=cortex-m4"
    assert later.toolchain == "arm-none-eabi-gcc 12.2.1"
    assert later.metrics == {"instructions_per_inference": 24_100_000, "byte_equal_percent": 95.5}
    assert isinstance(later.metrics["instructions_per_inference"], int)
    assert later.per_op == [{"index": 0, "type": "CONV_2D", "instructions": 24_099_100},
                            {"index": 1, "type": "SOFTMAX", "instructions": 900}]
    assert runs[0].runner == "qemu"  # from the board name
    assert store.latest_run("qemu-netduinoplus2", "vww").git_commit == COMMIT_B
    assert store.latest_run("host", "vww") is None
    assert [(p.git_commit, p.value) for p in store.metric_history("qemu-netduinoplus2", "vww",
                                                                   "instructions_per_inference")] == \
        [(COMMIT_A, 24_000_000), (COMMIT_B, 24_100_000)]
    assert store.pairs() == [("qemu-netduinoplus2", "vww")]


def test_record_result_reads_every_registered_metric(store):
    result = run_result(byte_equal=19)
    result["instructions"] = [24_000_100, 24_000_000, 24_000_050]
    run = store.record_result(result, toolchain="gcc 12", git=GitState(None, None))
    assert run.runner == "qemu" and run.git_commit is None and run.git_dirty is None
    assert run.metrics["instructions_per_inference"] == 24_000_050  # the median
    assert run.metrics["byte_equal_percent"] == 95.0
    assert run.metrics["top1_agree_percent"] == 100.0
    for key in ("arena_bytes", "stack_bytes", "ram_bytes", "flash_bytes", "plan_bytes", "macs",
                "inferences", "byte_equal", "top1_agree", "max_abs_diff"):
        assert run.metrics[key] == result[key], key
    assert [op["type"] for op in run.per_op] == ["CONV_2D", "SOFTMAX"]


def test_host_run_without_instruction_counts(store):
    result = {"board": "host", "model": "kws", "inferences": 3, "byte_equal": 3, "top1_agree": 3,
              "max_abs_diff": 0, "arena_bytes": 16_000, "plan_bytes": 80_000}
    run = store.record_result(result)
    assert run.runner == "host"
    assert "instructions_per_inference" not in run.metrics and run.per_op == []


def test_default_path_from_environment_or_current_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("TINYHIL_RESULTS_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_results_path() == tmp_path / "results" / "tinyhil.sqlite"
    with ResultsStore() as store:
        assert store.path == tmp_path / "results" / "tinyhil.sqlite" and store.path.exists()
    monkeypatch.setenv("TINYHIL_RESULTS_DB", str(tmp_path / "deep" / "er" / "x.sqlite"))
    with ResultsStore() as store:
        assert store.path.exists()


def test_wal_mode_is_on(store):
    assert store.journal_mode() == "wal"
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent, in the file
    finally:
        other.close()


def test_an_exception_in_the_block_writes_nothing(store):
    with pytest.raises(RuntimeError):
        with store.begin_run(board="host", model_name="kws") as run:
            run.record_metrics({"arena_bytes": 1})
            raise RuntimeError("the board fell over")
    assert store.runs() == []
    assert run.id is None


def test_bad_measurements_are_rejected_with_one_line(store):
    with store.begin_run(board="host", model_name="kws") as run:
        with pytest.raises(HilError, match="unknown metric 'arena'; known metrics: instructions_per_inference"):
            run.record_metrics({"arena": 1})
        with pytest.raises(HilError, match="must be a number"):
            run.record_metrics({"arena_bytes": "big"})
        with pytest.raises(HilError, match="repeat an op index"):
            run.record_per_op([{"index": 0, "type": "ADD", "instructions": 1}] * 2)
        with pytest.raises(HilError, match="must have 'index', 'type' and 'instructions'"):
            run.record_per_op([{"index": 0}])


def test_readers_do_not_create_a_database(tmp_path):
    with pytest.raises(HilError, match="no results database at .*missing.sqlite"):
        ResultsStore(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("this is not sqlite, just text long enough to fill a header page " * 20)
    with pytest.raises(HilError, match="not a usable results database"):
        ResultsStore(path)


def test_migration_from_schema_version_1(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0]:
        old.execute(statement)
    old.execute("INSERT INTO schema_version VALUES (1)")
    old.execute("INSERT INTO runs (time_utc, git_commit, git_dirty, board, runner, model_name)"
                " VALUES ('2024-12-31T23:59:59.000000Z', ?, 0, 'qemu-netduinoplus2', 'qemu', 'vww')", (COMMIT_A,))
    old.execute("INSERT INTO run_metrics VALUES (1, 'instructions_per_inference', 24100000)")
    old.commit()
    old.close()

    with ResultsStore(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 2
        (kept,) = store.runs()
        assert kept.git_commit == COMMIT_A and kept.metrics == {"instructions_per_inference": 24_100_000}
        assert kept.per_op == []
        with store.begin_run(board="qemu-netduinoplus2", model_name="vww", git=GitState(COMMIT_B, False)) as run:
            run.record_per_op([{"index": 0, "type": "CONV_2D", "instructions": 5}])
        assert store.latest_run().per_op == [{"index": 0, "type": "CONV_2D", "instructions": 5}]
    with ResultsStore(path) as again:  # reopening applies nothing twice
        assert again.schema_version() == SCHEMA_VERSION and len(again.runs()) == 2


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    ResultsStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(HilError, match="schema version 99, newer than this tinyhil understands"):
        ResultsStore(path)


# A child process records one complete run, then is killed with SIGKILL in the middle of a second:
# either inside the `with` block, or after the rows went into the open transaction but before COMMIT.
KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from hil.results.store import GitState, ResultsStore

    class PausingStore(ResultsStore):
        def _insert_run(self, run):
            run_id = super()._insert_run(run)
            if run.identity.model_name == "second":
                print("rows inserted, not committed", flush=True)
                time.sleep(120)
            return run_id

    store = PausingStore(sys.argv[1])
    # A one-page cache makes SQLite spill uncommitted pages into the WAL before COMMIT,
    # so recovery after the kill has real uncommitted frames to discard.
    store._conn.execute("PRAGMA cache_size = 1")
    ops = [{"index": i, "type": "CONV_2D", "instructions": 1000 + i} for i in range(2000)]
    with store.begin_run(board="qemu-netduinoplus2", model_name="first", git=GitState("a" * 40, False)) as run:
        run.record_metrics({"instructions_per_inference": 1})
        run.record_per_op(ops)
    with store.begin_run(board="qemu-netduinoplus2", model_name="second", git=GitState("b" * 40, False)) as run:
        run.record_metrics({"instructions_per_inference": 2, "arena_bytes": 3})
        run.record_per_op(ops)
        if sys.argv[2] == "in-block":
            print("inside the run block", flush=True)
            time.sleep(120)
""")


@pytest.mark.parametrize("moment", ["in-block", "in-transaction"])
def test_kill_9_mid_run_leaves_no_partial_run(tmp_path, moment):
    db = tmp_path / "runs.sqlite"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(db), moment], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, "the writer never reached the point where it is killed"
        line = child.stdout.readline().strip()
        assert line == {"in-block": "inside the run block", "in-transaction": "rows inserted, not committed"}[moment], \
            child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    with ResultsStore(db) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (survivor,) = store.runs()
        assert survivor.model_name == "first" and len(survivor.per_op) == 2000
        counts = [store._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("runs", "run_metrics", "run_ops")]
        assert counts == [1, 1, 2000]  # nothing of the second run anywhere
        with store.begin_run(board="qemu-netduinoplus2", model_name="third") as run:  # still writable
            run.record_metrics({"arena_bytes": 1})
        assert [r.model_name for r in store.runs()] == ["first", "third"]


PARALLEL_WRITER = textwrap.dedent("""
    import sys
    from hil.results.store import GitState, ResultsStore

    with ResultsStore(sys.argv[1]) as store:
        for i in range(25):
            with store.begin_run(board="qemu-netduinoplus2", model_name=sys.argv[2], git=GitState(None, None)) as run:
                run.record_metrics({"instructions_per_inference": i})
""")


def test_parallel_writers_all_get_their_runs_in(tmp_path):
    """Parallel suites (pabot) share one database: writers queue on the lock, none fails."""
    db = tmp_path / "shared.sqlite"
    writers = [subprocess.Popen([sys.executable, "-c", PARALLEL_WRITER, str(db), f"model{i}"], cwd=REPO_ROOT,
                                stderr=subprocess.PIPE, text=True) for i in range(4)]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0] * 4, errors
    with ResultsStore(db) as store:
        assert len(store.runs()) == 100
        assert [p.value for p in store.metric_history("qemu-netduinoplus2", "model3",
                                                      "instructions_per_inference")] == list(range(25))


def test_git_state_of_the_checkout_and_outside_one(tmp_path):
    assert GitState.of(tmp_path) == GitState(None, None)
    state = GitState.of(REPO_ROOT)
    if (REPO_ROOT / ".git").exists():
        assert len(state.commit) == 40 and isinstance(state.dirty, bool)


# -- metrics registry -------------------------------------------------------------------------------

def test_registry_directions_and_tolerances():
    registry = MetricRegistry()
    instructions = registry["instructions_per_inference"]
    assert instructions.direction is Direction.LOWER_IS_BETTER and instructions.tolerance_percent == 1.0
    assert not instructions.regressed(24_100_000, 24_341_000, 1.0)       # +1.00%: at the tolerance
    assert instructions.regressed(24_100_000, 24_342_000, 1.0)
    assert not instructions.regressed(24_100_000, 1, 1.0)                # faster is never a regression
    byte_equal = registry["byte_equal_percent"]
    assert byte_equal.regressed(100.0, 95.0, 0.0) and not byte_equal.regressed(95.0, 100.0, 0.0)
    macs = registry["macs"]
    assert macs.direction is Direction.MUST_EQUAL
    assert macs.regressed(100, 99, 0.0) and macs.regressed(100, 101, 0.0) and not macs.regressed(100, 100, 0.0)
    assert registry["max_abs_diff"].regressed(0, 1, 0.0)                 # growing from zero
    assert change_percent(0, 0) == 0.0 and change_percent(0, 5) == float("inf")
    assert not registry["inferences"].gated
    with pytest.raises(HilError, match="already registered"):
        registry.register(instructions)
    registry.register(Metric("energy_uj", "uJ", Direction.LOWER_IS_BETTER, 2.0, "energy uJ", "energy per inference"))
    assert registry.read_all({"energy_uj": 12.5, "arena_bytes": 7}) == {"energy_uj": 12.5, "arena_bytes": 7}


def test_report_table_renders_runs_and_result_dicts(store):
    store.record_result(run_result(), git=GitState(COMMIT_A, False), time_utc=T0)
    store.record_result(run_result(instructions=25_000_000), git=GitState(COMMIT_B, True), time_utc=T0)
    host = {"board": "host", "model": "kws", "inferences": 2, "byte_equal": 2, "arena_bytes": 16_000}
    table = render_report(store.runs() + [host])
    lines = table.splitlines()
    assert lines[0].split()[:7] == ["when", "(UTC)", "commit", "board", "model", "instr/inf", "arena"]
    assert "24,100,000" in lines[2] and "aaaaaaaa " in lines[2] and "100%" in lines[2]
    assert "25,000,000" in lines[3] and "bbbbbbbb+" in lines[3]
    assert lines[4].split()[:3] == ["host", "kws", "-"]   # no instructions on the host
    assert len({len(line) for line in lines[:2]}) == 1     # header and rule line up
    only = render_report(store.runs(), metrics=["arena_bytes"])
    assert only.splitlines()[0].split()[-2:] == ["arena", "B"]


# -- regression gates -------------------------------------------------------------------------------

@pytest.fixture
def baselines(tmp_path, store):
    store.record_result(run_result(), git=GitState(COMMIT_A, False), time_utc=T0)
    file = BaselineFile(tmp_path / "baselines.json")
    file.update_from_store(store)
    file.save()
    return file


def test_gate_message_gives_old_new_and_percent(baselines):
    (regression,) = check_regressions(run_result(instructions=25_000_000), "qemu-netduinoplus2", "vww",
                                      baselines.path)
    assert regression.message == ("instructions_per_inference regressed on qemu-netduinoplus2/vww: "
                                  "24,100,000 -> 25,000,000 (+3.73%, tolerance 1.00%)")
    assert regression.old == 24_100_000 and regression.new == 25_000_000
    assert round(regression.change_percent, 2) == 3.73


def test_gate_passes_within_tolerance_and_on_improvement(baselines):
    gate = baselines.check(run_result(instructions=24_300_000))          # +0.83%
    assert gate.gated and gate.passed and "instructions_per_inference" in gate.checked
    assert gate.summary().startswith("qemu-netduinoplus2/vww: ") and "within tolerance" in gate.summary()
    assert baselines.check(run_result(instructions=20_000_000, arena_bytes=50_000)).passed


def test_byte_equal_must_not_drop(baselines):
    messages = [r.message for r in baselines.check(run_result(byte_equal=19)).regressions]
    assert "byte_equal_percent regressed on qemu-netduinoplus2/vww: 100% -> 95% (-5.00%, tolerance 0.00%)" in messages
    assert "max_abs_diff regressed on qemu-netduinoplus2/vww: 0 -> 2 (from 0, tolerance 0.00%)" in messages


def test_a_metric_the_run_lost_is_a_regression(baselines):
    (regression,) = baselines.check(run_result(instructions=None)).regressions
    assert regression.message == ("instructions_per_inference missing on qemu-netduinoplus2/vww: "
                                  "baseline 24,100,000, this run did not measure it")


def test_no_baseline_means_no_gate(baselines):
    gate = baselines.check(run_result(board="qemu-mps2-an386"))
    assert not gate.gated and gate.passed and gate.regressions == []
    assert gate.summary() == "no baseline for qemu-mps2-an386/vww: not gated"
    assert check_regressions(run_result(), "qemu-netduinoplus2", "vww", baselines.path.parent / "absent.json") == []


def test_tolerance_overrides_most_specific_wins(baselines):
    data = json.loads(baselines.path.read_text())
    data["tolerances"] = {"metrics": {"instructions_per_inference": 2.0},
                          "boards": {"qemu-netduinoplus2": {"instructions_per_inference": 3.0}},
                          "models": {"vww": {"instructions_per_inference": 4.0, "arena_bytes": None}},
                          "board_models": {"qemu-netduinoplus2": {"vww": {"instructions_per_inference": 5.0}}}}
    baselines.path.write_text(json.dumps(data))
    file = BaselineFile(baselines.path)
    assert file.tolerance("instructions_per_inference", "qemu-netduinoplus2", "vww") == 5.0
    assert file.tolerance("instructions_per_inference", "qemu-netduinoplus2", "kws") == 3.0
    assert file.tolerance("instructions_per_inference", "qemu-mps2-an386", "vww") == 4.0
    assert file.tolerance("instructions_per_inference", "qemu-mps2-an386", "kws") == 2.0
    assert file.tolerance("stack_bytes", "qemu-mps2-an386", "kws") == 5.0           # the registry default
    assert file.tolerance("arena_bytes", "qemu-netduinoplus2", "vww") is None        # gate turned off
    gate = file.check(run_result(instructions=25_000_000, arena_bytes=99_999))       # +3.73%, within 5%
    assert gate.passed and "arena_bytes" not in gate.checked


def test_bad_baselines_file_is_one_clear_error(tmp_path):
    path = tmp_path / "baselines.json"
    path.write_text(json.dumps({"format": 1, "tolerances": {"metrics": {"instr": 1.0}}}))
    with pytest.raises(HilError, match=r"baselines.json: 'tolerances.metrics' names unknown metric 'instr'"):
        BaselineFile(path)
    path.write_text("{not json")
    with pytest.raises(HilError, match="cannot read the baselines file"):
        BaselineFile(path)


def test_baseline_update_writes_a_stable_reviewable_file(tmp_path, store, baselines):
    store.record_result(run_result(instructions=25_000_000), git=GitState(COMMIT_B, False), time_utc=T0 + timedelta(1))
    store.record_result(run_result(board="qemu-mps2-an386", model="kws"), git=GitState(COMMIT_B, False))
    data = json.loads(baselines.path.read_text())
    data["tolerances"]["boards"] = {"qemu-netduinoplus2": {"stack_bytes": 10.0}}
    baselines.path.write_text(json.dumps(data))

    file = BaselineFile(baselines.path)
    (change,) = file.update_from_store(store, board="qemu-netduinoplus2")
    assert change.describe() == "qemu-netduinoplus2/vww: baseline from commit bbbbbbbb (was aaaaaaaa)"
    file.save()
    text = baselines.path.read_text()
    saved = json.loads(text)
    assert saved["tolerances"]["boards"] == {"qemu-netduinoplus2": {"stack_bytes": 10.0}}  # kept
    assert list(saved["baselines"]) == ["qemu-netduinoplus2"]        # the filter held
    entry = saved["baselines"]["qemu-netduinoplus2"]["vww"]
    assert entry["commit"] == COMMIT_B and entry["metrics"]["instructions_per_inference"] == 25_000_000
    assert text == json.dumps(saved, indent=2, sort_keys=True) + "\n"   # sorted keys, fixed indent
    file.save()
    assert baselines.path.read_text() == text                          # saving again changes nothing
    with pytest.raises(HilError, match="no runs for board host and model vww in"):
        file.update_from_store(store, board="host", model="vww")


def test_baseline_write_is_atomic(baselines, monkeypatch):
    before = baselines.path.read_bytes()
    os.chmod(baselines.path, 0o664)
    renamed = []

    def failing_replace(src, dst):
        renamed.append((Path(src), Path(dst)))
        assert json.loads(Path(src).read_text())["format"] == 1  # the whole new file is written first
        raise OSError("disk went away")

    monkeypatch.setattr(os, "replace", failing_replace)
    baselines.tolerances["metrics"]["arena_bytes"] = 1.0
    with pytest.raises(OSError, match="disk went away"):
        baselines.save()
    assert baselines.path.read_bytes() == before                      # the old file, untouched
    ((src, dst),) = renamed
    assert src.parent == dst.parent == baselines.path.parent          # same directory: rename is atomic
    assert sorted(p.name for p in baselines.path.parent.iterdir() if p.name.endswith(".tmp")) == []

    monkeypatch.undo()
    baselines.save()
    assert json.loads(baselines.path.read_text())["tolerances"]["metrics"] == {"arena_bytes": 1.0}
    assert baselines.path.stat().st_mode & 0o777 == 0o664             # mode kept


# -- command line -----------------------------------------------------------------------------------

def hil(capsys, *args):
    code = hil_main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_history_baseline_update_and_check(tmp_path, capsys):
    db, file = tmp_path / "r.sqlite", tmp_path / "baselines.json"
    with ResultsStore(db) as store:
        store.record_result(run_result(), git=GitState(COMMIT_A, False), time_utc=T0)

    code, out, _ = hil(capsys, "history", "--db", db)
    assert code == 0 and "24,100,000" in out and "qemu-netduinoplus2" in out
    code, out, _ = hil(capsys, "history", "--db", db, "--board", "host")
    assert code == 0 and out.strip() == f"no runs for board host in {db}"

    code, out, _ = hil(capsys, "baseline", "check", "--board", "qemu-netduinoplus2", "--model", "vww",
                       "--db", db, "--baselines", file)
    assert code == 0 and out.strip() == "no baseline for qemu-netduinoplus2/vww: not gated"

    code, out, _ = hil(capsys, "baseline", "update", "--db", db, "--baselines", file)
    assert code == 0 and "qemu-netduinoplus2/vww: baseline from commit aaaaaaaa (new)" in out
    assert f"wrote {file}" in out and file.exists()

    with ResultsStore(db) as store:
        store.record_result(run_result(instructions=25_000_000, byte_equal=19), git=GitState(COMMIT_B, False),
                            time_utc=T0 + timedelta(hours=1))
    code, out, _ = hil(capsys, "baseline", "check", "--board", "qemu-netduinoplus2", "--model", "vww",
                       "--db", db, "--baselines", file)
    assert code == 4
    assert ("instructions_per_inference regressed on qemu-netduinoplus2/vww: 24,100,000 -> 25,000,000 "
            "(+3.73%, tolerance 1.00%)") in out
    assert "byte_equal_percent regressed" in out and "against the baseline from commit aaaaaaaa" in out


def test_cli_errors_are_one_line(tmp_path, capsys):
    code, out, err = hil(capsys, "history", "--db", tmp_path / "none.sqlite")
    assert code == 1 and err.count("\n") == 1 and err.startswith("hil: error: no results database at")
    ResultsStore(tmp_path / "empty.sqlite").close()
    code, _, err = hil(capsys, "baseline", "check", "--board", "b", "--model", "m", "--db", tmp_path / "empty.sqlite")
    assert code == 1 and err.strip() == f"hil: error: no runs for board b and model m in {tmp_path / 'empty.sqlite'}"
    code, _, err = hil(capsys, "baseline", "update", "--db", tmp_path / "empty.sqlite",
                       "--baselines", tmp_path / "b.json")
    assert code == 1 and err.count("\n") == 1 and "no runs for any board" in err
