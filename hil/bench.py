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
from .backends import SessionOptions
from .runners.registry import parse_target_name
from .session import Session

PEER_FILE = REPO_ROOT / "benchmarks" / "tflm_peer.json"


def bench_model(board: str, name: str, inferences: int, kernels: str | None = None) -> dict:
    """One MLPerf Tiny model (by its short name) on one board, with one of its kernel
    builds (None: its default), checked against TFLM as it runs."""
    model = resolve_model(name)
    plan = compile_model(model)
    specs = plan.inputs
    with Session(board, SessionOptions(kernels=kernels)) as session:
        session.load(plan)
        run = run_inferences(session, plan, TflmReference(model).run,
                             [random_inputs(specs, i) for i in range(inferences)])
    rows = run.inferences
    overheads = [r.timing["round_trip_s"] - r.timing["invoke_s"] for r in rows if r.timing]
    per_op_total = sum(op["instructions"] or 0 for op in run.per_op) if run.per_op else None
    return {"per_op_type": per_op_type(run.per_op, plan), "board": board, "kernels": kernels or "default",
            "model": name, "source": f"{model.path} ({model.origin})",
            "instructions": run.median_instructions,
            "per_op_sum": per_op_total, "arena_bytes": plan.arena_bytes, "plan_bytes": plan.plan_bytes,
            "harness_overhead_s": statistics.median(overheads) if overheads else None,
            "byte_equal": run.agreement.byte_equal, "inferences": run.agreement.inferences, **run.memory}


def per_op_type(per_op: list[dict], plan) -> dict[str, dict]:
    """Per op type of the last inference: ops, instructions, MACs and instructions per MAC."""
    macs = {op.index: op.macs for op in plan.ops}
    table: dict[str, dict] = {}
    for op in per_op:
        row = table.setdefault(op["type"], {"ops": 0, "instructions": 0, "macs": 0})
        row["ops"] += 1
        row["instructions"] += op["instructions"] or 0
        row["macs"] += macs.get(op["index"], 0)
    for row in table.values():
        row["instructions_per_mac"] = row["instructions"] / row["macs"] if row["macs"] else None
    return table


def kernel_builds_to_bench(board: str, kernels: list[str] | None) -> list[str | None]:
    """The kernel builds a bench runs on `board`: those asked for, or else each of the
    board's fast builds (all but the size-optimised reference one), its default first.
    The host has one build: its own."""
    parsed = parse_target_name(board)
    if parsed.is_host:
        return [None]
    own = parsed.board.cpu.kernels
    if kernels:
        return list(kernels)    # a build the board lacks fails when its session opens, naming what it has
    fast = [k for k in own if k != "reference"] or [own[0]]
    return fast if len(fast) > 1 else [None]


def run_bench(boards: list[str], models: list[str], inferences: int, kernels: list[str] | None = None) -> list[dict]:
    jobs = [(board, build) for board in boards for build in kernel_builds_to_bench(board, kernels)]
    results = []
    with Progress("benchmarks", len(jobs) * len(models)) as progress:
        for board, build in jobs:
            for name in models:
                results.append(bench_model(board, name, inferences, build))
                progress.advance(note=f"{board} {build or ''} {name}".replace("  ", " "))
    return results


def _label(r: dict) -> str:
    """The board, and the kernel build when it is not the default."""
    build = r.get("kernels", "default")
    return r["board"] if build == "default" else f"{r['board']} {build}"


def peer_figures() -> dict:
    return json.loads(PEER_FILE.read_text())


