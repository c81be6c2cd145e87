"""`hil bench`: instructions, memory and harness overhead of the MLPerf Tiny
models on emulated boards, beside TFLM measured on the same board by the same
method (benchmarks/tflm_peer.json).  Instruction counts are exact and
repeatable, so they, not wall-clock times, are what the table compares."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from .compiler import compile_model
from .model.golden import TflmReference, random_inputs
from .model import resolve_model
from .paths import REPO_ROOT, cache_dir
from .progress import Progress
from .results.run import run_inferences
from .session import Session

PEER_FILE = REPO_ROOT / "benchmarks" / "tflm_peer.json"


def bench_model(board: str, name: str, inferences: int) -> dict:
    """One MLPerf Tiny model (by its short name) on one board, checked against TFLM as it runs."""
    model = resolve_model(name)
    plan = compile_model(model)
    specs = plan.inputs
    with Session(board) as session:
        session.load(plan)
        run = run_inferences(session, plan, TflmReference(model).run,
                             [random_inputs(specs, i) for i in range(inferences)])
    rows = run.inferences
    overheads = [r.timing["round_trip_s"] - r.timing["invoke_s"] for r in rows if r.timing]
    per_op_total = sum(op["instructions"] or 0 for op in run.per_op) if run.per_op else None
    return {"board": board, "model": name, "source": f"{model.path} ({model.origin})",
            "instructions": run.median_instructions,
            "per_op_sum": per_op_total, "arena_bytes": plan.arena_bytes, "plan_bytes": plan.plan_bytes,
            "harness_overhead_s": statistics.median(overheads) if overheads else None,
            "byte_equal": run.agreement.byte_equal, "inferences": run.agreement.inferences, **run.memory}


def run_bench(boards: list[str], models: list[str], inferences: int) -> list[dict]:
    results = []
    with Progress("benchmarks", len(boards) * len(models)) as progress:
        for board in boards:
            for name in models:
                results.append(bench_model(board, name, inferences))
                progress.advance(note=f"{board} {name}")
    return results


def peer_figures() -> dict:
    return json.loads(PEER_FILE.read_text())


def format_table(results: list[dict]) -> str:
    peer = peer_figures()
    ref = peer["instructions_per_invoke"]["reference_kernels"]
    cmsis = peer["instructions_per_invoke"]["cmsis_nn"]
    lines = [f"{'board':<20} {'model':<5} {'instructions':>13} {'TFLM ref':>10} {'ratio':>6} {'TFLM CMSIS-NN':>14} "
             f"{'ratio':>6} {'arena B':>8} {'TFLM arena':>10} {'RAM B':>8} {'flash B':>8} {'overhead s':>10}"]
    for r in results:
        name = r["model"]
        ins = r["instructions"]

        def ratio(peer_value):
            return f"{ins / peer_value:.2f}x" if ins and peer_value else "-"
        lines.append(f"{r['board']:<20} {name:<5} {ins or 0:>13,.0f} {ref.get(name, 0):>10,} {ratio(ref.get(name)):>6} "
                     f"{cmsis.get(name, 0):>14,} {ratio(cmsis.get(name)):>6} {r['arena_bytes']:>8,} "
                     f"{peer['arena_bytes'].get(name, 0):>10,} {r.get('ram_bytes', 0):>8,} {r.get('flash_bytes', 0):>8,} "
                     f"{r['harness_overhead_s'] or 0:>10.3f}")
    lines.append(f"TFLM figures: {peer['description']}.")
    lines.append("ratio: tinyhil instructions / TFLM instructions (lower is better); overhead: median harness wall "
                 "time per inference beyond the invoke.")
    return "\n".join(lines)


def save_results(results: list[dict], path: Path | None = None) -> Path:
    path = path or cache_dir() / "bench-latest.json"
    path.write_text(json.dumps(results, indent=2))
    return path
