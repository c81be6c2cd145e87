"""The log tables of a run, for the Robot log: agreement, instructions and memory,
and the per-op counts of the last inference."""
from __future__ import annotations

import html
import statistics

import numpy as np

from hil.results.run import RunResult


def html_table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table border="1" cellpadding="3"><tr>{head}</tr>{body}</table>'


def run_summary_html(run: RunResult, origin: str) -> str:
    a, plan = run.agreement, run.plan
    rows = [["board", run.board], ["model", f"{plan.name} ({origin})"], ["run", run.description],
            ["byte-equal with TFLM", f"{a.byte_equal}/{a.inferences}"],
            ["top-1 agrees", f"{a.top1_agree}/{a.inferences}"], ["max abs diff", a.max_abs_diff]]
    if len(run.inferences) == 1:
        engine_top, golden_top = (int(np.argmax(out[0])) for out in (run.inferences[0].outputs, run.goldens[0]))
        rows.append(["top-1 class", f"{engine_top} (engine), {golden_top} (TFLM)"])
    counts = run.instructions
    if counts:
        rows.append(["instructions per inference",
                     f"median {statistics.median_low(counts):,}, min {min(counts):,}, max {max(counts):,}"])
    if run.counter_ticks:
        rows.append(["counter ticks per inference", f"median {statistics.median_low(run.counter_ticks):,}"])
    rows += [["MACs", f"{plan.macs:,}"], ["plan", f"{plan.plan_bytes:,} B"], ["arena", f"{plan.arena_bytes:,} B"]]
    rows += [[key.removesuffix("_bytes").replace("_", " "), f"{value:,} B" if isinstance(value, int) else value]
             for key, value in sorted(run.memory.items()) if key != "arena_bytes"]
    text = html_table(["", "this run"], rows)
    if run.per_op:
        total = sum(op.get("instructions") or 0 for op in run.per_op) or 1

        def count(op: dict, key: str) -> str:
            return "-" if op.get(key) is None else f"{op[key]:,}"

        op_rows = [[op["index"], op["type"], count(op, "instructions"),
                    f"{100 * (op.get('instructions') or 0) / total:.1f}%", count(op, "counter_ticks"),
                    f"{plan.ops[op['index']].macs:,}" if op["index"] < len(plan.ops) else "-"]
                   for op in run.per_op]
        text += "<br>Per op, last inference:" + html_table(
            ["#", "op", "instructions", "share", "counter ticks", "MACs"], op_rows)
    return text
