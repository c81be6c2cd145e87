"""`hil ops`: every builtin operator of the TFLite schema and what tinyhil does with it.

Supported ops are the compiler's registered prepare functions (each module's
docstring says its dtypes and constraints, first line shown here); every other
builtin gets the reason a model using it is refused."""
from __future__ import annotations

import argparse
import json
import sys

from .ops import PREPARE
from .plan_format import plan_format

# Why some unsupported builtins stay so, beyond "not implemented".
REASONS = {
    "TILE": "TFLM has no TILE kernel either (its interpreter refuses the model)",
    "RELU_N1_TO_1": "TFLM has no standalone RELU_N1_TO_1 kernel (refused by its interpreter); "
                    "fused into CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB and MUL it is supported",
    "CUSTOM": "custom ops carry no schema: the engine cannot know their arithmetic",
    "WHILE": "control flow needs more than one subgraph; the engine runs exactly one",
    "IF": "control flow needs more than one subgraph; the engine runs exactly one",
    "CALL_ONCE": "needs more than one subgraph; the engine runs exactly one",
}
NOT_IMPLEMENTED = "not implemented by the engine"
# Supported outside the engine: the float I/O boundary (hil/compiler/boundary.py).
BOUNDARY = {
    "DEQUANTIZE": "int8/uint8/int16 -> float32 at a model output (per-tensor), converted on the host side of the "
                  "link with TFLM's arithmetic; the engine itself is integer-only",
}


def builtin_ops() -> dict[str, int]:
    """TFLite's BuiltinOperator names -> codes, from the schema package."""
    from tflite.BuiltinOperator import BuiltinOperator
    return {name: code for name, code in vars(BuiltinOperator).items() if not name.startswith("_")}


def _summary(name: str) -> str:
    """The prepare function's own docstring (one op of a shared module), else its module's:
    the first paragraph, on one line."""
    prepare = PREPARE[name]
    doc = (prepare.__doc__ or sys.modules[prepare.__module__].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def op_support_rows() -> list[dict]:
    fmt_ids = plan_format().op_ids
    rows = []
    for name, code in sorted(builtin_ops().items(), key=lambda kv: kv[1]):
        supported = (name in PREPARE and name in fmt_ids) or name in BOUNDARY
        notes = BOUNDARY.get(name) or (_summary(name) if supported else REASONS.get(name, NOT_IMPLEMENTED))
        rows.append({"op": name, "code": code, "supported": supported, "notes": notes})
    return rows


def format_markdown(rows: list[dict], total: int | None = None) -> str:
    lines = [f"{sum(r['supported'] for r in rows)} of {total or len(rows)} TFLite builtin operators supported.", "",
             "| code | op | supported | dtypes, constraints / reason |", "|---|---|---|---|"]
    lines += [f"| {r['code']} | {r['op']} | {'yes' if r['supported'] else 'no'} | {r['notes']} |" for r in rows]
    return "\n".join(lines)


def _cmd_ops(args: argparse.Namespace) -> int:
    rows = op_support_rows()
    total = len(rows)
    if args.supported:
        rows = [r for r in rows if r["supported"]]
    print(json.dumps(rows, indent=2) if args.json else format_markdown(rows, total))
    return 0


def register(sub) -> None:
    p = sub.add_parser("ops", help="every TFLite builtin operator and what the engine supports")
    p.add_argument("--supported", action="store_true", help="only the supported ops")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=_cmd_ops)
