"""`hil mlperf-tiny ...` (registered by hil/cli.py)."""
from __future__ import annotations

import argparse
import json

from ..errors import HilError

USAGE = """hil mlperf-tiny --board B --model M --mode performance|accuracy [--dataset DIR] [--elf ELF | --url URL]
       hil mlperf-tiny dataset --model M [--count N] DIR
       hil mlperf-tiny official --board B --model M --mode performance|accuracy --dataset DIR"""


def _cmd(args) -> int:
    words = args.words or []
    if words and words[0] == "dataset":
        if len(words) != 2 or not args.model:
            raise HilError("usage: hil mlperf-tiny dataset --model M DIR")
        from .dataset import write_dataset
        folder = write_dataset(args.model, words[1], count=args.count, seed=args.seed)
        print(f"wrote {folder} ({args.count} files and y_labels.csv)")
        return 0
    if words and words[0] == "official":
        from .official import run_official
        if not (args.model and args.mode and args.dataset):
            raise HilError("usage: hil mlperf-tiny official --board B --model M --mode MODE --dataset DIR")
        out = run_official(args.board, args.model, args.mode, args.dataset, iterations=args.iterations)
        print(out["results_text"].rstrip())
        print(f"session: {out['session_dir']}")
        return 0
    if words:
        raise HilError(f"unknown mlperf-tiny action '{words[0]}'\nusage: {USAGE}")
    if not args.model or not args.mode:
        raise HilError(f"--model and --mode are required\nusage: {USAGE}")
    from .driver import format_table, record, run
    result = run(args.board, args.model, args.mode, dataset=args.dataset, elf=args.elf, url=args.url,
                 count=not args.no_count, iterations=args.iterations)
    if not args.no_record:
        result["run_id"] = record(result, args.results_db)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
        if "run_id" in result:
            print(f"recorded as run {result['run_id']}")
    return 0


class _IntermixedParser(argparse.ArgumentParser):
    """Lets `dataset --model M DIR` put its folder after the options."""
    _inner = False

    def parse_known_args(self, args=None, namespace=None):
        if self._inner:
            return super().parse_known_args(args, namespace)
        self._inner = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inner = False


def register(sub) -> None:
    default_class, sub._parser_class = sub._parser_class, _IntermixedParser
    try:
        p = sub.add_parser("mlperf-tiny", help="run the MLPerf Tiny protocol (performance, accuracy), datasets",
                           usage=USAGE)
    finally:
        sub._parser_class = default_class
    p.add_argument("words", nargs="*", help="nothing (run), 'dataset DIR' or 'official'")
    p.add_argument("--board", default="qemu-netduinoplus2", help="board (default qemu-netduinoplus2)")
    p.add_argument("--model", help="vww, kws, ic or ad (or vww01, kws01, ic01, ad01)")
    p.add_argument("--mode", choices=["performance", "accuracy"])
    p.add_argument("--dataset", help="a folder in the runner's layout (DIR or DIR/<model>)")
    p.add_argument("--elf", help="run this ELF on the emulated board instead of our image")
    p.add_argument("--url", help="talk to a device at this pyserial URL (serial device, socket://)")
    p.add_argument("--iterations", type=int, help="performance: N per window (default: the runner's)")
    p.add_argument("--no-count", action="store_true", help="QEMU without the instruction-counting plugin")
    p.add_argument("--count", type=int, default=20, help="dataset: number of files (default 20)")
    p.add_argument("--seed", type=int, default=0, help="dataset: first seed")
    p.add_argument("--no-record", action="store_true", help="do not record the run in the results store")
    p.add_argument("--results-db", help="results store (default: $TINYHIL_RESULTS_DB or results/tinyhil.sqlite)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd)
