"""The `hil` command line.  Every failure is one line on stderr and an exit code:
1 harness error, 2 bad or unsupported model, 3 outputs differ from the golden reference."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .boards import DEFAULT_BOARD
from .errors import HilError

EXIT_MISMATCH = 3


def _cmd_compile(args) -> int:
    from .compiler import compile_model
    from .model import resolve_model

    plan = compile_model(resolve_model(args.model))
    if args.output:
        out = Path(args.output)
        out.write_bytes(plan.blob)
        if args.c_source:
            Path(args.c_source).write_text(plan.to_c_source(args.symbol))
    if args.json:
        print(json.dumps(plan.summary(), indent=2))
        return 0
    print(f"{plan.name}: {len(plan.ops)} ops, {plan.macs:,} MACs, weights {plan.weights_bytes:,} B, "
          f"plan {plan.plan_bytes:,} B")
    print(f"arena {plan.arena_bytes:,} B (lower bound of live activations {plan.live_lower_bound_bytes:,} B)")
    print(f"{'#':>3}  {'op':<18} {'output shape':<18} {'MACs':>12} {'arena offset':>13} {'bytes':>8}")
    for op in plan.ops:
        shape = "x".join(map(str, op.output_shape))
        print(f"{op.index:>3}  {op.type:<18} {shape:<18} {op.macs:>12,} {op.arena_offset:>13,} {op.output_bytes:>8,}")
    if args.output:
        print(f"wrote {args.output}" + (f" and {args.c_source}" if args.c_source else ""))
    return 0


def _load_one_input(path: str, k: int, spec) -> np.ndarray:
    """Input `k`'s stack from `path` in the input's dtype; float data for an
    integer input is quantized with the model's input scale and zero point."""
    from .compiler.boundary import INTEGER_RANGES, quantize_like_tflm

    try:
        stack = np.load(path)
    except (OSError, ValueError) as exc:
        raise HilError(f"cannot read input {k} from {path}: {exc}") from None
    want = np.dtype(spec.dtype.lower())
    if stack.dtype != want:
        if np.issubdtype(stack.dtype, np.floating) and want == np.float32:
            stack = stack.astype(np.float32)
        elif (np.issubdtype(stack.dtype, np.floating) and spec.dtype in INTEGER_RANGES and spec.scale > 0):
            # TFLM's QUANTIZE arithmetic, as a float-I/O model's own boundary applies it.
            stack = quantize_like_tflm(stack, spec.scale, spec.zero_point, spec.dtype)
            print(f"hil: {path}: float data quantized to {want} with input {k}'s scale {spec.scale:g} and "
                  f"zero point {spec.zero_point}", file=sys.stderr)
        else:
            raise HilError(f"{path}: input {k} ('{spec.name}') is {want}, got {stack.dtype}")
    per = int(np.prod(spec.shape))
    if stack.ndim < 1 or stack[0].size != per:
        raise HilError(f"{path}: each inference of input {k} must have {per} elements (shape {list(spec.shape)}); "
                       f"got an array of shape {list(stack.shape)} (the first axis is the inference)")
    return stack.reshape((stack.shape[0],) + tuple(spec.shape))


def _load_input_stacks(paths: list[str], specs) -> list[list[np.ndarray]]:
    """One .npy stack per model input, in the model's input order."""
    if len(paths) != len(specs):
        names = ", ".join(f"{k}: '{s.name}' {list(s.shape)}" for k, s in enumerate(specs))
        raise HilError(f"the model has {len(specs)} inputs ({names}); give one --input per input, "
                       f"in that order (got {len(paths)})")
    stacks = [_load_one_input(p, k, s) for k, (p, s) in enumerate(zip(paths, specs))]
    if len({len(s) for s in stacks}) != 1:
        raise HilError(f"the --input stacks hold different numbers of inferences: {[len(s) for s in stacks]}")
    return [[s[i] for s in stacks] for i in range(len(stacks[0]))]


def _cmd_run(args) -> int:
    from .session import run_model

    if args.compare_layers:
        return _cmd_compare_layers(args)
    load_batch = (lambda specs: _load_input_stacks(args.input, specs)) if args.input else None
    options = _session_options(args)
    run = run_model(board=args.board, model=args.model, inputs=args.inputs, seed=args.seed,
                    load_batch=load_batch, save_outputs=args.save_outputs, options=options,
                    dequantize=args.dequantize)
    result = run.to_dict()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_run(result)
    return 0 if run.all_equal else EXIT_MISMATCH