def format_table(results: list[dict]) -> str:
    peer = peer_figures()
    ref = peer["instructions_per_invoke"]["reference_kernels"]
    cmsis = peer["instructions_per_invoke"]["cmsis_nn"]
    lines = [f"{'board':<26} {'model':<5} {'instructions':>13} {'TFLM ref':>10} {'ratio':>6} {'TFLM CMSIS-NN':>14} "
             f"{'ratio':>6} {'arena B':>8} {'TFLM arena':>10} {'RAM B':>8} {'flash B':>8} {'overhead s':>10}"]
    for r in results:
        name = r["model"]
        ins = r["instructions"]

        def ratio(peer_value):
            return f"{ins / peer_value:.2f}x" if ins and peer_value else "-"
        lines.append(f"{_label(r):<26} {name:<5} {ins or 0:>13,.0f} {ref.get(name, 0):>10,} {ratio(ref.get(name)):>6} "
                     f"{cmsis.get(name, 0):>14,} {ratio(cmsis.get(name)):>6} {r['arena_bytes']:>8,} "
                     f"{peer['arena_bytes'].get(name, 0):>10,} {r.get('ram_bytes', 0):>8,} {r.get('flash_bytes', 0):>8,} "
                     f"{r['harness_overhead_s'] or 0:>10.3f}")
    lines += build_comparison(results)
    lines.append(f"TFLM figures: {peer['description']}.")
    lines.append("ratio: tinyhil instructions / TFLM instructions (lower is better); overhead: median harness wall "
                 "time per inference beyond the invoke.")
    return "\n".join(lines)


def build_comparison(results: list[dict]) -> list[str]:
    """Where one board ran several kernel builds: each model's instructions with each
    build as a ratio to the last (e.g. Helium against the Cortex-M4 DSP build)."""
    lines = []
    by_board_model: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        by_board_model.setdefault((r["board"], r["model"]), []).append(r)
    for (board, model), rows in by_board_model.items():
        base = rows[-1]
        if len(rows) < 2 or not base["instructions"]:
            continue
        parts = [f"{r.get('kernels', 'default')} {r['instructions'] / base['instructions']:.2f}x" for r in rows[:-1]]
        lines.append(f"{board} {model}: {', '.join(parts)} the {base.get('kernels')} build's "
                     f"{base['instructions']:,.0f} instructions")
    return lines


def format_per_op_table(results: list[dict]) -> str:
    """Per model and op type: our instructions, MACs and instructions/MAC beside TFLM+CMSIS-NN's
    (benchmarks/tflm_peer.json, measured on qemu-netduinoplus2 by the same method)."""
    peer = peer_figures().get("per_op", {})
    cmsis = peer.get("cmsis_nn", {})
    lines = [f"{'board':<26} {'model':<5} {'op type':<28} {'ops':>4} {'instructions':>13} {'MACs':>11} "
             f"{'instr/MAC':>9} {'CMSIS-NN':>9} {'ratio':>6}"]
    for r in results:
        for op_type, row in sorted(r.get("per_op_type", {}).items(), key=lambda kv: -kv[1]["instructions"]):
            theirs = cmsis.get(r["model"], {}).get(op_type, {}) if r["board"] == "qemu-netduinoplus2" else {}
            ours_per_mac = row["instructions_per_mac"]
            if "instructions_per_mac" in theirs and ours_per_mac:
                peer_text, ratio = f"{theirs['instructions_per_mac']:.2f}", ours_per_mac / theirs["instructions_per_mac"]
            elif "instructions" in theirs:
                peer_text, ratio = f"{theirs['instructions'] / 1e6:.2f} M", row["instructions"] / theirs["instructions"]
            else:
                peer_text, ratio = "-", None
            per_mac_text = f"{ours_per_mac:.2f}" if ours_per_mac is not None else "-"
            lines.append(f"{_label(r):<26} {r['model']:<5} {op_type:<28} {row['ops']:>4} {row['instructions']:>13,} "
                         f"{row['macs']:>11,} {per_mac_text:>9} {peer_text:>9} {f'{ratio:.2f}x' if ratio else '-':>6}")
    if peer:
        lines.append(f"CMSIS-NN figures: {peer.get('description', '')}.")
    return "\n".join(lines)


def save_results(results: list[dict], path: Path | None = None) -> Path:
    path = path or cache_dir() / "bench-latest.json"
    path.write_text(json.dumps(results, indent=2))
    return path
