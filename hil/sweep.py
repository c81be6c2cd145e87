"""python -m hil.sweep: random op configurations, engine against TFLM, byte for byte.

Every op-zoo module that defines `random_case(rng) -> bytes` takes part: the
sweep visits them round-robin, draws a configuration from the module's own
builder, compiles it, runs two seeded inputs on the in-process host engine
(every 20th case of each op also on the ASan+UBSan build) and on the TFLM reference, and
counts per op: equal, differ, refused by the compiler (UnsupportedModelError;
TFLM is then tried too, to show where the engine is stricter), refused by TFLM
(its interpreter raising, or aborting: TFLM runs in a forked child), errors (the
engine or the generator failing).  A case is reproducible from its op, index and the sweep seed alone:
`--only-case OP:INDEX` reruns exactly that one.  The exit code is 1 when any
case differs or errors.

`--kernels dsp|mve` sweeps a kernel variant instead of the reference kernels:
every case also runs on the ASan+UBSan host build of that variant with its
instructions written in C (TH_KERNELS_DSP_PORTABLE, TH_KERNELS_MVE_PORTABLE).
That C form does not test hand-written assembly; `--board B --board-every N`
runs every Nth case of each op on an emulated board too (its engine built with
the same kernel build), which does.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .modelgen import zoo

INPUTS_PER_CASE = 2
SANITIZE_EVERY = 20
OUTCOMES = ("equal", "differ", "refused_compiler", "refused_tflm", "error")
# The host builds of each kernel variant: its instructions written in C (kernels/src/ops/kernel_isa.h).
HOST_KERNEL_DEFINES = {"reference": (), "dsp": ("TH_KERNELS_DSP_PORTABLE",), "mve": ("TH_KERNELS_MVE_PORTABLE",)}


def generators() -> dict[str, Callable[[np.random.Generator], bytes]]:
    """op-zoo module name -> its random_case, for the modules that define one (sorted by name)."""
    found = {}
    for info in sorted(pkgutil.iter_modules(zoo.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{zoo.__name__}.{info.name}")
        make = getattr(module, "random_case", None)
        if callable(make):
            found[info.name] = make
    return found


def case_rng(seed: int, op: str, index: int) -> np.random.Generator:
    """The generator of case `index` of `op`: independent of which other ops take part."""
    return np.random.default_rng([seed, zlib.crc32(op.encode()), index])


def input_seeds(seed: int, index: int) -> list[int]:
    return [seed * 1_000_003 + INPUTS_PER_CASE * index + k for k in range(INPUTS_PER_CASE)]


@dataclass
class CaseResult:
    op: str
    index: int
    outcome: str
    description: str = ""
    detail: str = ""
    sanitized: bool = False         # also ran on the ASan+UBSan build
    on_board: bool = False          # also ran on the sweep's board
    tflm_runs: bool | None = None   # for a case the compiler refuses: does TFLM run it?
    model: bytes | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {"op": self.op, "index": self.index, "outcome": self.outcome, "description": self.description,
                "detail": self.detail, "sanitized": self.sanitized, "on_board": self.on_board,
                "tflm_runs": self.tflm_runs}


def _input_specs(model: bytes) -> list:
    """random_inputs specs of a model's inputs, read from the model (for one the compiler refused)."""
    from types import SimpleNamespace

    from .model import Model
    graph = Model.of(model).graph
    specs = []
    for i in graph.inputs:
        t = graph.tensors[i]
        scale = float(t.scale[0]) if t.scale is not None and len(t.scale) else 0.0
        zp = int(t.zero_point[0]) if t.zero_point is not None and len(t.zero_point) else 0
        specs.append(SimpleNamespace(shape=tuple(t.shape), dtype=t.type_name, scale=scale, zero_point=zp))
    return specs


def _tflm_run(model: bytes, specs, seeds) -> tuple[list, str]:
    """TFLM's outputs for the inputs of `seeds`, and what it printed; raises RuntimeError if TFLM refuses
    the model.  TFLM runs in a forked child: some models make it abort the process (a failed DCHECK),
    which must end that case, not the sweep."""
    import pickle
    import signal
    import tempfile

    from tflite_micro.python.tflite_micro import runtime  # noqa: F401 - imported once, before forking
    from .model.golden import TflmReference, random_inputs

    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile() as printed_file:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:   # the child: run TFLM, send back the outputs or the error, never return
            try:
                os.close(read_fd)
                os.dup2(printed_file.fileno(), 2)
                try:
                    golden = TflmReference(model)
                    payload = ("ok", [golden.run(random_inputs(specs, s)) for s in seeds])
                except BaseException as exc:  # noqa: BLE001
                    payload = ("error", f"{type(exc).__name__}: {exc}")
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(pickle.dumps(payload))
            finally:
                os._exit(0)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        printed_file.seek(0)
        printed = printed_file.read().decode(errors="replace").strip()
    note = f" [TFLM printed: {printed[-600:]}]" if printed else ""
    if not data:
        how = (f"signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status)
               else f"exit status {os.WEXITSTATUS(status)}")
        raise RuntimeError(f"TFLM crashed ({how}){note}")
    kind, value = pickle.loads(data)
    if kind != "ok":
        raise RuntimeError(f"{value}{note}")
    return value, printed