def _session_options(args):
    from .session import SessionOptions
    options = SessionOptions(float_io=args.float_io, kernels=args.kernels)
    if args.probe:
        from .runners import takes_option
        if not takes_option(args.board, "probe"):
            raise HilError(f"--probe selects a pyOCD debug probe; board '{args.board}' is not a pyocd-* board")
        options.target_options["probe"] = args.probe
    return options


def _cmd_compare_layers(args) -> int:
    from .model import resolve_model
    from .model.golden import random_inputs
    from .results.layers import compare_layers
    from .session import Session

    from .compiler import compile_model

    model = resolve_model(args.model)
    options = _session_options(args)
    specs = compile_model(model, float_io=options.float_io).inputs
    batch = (_load_input_stacks(args.input, specs) if args.input else
             [random_inputs(specs, args.seed + i) for i in range(args.inputs)])
    with Session(args.board, options) as session:
        report = compare_layers(session, model, batch)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.summary())
        for layer in report.layers:
            print(f"  {layer.describe()}")
    return 0 if report.all_equal else EXIT_MISMATCH


def _print_run(r: dict) -> None:
    print(f"board {r['board']}, model {r['model']}: {r['inferences']} inferences")
    print(f"  golden agreement: {r['byte_equal']}/{r['inferences']} byte-equal with TFLM, "
          f"max abs diff {r['max_abs_diff']}, top-1 agree {r['top1_agree']}/{r['inferences']}")
    print(f"  arena {r['arena_bytes']:,} B, plan {r['plan_bytes']:,} B")
    if r.get("boundary"):
        print(f"  {r['boundary']}")
    if r.get("instructions"):
        print(f"  instructions per inference: {r['instructions'][0]:,}")
    for op in r.get("per_op", []):
        print(f"    {op['index']:>3} {op['type']:<18} {op['instructions']:>12,}")


def _cmd_boards(args) -> int:
    from .runners import parse_target_name
    from .session import board_names

    names = board_names()
    if args.json:
        print(json.dumps(names))
        return 0
    print(f"{'board':<22} {'core':<11} {'RAM':>9} {'flash':>9}  {'kernel builds':<20} description")
    print(f"{'host':<22} {'(this CPU)':<11} {'-':>9} {'-':>9}  {'reference':<20} "
          "the engine in-process: exact outputs, no counts")
    for name in names[1:]:
        b = parse_target_name(name).board
        print(f"{name:<22} {b.cpu.core:<11} {b.ram.size // 1024:>7} K {b.code.size // 1024:>7} K  "
              f"{','.join(b.cpu.kernels):<20} {b.description}")
    return 0


def _cmd_firmware(args) -> int:
    from .boards.firmware import build_firmware, size_report
    from .runners import parse_board_name

    if args.protocol == "mlperf-tiny":
        from .mlperf_tiny.firmware import build_mlperf_firmware, image_info
        if not args.model:
            raise HilError("--protocol mlperf-tiny needs --model (vww, kws, ic or ad)")
        from .mlperf_tiny.firmware import emulator_for
        # A renode-* board gets the image whose m-lap-us uses Renode's timer rates.
        elf = build_mlperf_firmware(args.board, args.model, force=args.rebuild, emulator=emulator_for(args.board))
        print(f"{elf}")
        info = image_info(elf)
        print(f"{info['model_version']}: plan {info['plan_bytes']:,} B linked in, arena {info['arena_bytes']:,} B")
        from .boards.firmware import SizeReport
        print(SizeReport(**info["size"]).format())
        return 0
    op_set, defines = (), ()
    if args.model:
        # The engine with only the ops this model uses (and no 16x8 paths for an int8 model).
        from .compiler import compile_model
        from .engine.op_set import engine_defines
        from .model import resolve_model
        plan = compile_model(resolve_model(args.model))
        op_set, defines = tuple(op.type for op in plan.ops), engine_defines([plan])
    elf = build_firmware(parse_board_name(args.board), app=args.app, force=args.rebuild, op_set=op_set,
                         defines=defines)
    print(f"{elf}")
    if op_set:
        print(f"engine op set of {args.model}: {', '.join(sorted(set(op_set)))}"
              + ("; 16x8 paths left out" if defines else ""))
    print(size_report(elf).format())
    return 0


def _cmd_suite(args) -> int:
    from .suite import run_suites

    return run_suites(args.suites, args.board, Path(args.outputdir), args.variable or [])


