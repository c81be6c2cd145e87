"""The results store: every run of a model on a board, in one SQLite file.

    store = ResultsStore()                      # $TINYHIL_RESULTS_DB, else ./results/tinyhil.sqlite
    with store.begin_run(board="qemu-netduinoplus2", runner="qemu", model_name="vww", ...) as run:
        run.record_metrics({"instructions_per_inference": 24_100_000, "arena_bytes": 55_296})
        run.record_per_op([{"index": 0, "type": "CONV_2D", "instructions": 1_200_000}])
    # or, from the RunResult hil.session.run_model returns (a mapping of its JSON shape):
    store.record_result(result, build_flags=..., toolchain=...)

A run is buffered in memory and written in one transaction when its block
exits normally, so an exception or a killed process never leaves half a run.
The database runs in WAL mode (readers never block the one writer; parallel
writers wait on the busy timeout) and its schema is versioned: migrations
bring an older file forward when it is opened."""
from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..errors import HilError
from ..paths import REPO_ROOT
from .metrics import MetricRegistry, Number, as_number

RESULTS_DB_ENV = "TINYHIL_RESULTS_DB"
BUSY_TIMEOUT_SECONDS = 30.0

# Each migration takes the schema from version i to i + 1; a file at version i
# gets migrations[i:] applied when opened.  Never edit a released migration:
# append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: runs and their metrics (one row per metric, so new metrics need no migration)
    (
        """CREATE TABLE runs (
               id            INTEGER PRIMARY KEY AUTOINCREMENT,
               time_utc      TEXT NOT NULL,     -- ISO 8601, microseconds, 'Z'
               git_commit    TEXT,              -- NULL outside a git checkout
               git_dirty     INTEGER,           -- 0/1, NULL outside a git checkout
               board         TEXT NOT NULL,
               runner        TEXT NOT NULL,
               model_name    TEXT NOT NULL,
               model_sha256  TEXT,
               plan_sha256   TEXT,
               build_flags   TEXT,
               toolchain     TEXT
           )""",
        """CREATE TABLE run_metrics (
               run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
               name    TEXT NOT NULL,
               value   NOT NULL,                -- no affinity: integers stay integers
               PRIMARY KEY (run_id, name)
           ) WITHOUT ROWID""",
    ),
    # 2: per-op instruction counts, and an index for the (board, model) history queries
    (
        """CREATE TABLE run_ops (
               run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
               op_index      INTEGER NOT NULL,
               op_type       TEXT NOT NULL,
               instructions  INTEGER,
               PRIMARY KEY (run_id, op_index)
           ) WITHOUT ROWID""",
        "CREATE INDEX runs_by_board_model_time ON runs(board, model_name, time_utc, id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
RUN_COLUMNS = ("id", "time_utc", "git_commit", "git_dirty", "board", "runner", "model_name",
               "model_sha256", "plan_sha256", "build_flags", "toolchain")
_SELECT_RUNS = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"


def default_results_path() -> Path:
    """$TINYHIL_RESULTS_DB, else results/tinyhil.sqlite under the current directory."""
    configured = os.environ.get(RESULTS_DB_ENV)
    return Path(configured) if configured else Path.cwd() / "results" / "tinyhil.sqlite"


@dataclass(frozen=True)
class GitState:
    """The commit the harness runs from; both None outside a git checkout."""
    commit: str | None
    dirty: bool | None

    @classmethod
    def of(cls, repo: Path = REPO_ROOT) -> GitState:
        def git(*args: str) -> str | None:
            try:
                done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                return None
            return done.stdout if done.returncode == 0 else None

        top = git("rev-parse", "--show-toplevel")
        # Only the harness's own checkout counts, not some repository it happens to sit in.
        if top is None or Path(top.strip()).resolve() != repo.resolve():
            return cls(None, None)
        commit = git("rev-parse", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=no")
        if commit is None or status is None:
            return cls(None, None)
        return cls(commit.strip(), bool(status.strip()))


def _utc_text(when: datetime) -> str:
    if when.tzinfo is None:  # naive datetimes are taken to be UTC already
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RunIdentity:
    """What was run, where, from which source: everything about a run but its measurements."""
    time_utc: str
    git: GitState
    board: str
    runner: str
    model_name: str
    model_sha256: str | None
    plan_sha256: str | None
    build_flags: str | None
    toolchain: str | None


@dataclass(frozen=True)
class RunRecord:
    """One stored run."""
    id: int
    time_utc: str
    git_commit: str | None
    git_dirty: bool | None
    board: str
    runner: str
    model_name: str
    model_sha256: str | None
    plan_sha256: str | None
    build_flags: str | None
    toolchain: str | None
    metrics: dict[str, Number] = field(default_factory=dict)
    per_op: list[dict] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        """The run in the shape of a run-result dict (what reports and gates read)."""
        return {"run_id": self.id, "time_utc": self.time_utc, "git_commit": self.git_commit,
                "git_dirty": self.git_dirty, "board": self.board, "runner": self.runner,
                "model": self.model_name, "model_sha256": self.model_sha256, "plan_sha256": self.plan_sha256,
                "build_flags": self.build_flags, "toolchain": self.toolchain,
                **self.metrics, "per_op": [dict(op) for op in self.per_op]}


@dataclass(frozen=True)
class MetricPoint:
    """One value of one metric in a (board, model) history."""
    run_id: int
    time_utc: str
    git_commit: str | None
    git_dirty: bool | None
    value: Number


class RunRecorder:
    """Collects one run's measurements; ResultsStore.begin_run writes them on a clean exit."""

    def __init__(self, identity: RunIdentity, registry: MetricRegistry):
        self.identity = identity
        self.registry = registry
        self.metrics: dict[str, Number] = {}
        self.per_op: list[dict] = []
        self.id: int | None = None   # set once the run is committed

    def record_metrics(self, values: Mapping[str, Any]) -> None:
        """Metric values by registered name; None means not measured and is skipped."""
        for name, value in values.items():
            self.registry[name]  # unknown names fail here, with the list of known ones
            if value is not None:
                self.metrics[name] = as_number(value, name)

    def record_per_op(self, ops: Iterable[Mapping[str, Any]]) -> None:
        """Per-op counts: each {index, type, instructions} (instructions may be None)."""
        recorded = []
        for op in ops:
            try:
                index, op_type, count = op["index"], op["type"], op["instructions"]
            except (KeyError, TypeError):
                raise HilError(f"per-op entry {op!r} must have 'index', 'type' and 'instructions'") from None
            recorded.append({"index": int(as_number(index, "per-op index")), "type": str(op_type),
                             "instructions": None if count is None else int(as_number(count, "per-op instructions"))})
        indices = [op["index"] for op in recorded]
        if len(set(indices)) != len(indices):
            raise HilError(f"per-op entries repeat an op index: {sorted(indices)}")
        self.per_op = sorted(recorded, key=lambda op: op["index"])

    def record_result(self, result: Mapping[str, Any]) -> None:
        """Every registered metric and the per-op counts found in a run-result dict."""
        self.record_metrics(self.registry.read_all(result))
        if result.get("per_op"):
            self.record_per_op(result["per_op"])


class ResultsStore:
    """The history of runs in one SQLite file (see the module doc)."""

    def __init__(self, path: str | os.PathLike | None = None, registry: MetricRegistry | None = None,
                 create: bool = True):
        self.path = Path(path) if path is not None else default_results_path()
        self.registry = registry or MetricRegistry()
        if not self.path.exists():
            if not create:
                raise HilError(f"no results database at {self.path} (record a run first, or pass --db "
                               f"or set ${RESULTS_DB_ENV})")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: transactions are begun and ended explicitly below.
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise HilError(f"{self.path}: cannot open the results database: {exc}") from None
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise HilError(f"{self.path}: cannot switch the database to WAL mode (got '{mode}')")
            self._migrate()
        except BaseException as exc:
            self._conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise HilError(f"{self.path}: not a usable results database: {exc}") from None
            raise

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so parallel writers queue on the busy timeout
        # instead of failing half-way through.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else 0

    def journal_mode(self) -> str:
        return self._conn.execute("PRAGMA journal_mode").fetchone()[0]

    def _migrate(self) -> None:
        with self._transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = self.schema_version()
            if version > SCHEMA_VERSION:
                raise HilError(f"{self.path} has results schema version {version}, newer than this tinyhil "
                               f"understands ({SCHEMA_VERSION}); upgrade tinyhil to read it")
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            if version == 0:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            elif version < SCHEMA_VERSION:
                conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    # -- recording --------------------------------------------------------------------------------

    @contextmanager
    def begin_run(self, *, board: str, model_name: str, runner: str | None = None,
                  model_sha256: str | None = None, plan_sha256: str | None = None,
                  build_flags: str | Sequence[str] | None = None, toolchain: str | None = None,
                  git: GitState | None = None, time_utc: datetime | None = None) -> Iterator[RunRecorder]:
        """Record one run: measurements go to the yielded RunRecorder and are written in one
        transaction when the block exits normally; nothing is written if it raises.

        `runner` defaults to the board name's kind ("qemu" for "qemu-netduinoplus2"), `git` to the
        state of the harness's own checkout, `time_utc` to now."""
        if not isinstance(build_flags, (str, type(None))):
            build_flags = shlex.join(build_flags)
        identity = RunIdentity(
            time_utc=_utc_text(time_utc or datetime.now(timezone.utc)),
            git=git if git is not None else GitState.of(),
            board=board, runner=runner or board.partition("-")[0], model_name=model_name,
            model_sha256=model_sha256, plan_sha256=plan_sha256, build_flags=build_flags, toolchain=toolchain)
        recorder = RunRecorder(identity, self.registry)
        yield recorder
        with self._transaction():
            recorder.id = self._insert_run(recorder)

    def record_result(self, result: Mapping[str, Any], *, runner: str | None = None,
                      build_flags: str | Sequence[str] | None = None, toolchain: str | None = None,
                      git: GitState | None = None, time_utc: datetime | None = None) -> RunRecord:
        """Record a run result (`hil.session.run_model`'s RunResult, or its JSON dict) as one run."""
        for key in ("board", "model"):
            if not result.get(key):
                raise HilError(f"a run result needs '{key}' to be recorded; got keys {sorted(result)}")
        with self.begin_run(board=result["board"], model_name=result["model"], runner=runner,
                            model_sha256=result.get("model_sha256"), plan_sha256=result.get("plan_sha256"),
                            build_flags=build_flags, toolchain=toolchain, git=git, time_utc=time_utc) as run:
            run.record_result(result)
        return self.run(run.id)

    def _insert_run(self, run: RunRecorder) -> int:
        """The inserts of one run; the caller holds the transaction."""
        ident = run.identity
        cursor = self._conn.execute(
            "INSERT INTO runs (time_utc, git_commit, git_dirty, board, runner, model_name, model_sha256,"
            " plan_sha256, build_flags, toolchain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ident.time_utc, ident.git.commit, None if ident.git.dirty is None else int(ident.git.dirty),
             ident.board, ident.runner, ident.model_name, ident.model_sha256, ident.plan_sha256,
             ident.build_flags, ident.toolchain))
        run_id = cursor.lastrowid
        self._conn.executemany("INSERT INTO run_metrics (run_id, name, value) VALUES (?, ?, ?)",
                               [(run_id, name, value) for name, value in run.metrics.items()])
        self._conn.executemany("INSERT INTO run_ops (run_id, op_index, op_type, instructions) VALUES (?, ?, ?, ?)",
                               [(run_id, op["index"], op["type"], op["instructions"]) for op in run.per_op])
        return run_id

    # -- queries ----------------------------------------------------------------------------------

    def runs(self, board: str | None = None, model: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs in time order (oldest first), optionally for one board and/or model; with
        `limit`, only the most recent `limit` of them."""
        where, params = self._filter(board, model)
        order = "ORDER BY time_utc DESC, id DESC LIMIT ?" if limit is not None else "ORDER BY time_utc, id"
        rows = self._conn.execute(f"{_SELECT_RUNS} {where} {order}",
                                  params + ([limit] if limit is not None else [])).fetchall()
        records = self._records(rows)
        return records[::-1] if limit is not None else records

    def run(self, run_id: int) -> RunRecord:
        rows = self._conn.execute(f"{_SELECT_RUNS} WHERE id = ?", (run_id,)).fetchall()
        if not rows:
            raise HilError(f"no run with id {run_id} in {self.path}")
        return self._records(rows)[0]

    def latest_run(self, board: str | None = None, model: str | None = None) -> RunRecord | None:
        latest = self.runs(board, model, limit=1)
        return latest[0] if latest else None

    def pairs(self) -> list[tuple[str, str]]:
        """Every (board, model) with at least one run, sorted."""
        return [tuple(row) for row in self._conn.execute(
            "SELECT DISTINCT board, model_name FROM runs ORDER BY board, model_name")]

    def metric_history(self, board: str, model: str, metric: str) -> list[MetricPoint]:
        """One metric over the runs of (board, model) that have it, in time order."""
        self.registry[metric]  # an unknown metric is an error, not an empty history
        rows = self._conn.execute(
            "SELECT r.id, r.time_utc, r.git_commit, r.git_dirty, m.value FROM runs r"
            " JOIN run_metrics m ON m.run_id = r.id AND m.name = ?"
            " WHERE r.board = ? AND r.model_name = ? ORDER BY r.time_utc, r.id", (metric, board, model))
        return [MetricPoint(run_id, time_utc, commit, None if dirty is None else bool(dirty), value)
                for run_id, time_utc, commit, dirty, value in rows]

    @staticmethod
    def _filter(board: str | None, model: str | None) -> tuple[str, list[str]]:
        clauses, params = [], []
        if board is not None:
            clauses.append("board = ?")
            params.append(board)
        if model is not None:
            clauses.append("model_name = ?")
            params.append(model)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _records(self, rows: list[tuple]) -> list[RunRecord]:
        records = []
        for row in rows:
            values = dict(zip(RUN_COLUMNS, row))
            run_id = values["id"]
            metrics = dict(self._conn.execute(
                "SELECT name, value FROM run_metrics WHERE run_id = ? ORDER BY name", (run_id,)).fetchall())
            per_op = [{"index": i, "type": t, "instructions": n} for i, t, n in self._conn.execute(
                "SELECT op_index, op_type, instructions FROM run_ops WHERE run_id = ? ORDER BY op_index",
                (run_id,))]
            dirty = values.pop("git_dirty")
            records.append(RunRecord(**values, git_dirty=None if dirty is None else bool(dirty),
                                     metrics=metrics, per_op=per_op))
        return records