def _description(model: bytes) -> str:
    try:
        import tflite
        text = tflite.Model.GetRootAsModel(model, 0).Description()
        return text.decode() if text else ""
    except Exception:  # noqa: BLE001 - only a label
        return ""


def _first_difference(got: list[np.ndarray], want: list[np.ndarray]) -> str | None:
    if len(got) != len(want):
        return f"{len(got)} outputs, TFLM has {len(want)}"
    for k, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape or g.dtype != w.dtype:
            return f"output {k}: engine {g.dtype}{list(g.shape)}, TFLM {w.dtype}{list(w.shape)}"
        if g.tobytes() != w.tobytes():
            flat_g, flat_w = g.reshape(-1), w.reshape(-1)
            idx = np.flatnonzero(flat_g != flat_w)
            if idx.size == 0:   # e.g. float NaN payloads or -0.0
                return f"output {k}: bytes differ with equal values"
            i = int(idx[0])
            diff = np.abs(flat_g.astype(np.float64) - flat_w.astype(np.float64))
            return (f"output {k} {list(w.shape)}: {idx.size} of {w.size} values differ, first at flat index {i} "
                    f"(position {list(np.unravel_index(i, w.shape))}): expected {flat_w[i]}, got {flat_g[i]}; "
                    f"max |diff| {diff.max():g}")
    return None


def run_case(op: str, make: Callable[[np.random.Generator], bytes], seed: int, index: int,
             sanitize: bool = False, kernels: str = "reference", board=None) -> CaseResult:
    """Draw, compile and run one case; never raises for what the case does.
    `sanitize`: also on the ASan+UBSan host build of `kernels` (one of HOST_KERNEL_DEFINES);
    `board`: a BoardRunner to run it on too."""
    from .compiler import compile_model
    from .engine.host import HostEngine, run_sanitized
    from .errors import UnsupportedModelError
    from .model.golden import random_inputs

    try:
        model = make(case_rng(seed, op, index))
    except Exception as exc:  # noqa: BLE001 - a generator bug is reported, not fatal
        return CaseResult(op, index, "error", "", f"random_case raised {type(exc).__name__}: {exc}")
    result = CaseResult(op, index, "equal", _description(model), model=model)
    try:
        plan = compile_model(model)
    except UnsupportedModelError as exc:
        result.outcome, result.detail = "refused_compiler", str(exc)
        try:
            _tflm_run(model, _input_specs(model), input_seeds(seed, index)[:1])
            result.tflm_runs = True
        except Exception:  # noqa: BLE001
            result.tflm_runs = False
        return result
    except Exception as exc:  # noqa: BLE001
        result.outcome, result.detail = "error", f"compiler raised {type(exc).__name__}: {exc}"
        return result
    batch = [random_inputs(plan.inputs, s) for s in input_seeds(seed, index)]
    try:
        expected, _ = _tflm_run(model, plan.inputs, input_seeds(seed, index))
    except Exception as exc:  # noqa: BLE001 - TFLM refusing the model (its Prepare or Eval failing)
        result.outcome, result.detail = "refused_tflm", str(exc)
        return result
    try:
        plan_batch = [plan.encode_inputs(xs) for xs in batch]
        engine = HostEngine(plan.blob)
        runs = [("host engine", [plan.decode_outputs(engine.run(xs)) for xs in plan_batch])]
        if sanitize:
            outs = run_sanitized(plan.blob, plan_batch, [t.shape for t in plan.outputs],
                                 defines=HOST_KERNEL_DEFINES[kernels])
            name = "sanitized engine" if kernels == "reference" else f"sanitized {kernels}-portable engine"
            runs.append((name, [plan.decode_outputs(o) for o in outs]))
            result.sanitized = True
    except Exception as exc:  # noqa: BLE001
        result.outcome, result.detail = "error", f"engine: {type(exc).__name__}: {exc}"
        return result
    if board is not None:
        try:
            outputs = board.run(plan, batch)
        except Exception as exc:  # noqa: BLE001
            result.outcome, result.detail = "error", f"{board.label}: {type(exc).__name__}: {exc}"
            return result
        if outputs is not None:   # None: the plan does not fit the board
            runs.append((board.label, outputs))
            result.on_board = True
    for name, outputs in runs:
        for k, (got, want) in enumerate(zip(outputs, expected)):
            difference = _first_difference(got, want)
            if difference:
                result.outcome = "differ"
                result.detail = f"{name}, input seed {input_seeds(seed, index)[k]}: {difference}"
                return result
    return result