def _cmd_bench(args) -> int:
    from .bench import format_per_op_table, format_table, run_bench, save_results

    results = run_bench(args.board, args.models.split(","), args.inferences,
                        args.kernels.split(",") if args.kernels else None)
    path = save_results(results)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_table(results))
        if args.per_op:
            print()
            print(format_per_op_table(results))
    if not args.json:
        print(f"results: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hil", description="tinyhil: int8 TinyML on emulated and real boards")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="compile a .tflite model into an engine plan")
    p.add_argument("model", help="int8 .tflite file, or a model name (as hil run --model)")
    p.add_argument("-o", "--output", help="write the binary plan here")
    p.add_argument("--c-source", help="also write the plan as a C array (with -o)")
    p.add_argument("--symbol", default="tinyhil_plan", help="C symbol name for --c-source")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_compile)

    p = sub.add_parser("run", help="run a model on a board and compare with the TFLM reference")
    p.add_argument("--board", default=DEFAULT_BOARD, help=f"board name (see `hil boards`; default {DEFAULT_BOARD})")
    p.add_argument("--model", required=True,
                   help="int8 .tflite file, a file in ../shared/models, or a model name (vww, kws, ic, ad, ...)")
    p.add_argument("--inputs", type=int, default=10, help="number of seeded random inputs (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first input (inference i uses seed+i)")
    p.add_argument("--input", action="append",
                   help=".npy stack of inputs, the first axis the inference; one --input per model input, in "
                        "the model's input order; float data for an integer input is quantized with its scale")
    p.add_argument("--dequantize", action="store_true",
                   help="with --save-outputs: write integer outputs as float32, dequantized with each output's "
                        "scale and zero point (TFLM's DEQUANTIZE arithmetic)")
    p.add_argument("--save-outputs", help="write the engine's outputs, stacked: a .npy for one output, "
                                          "else an .npz with keys out0, out1, ... in the model's output order")
    p.add_argument("--compare-layers", action="store_true",
                   help="compare every op's output with TFLM's and name the first op that differs")
    p.add_argument("--probe", help="pyocd-* boards: the debug probe's unique id (a real probe's, or "
                                   "remote:HOST:PORT of a probe server)")
    p.add_argument("--float-io", choices=["host", "target"], default="host",
                   help="where a float-I/O model's QUANTIZE/DEQUANTIZE run: the host side of the link (default, "
                        "any board) or the board, in an engine built with float I/O (boards with an FPU)")
    p.add_argument("--kernels", help="the board's kernel build (`hil boards`: mve, dsp, reference); "
                                     "default the first it lists")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("boards", help="list the boards")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_boards)

    p = sub.add_parser("firmware", help="build (cached) a board's firmware and print its size report")
    p.add_argument("--board", required=True, help="board, e.g. netduinoplus2 or qemu-netduinoplus2")
    p.add_argument("--app", default="link", help="firmware app: link (default), hello, fault_check")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if cached")
    p.add_argument("--protocol", choices=["link", "mlperf-tiny"], default="link",
                   help="mlperf-tiny: the MLPerf Tiny protocol image, with --model linked in")
    p.add_argument("--model", help="link only the ops this model uses (any model `hil run --model` takes); "
                                   "with --protocol mlperf-tiny: vww, kws, ic or ad, linked in")
    p.set_defaults(func=_cmd_firmware)

    p = sub.add_parser("suite", help="run Robot suites, then print the recorded runs and write the dashboard")
    p.add_argument("suites", nargs="+", help="robot_suites/*.robot files")
    p.add_argument("--board", help="sets the suites' BOARD variable (default: the suites' own default)")
    p.add_argument("--variable", action="append", help="more robot variables, NAME:value")
    p.add_argument("--outputdir", default="out/robot", help="where log, report, xUnit and dashboard go")
    p.set_defaults(func=_cmd_suite)

    p = sub.add_parser("bench", help="instructions and memory of the MLPerf Tiny models, beside TFLM")
    p.add_argument("--board", action="append", help=f"board (repeatable; default {DEFAULT_BOARD})")
    p.add_argument("--models", default="vww,kws,ic,ad", help="comma-separated of vww,kws,ic,ad")
    p.add_argument("--inferences", type=int, default=3, help="seeded inferences per model (median taken)")
    p.add_argument("--kernels", help="comma-separated kernel builds to run (mve, dsp, reference; `hil boards`); "
                                     "default: each fast build of the board, e.g. Helium beside the DSP build")
    p.add_argument("--per-op", action="store_true",
                   help="also per op type: instructions, MACs, instructions/MAC beside TFLM+CMSIS-NN's")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_bench, board=None)

    from .compiler.op_support import register as register_ops
    register_ops(sub)
    from .results.cli import register as register_results
    register_results(sub)
    from .probe_server.cli import register as register_probe_server
    register_probe_server(sub)
    from .mlperf_tiny.cli import register as register_mlperf_tiny
    register_mlperf_tiny(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "bench" and not args.board:
        args.board = [DEFAULT_BOARD]
    try:
        return args.func(args)
    except HilError as exc:
        print(f"hil: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hil: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