class BoardRunner:
    """One session on an emulated board, kept open across cases; reopened after a failure
    (a crashed or hung firmware)."""

    def __init__(self, board: str, kernels: str | None = None):
        from .backends import SessionOptions
        self.board, self.options = board, SessionOptions(kernels=kernels, profile_ops=False)
        self.session = None

    @property
    def label(self) -> str:
        return f"{self.board} ({self.options.kernels or 'default'} kernels)"

    def run(self, plan, batch: list[list[np.ndarray]]) -> list[list[np.ndarray]] | None:
        from .session import Session
        if self.session is None:
            self.session = Session(self.board, self.options)
            self.session.open()
        try:
            if not self.session.fit(plan).fits:
                return None
            self.session.load(plan)
            return [self.session.infer(xs).outputs for xs in batch]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            session.close()


@dataclass
class SweepReport:
    seed: int
    kernels: str = "reference"
    board: str | None = None
    results: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for r in self.results:
            row = table.setdefault(r.op, {"cases": 0} | {o: 0 for o in OUTCOMES} | {"refused_compiler_tflm_runs": 0,
                                                                                        "sanitized": 0, "on_board": 0})
            row["cases"] += 1
            row[r.outcome] += 1
            row["refused_compiler_tflm_runs"] += bool(r.tflm_runs)
            row["sanitized"] += r.sanitized
            row["on_board"] += r.on_board
        return table

    def totals(self) -> dict[str, int]:
        total = {"cases": 0} | {o: 0 for o in OUTCOMES} | {"refused_compiler_tflm_runs": 0, "sanitized": 0,
                                                             "on_board": 0}
        for row in self.counts().values():
            for key, value in row.items():
                total[key] += value
        return total

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.outcome in ("differ", "error")]

    @property
    def ok(self) -> bool:
        return not self.failures

    def table(self) -> str:
        heads = ("op", "cases", "equal", "differ", "ref.compiler", "ref.TFLM", "errors", "TFLM ran ref.compiler",
                 "sanitized", "on board")
        keys = ("cases",) + OUTCOMES + ("refused_compiler_tflm_runs", "sanitized", "on_board")
        rows = [(op,) + tuple(str(row[k]) for k in keys) for op, row in sorted(self.counts().items())]
        total = self.totals()
        rows.append(("TOTAL",) + tuple(str(total[k]) for k in keys))
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
        fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                      for i, (c, w) in enumerate(zip(cells, widths)))
        lines = [fmt(heads), fmt(tuple("-" * w for w in widths))] + [fmt(r) for r in rows]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"seed": self.seed, "kernels": self.kernels, "board": self.board, "seconds": round(self.seconds, 1), "totals": self.totals(), "per_op": self.counts(),
                "failures": [r.as_dict() for r in self.failures],
                "refused_by_tflm": [r.as_dict() for r in self.results if r.outcome == "refused_tflm"],
                "refused_by_compiler": [r.as_dict() for r in self.results if r.outcome == "refused_compiler"]}


def schedule(ops: list[str], cases: int) -> list[tuple[str, int]]:
    """Round-robin: case g is op ops[g % len(ops)], its index g // len(ops)."""
    return [(ops[g % len(ops)], g // len(ops)) for g in range(cases)] if ops else []


def sweep(cases: int, seed: int = 0, ops: list[str] | None = None, only: tuple[str, int] | None = None,
          sanitize_every: int = SANITIZE_EVERY, progress: Callable[[int, int, CaseResult], None] | None = None,
          kernels: str = "reference", board: str | None = None, board_every: int = 1) -> SweepReport:
    """Run `cases` cases round-robin over `ops` (default: every module with random_case),
    or the single case `only` = (op, index).  `kernels`: the kernel build the sanitized host
    runs take (HOST_KERNEL_DEFINES) and `board`'s engine is built with; a variant other than
    the reference one runs every case sanitized (`sanitize_every` 1).  `board`: run every
    `board_every`th case of each op on that emulated board too."""
    if kernels not in HOST_KERNEL_DEFINES:
        raise ValueError(f"no kernel build {kernels!r}; known: {', '.join(HOST_KERNEL_DEFINES)}")
    if kernels != "reference":
        sanitize_every = 1
    makers = generators()
    wanted = [only[0]] if only else (ops or sorted(makers))
    unknown = [op for op in wanted if op not in makers]
    if unknown:
        raise ValueError(f"no random_case in op-zoo module(s) {', '.join(unknown)}; known: {', '.join(sorted(makers))}")
    plan = [only] if only else schedule(wanted, cases)
    report = SweepReport(seed, kernels, board)
    runner = BoardRunner(board, kernels) if board else None
    start = time.perf_counter()
    try:
        for g, (op, index) in enumerate(plan):
            # every Nth case of each op (not of the round-robin, which would skip ops when N and the op count
            # share a factor); a single case always
            sanitize = bool(sanitize_every) and (only is not None or index % sanitize_every == 0)
            on_board = runner is not None and (only is not None or index % max(1, board_every) == 0)
            result = run_case(op, makers[op], seed, index, sanitize, kernels, runner if on_board else None)
            if result.outcome not in ("differ", "error"):
                result.model = None   # keep only the models worth saving
            report.results.append(result)
            if progress:
                progress(g, len(plan), result)
    finally:
        if runner is not None:
            runner.close()
    report.seconds = time.perf_counter() - start
    return report


def _parse_only(text: str) -> tuple[str, int]:
    op, sep, index = text.rpartition(":")
    if not sep or not op or not index.isdigit():
        raise argparse.ArgumentTypeError(f"expected OP:INDEX (e.g. conv_2d:17), got {text!r}")
    return op, int(index)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hil.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases in all, round-robin over the ops (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="sweep seed (default 0)")
    parser.add_argument("--ops", default="", help="comma-separated op-zoo modules (default: all with random_case)")
    parser.add_argument("--only-case", type=_parse_only, metavar="OP:INDEX", help="run just this case, verbosely")
    parser.add_argument("--sanitize-every", type=int, default=SANITIZE_EVERY,
                        help="also run every Nth case of each op on the ASan+UBSan build "
                             f"(0: never; default {SANITIZE_EVERY})")
    parser.add_argument("--kernels", choices=sorted(HOST_KERNEL_DEFINES), default="reference",
                        help="kernel build under test: the sanitized host runs take its portable C form (every "
                             "case, unless reference), the --board engine is built with it (default reference)")
    parser.add_argument("--board", metavar="BOARD", help="also run cases on this emulated board (e.g. qemu-mps3-an547)")
    parser.add_argument("--board-every", type=int, default=1, metavar="N",
                        help="with --board: every Nth case of each op (default 1: all)")
    parser.add_argument("--save", type=Path, metavar="DIR", help="write each differing or failing model to DIR")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("--list", action="store_true", help="list the ops with random_case and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(generators()))
        return 0
    ops = [o.strip() for o in args.ops.split(",") if o.strip()] or None
    log = sys.stderr if args.json else sys.stdout
    step = max(1, args.cases // 20)

    def progress(g: int, n: int, r: CaseResult) -> None:
        if r.outcome in ("differ", "error", "refused_tflm") or args.only_case:
            print(f"[{r.outcome.upper()}] {r.op}:{r.index} (seed {args.seed}) {r.description}\n    {r.detail}",
                  file=log, flush=True)
        if (g + 1) % step == 0 or g + 1 == n:
            print(f"... {g + 1}/{n} cases", file=log, flush=True)

    try:
        report = sweep(args.cases, args.seed, ops, args.only_case, args.sanitize_every, progress,
                       args.kernels, args.board, args.board_every)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for r in report.failures:
            if r.model is not None:
                (args.save / f"{r.op}_{r.index}_seed{args.seed}_{args.kernels}.tflite").write_bytes(r.model)
    if args.json:
        print(json.dumps(report.as_dict(), indent=1))
    else:
        print(report.table())
        for r in report.results:
            if r.outcome == "refused_tflm":   # the compiler took a model TFLM refuses or crashes on
                print(f"compiled, but TFLM refused: --only-case {r.op}:{r.index} --seed {args.seed}: {r.description}: "
                      f"{r.detail}")
        for r in report.failures:
            print(f"{r.outcome}: --only-case {r.op}:{r.index} --seed {args.seed} --kernels {args.kernels}: "
                  f"{r.description}: {r.detail}")
        print(f"{len(report.results)} cases in {report.seconds:.1f} s; "
              f"{'all equal or refused' if report.ok else f'{len(report.failures)} differ or failed'}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
