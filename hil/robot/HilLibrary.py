"""Robot Framework keywords for running int8 models on boards with tinyhil.

The keywords are thin: each calls the Session, the model resolver, the compiler
and the shared helpers that `hil run` uses too, and turns their results into
Robot checks and log tables."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from robot.api import SkipExecution, logger
from robot.api.deco import keyword

from hil.backends import ModelFit
from hil.boards import DEFAULT_BOARD
from hil.model import Model, resolve_model
from hil.paths import SHARED_MODELS_DIR
from hil.results.run import RunResult, run_inferences
from hil.runners import takes_option
from hil.robot.context import HilFailure, as_failure, output_dir, set_suite_metadata, suite_name, variable
from hil.robot.report import run_summary_html
from hil.robot.gates import GateKeywords
from hil.robot.robustness import RobustnessKeywords


@dataclass
class LoadedModel:
    model: Model
    plan: object                  # hil.compiler.CompiledPlan
    known_good: bool = True       # False for a plan broken on purpose: not one to come back to
    _golden: object = None        # hil.model.golden.TflmReference, made on first use

    @property
    def name(self) -> str:
        return self.plan.name

    def golden(self, inputs):
        if self._golden is None:
            from hil.model.golden import TflmReference
            self._golden = TflmReference(self.model)
        return self._golden.run(inputs)


class _CloseBoardWhenSuiteEnds:
    """Library listener: the board is closed when the library goes out of
    scope (the end of its suite), even if the suite has no teardown."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, library: HilLibrary):
        self.library = library

    def close(self) -> None:
        self.library.close_board()


class HilLibrary(GateKeywords, RobustnessKeywords):
    """Run int8 TinyML models on boards (emulated or the host) and check them
    against the TensorFlow Lite Micro reference.

    One instance per suite: it holds one board and the model loaded on it.
    The board comes from the argument of `Open Board`, else from the variable
    ``${BOARD}``, else the harness's default board (``qemu-netduinoplus2``); ``hil.session.board_names()``
    lists the boards (``host`` runs the engine in this process).

    A typical suite, its settings and then one test case:
    | Library          hil.robot.HilLibrary
    | Suite Setup      Run Keywords    Open Board    ${BOARD}    AND    Load Model    kws
    | Suite Teardown   Close Board
    |
    | Golden Agreement
    |     Run Seeded Inferences    count=20    seed=0
    |     Outputs Should Match Golden
    |     Instructions Should Be Below    10000000

    = Models =

    `Load Model` takes a path, a file name in ``../shared/models``, or a
    generated model's name.  ``vww``, ``kws``, ``ic`` and ``ad`` mean the real
    MLPerf Tiny model where ``../shared/models`` has it and the generated
    stand-in of the same topology otherwise; the log says which was used.

    = Runs =

    Each `Run Inference`, `Run Seeded Inferences` or `Run Inference On Image`
    starts a new run: its outputs are compared with TFLM as they come, and a
    summary table (agreement, instructions, per-op counts, memory) goes into
    the log.  The checks (`Outputs Should Match Golden`, `Instructions Should
    Be Below`, the memory checks), `Record Result` and `Metrics Should Not
    Regress` look at the latest run.

    = What a board cannot do =

    Checks of something a board does not measure (instructions and stack on
    the host) and `Send Garbage To Board` on the host, which has no link,
    skip the test with the reason, as do `Metrics Should Not Regress` and
    `Instructions Should Be Within Baseline` for a board and model without a
    baseline: a check that did not apply never shows as a pass.  A model that does not fit the board is
    not loaded: `Model Should Fit Board` fails with the bytes needed against
    the bytes each place on the board holds, and keywords that need the model
    on the board skip.

    = Variables =

    | ``${BOARD}``      | board for `Open Board` without an argument |
    | ``${PROBE}``      | ``pyocd-*`` boards: the debug probe's unique id, or ``remote:HOST:PORT`` of a probe server |
    | ``${FLOAT_IO}``   | where a float-I/O model's QUANTIZE/DEQUANTIZE run: ``host`` (default; the host side of the link) or ``target`` (the engine built with float I/O, boards with an FPU); the log says which |
    | ``${KERNELS}``    | the board's kernel build (``mve``, ``dsp``, ``reference``; `hil boards` lists each board's, default the first) |
    | ``${RESULTS_DB}`` | results store for `Record Result` (default: ``$TINYHIL_RESULTS_DB``, else ``results/tinyhil.sqlite``) |
    | ``${BASELINES}``  | baselines file for `Metrics Should Not Regress` (default: ``robot_suites/baselines.json``) |
    """

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self):
        self.ROBOT_LIBRARY_LISTENER = _CloseBoardWhenSuiteEnds(self)
        self._session = None
        self._model: LoadedModel | None = None
        self._unfit: ModelFit | None = None   # why the model compiled last is not on the board
        self._last_good_model: LoadedModel | None = None
        self._run: RunResult | None = None

    # -- the board --------------------------------------------------------------------------------

    def open_board(self, board: str | None = None) -> None:
        """Power on ``board`` (default ``${BOARD}``, else ``qemu-netduinoplus2``) and make it
        ready to take a model: for an emulated board this builds the firmware (cached), starts
        the emulator on free ports and waits for the firmware to boot.

        A board already open in this suite is closed first.
        """
        from hil.session import Session, SessionOptions

        board = board or variable("${BOARD}", None) or DEFAULT_BOARD
        self.close_board()
        run_dir = output_dir() / "boards" / f"{suite_name()}-{board}-{os.getpid()}"
        started = time.monotonic()
        target_options = {}
        probe = variable("${PROBE}", None)
        if probe and takes_option(board, "probe"):
            target_options["probe"] = str(probe)   # a probe's unique id, or remote:HOST:PORT
        with as_failure():
            float_io = str(variable("${FLOAT_IO}", None) or "host")
            kernels = variable("${KERNELS}", None)
            session = Session(board, SessionOptions(run_dir=run_dir, target_options=target_options,
                                                    float_io=float_io, kernels=str(kernels) if kernels else None))
            session.open()
        self._session = session
        set_suite_metadata("Board", board)
        logger.info(f"opened board {board} in {time.monotonic() - started:.1f} s (logs in {run_dir})")

    def close_board(self) -> None:
        """Power off the board (stops its emulator).  Safe to call when no board is open."""
        session, self._session = self._session, None
        self._model = self._unfit = self._last_good_model = self._run = None
        if session is not None:
            session.close()
            logger.info(f"closed board {session.board}")

    # -- models -----------------------------------------------------------------------------------

    def load_model(self, model: str) -> None:
        """Compile ``model`` into a plan and load it on the board.

        ``model``: a path, a file in ``../shared/models``, or a generated model's name (see
        `Models`); the log and the suite metadata say which file was used.  A model that does
        not fit the board is not loaded (see `Model Should Fit Board`).
        """
        fit = self._load_if_it_fits(model)
        if not fit.fits:
            logger.warn(fit.message)
            return
        loaded = self._model.model
        set_suite_metadata("Model", f"{loaded.path.name if loaded.path else loaded.name} ({loaded.origin})")

    def model_should_fit_board(self) -> None:
        """Check that the loaded model fits the board: the plan in its FLASH plan slot (where it
        has one) or in its RAM pool, and arena and per-op counts in RAM.  Fails with what the model
        needs against what each place on the board holds."""
        if self._unfit is not None:
            raise AssertionError(self._unfit.message)
        model = self._require_model()
        logger.info(self._session.fit(model.plan).message)

    # -- runs -------------------------------------------------------------------------------------

    def run_inference(self, seed: int = 0) -> None:
        """Run one inference on seeded random int8 inputs (the same inputs on every board)."""
        self.run_seeded_inferences(count=1, seed=seed)

    def run_seeded_inferences(self, count: int = 20, seed: int = 0) -> None:
        """Run ``count`` inferences on seeded random inputs (uniform over each input type; see random_inputs); inference i uses seed
        ``seed`` + i, as ``hil run`` does, so runs on different boards see the same inputs."""
        from hil.model.golden import random_inputs

        model = self._require_model()
        count, seed = int(count), int(seed)
        if count < 1:
            raise HilFailure(f"count must be at least 1, got {count}")
        specs = model.plan.inputs
        seeds = range(seed, seed + count)
        what = f"{count} seeded inference{'s' * (count != 1)} (seed {seed}" + \
               (f"..{seed + count - 1})" if count > 1 else ")")
        self._execute(what, [f"seed {s}" for s in seeds], [random_inputs(specs, s) for s in seeds])

    def run_inference_on_image(self, image: str) -> None:
        """Run one inference on an 8-bit grayscale BMP (a path, or a file in ``../shared/models``
        such as ``person.bmp``), quantized with the model's input scale and zero point and
        replicated over its channels.  Skips if the image is not there."""
        from hil.model.images import image_to_input, read_grayscale_bmp

        model = self._require_model()
        path = Path(image).expanduser()
        if not path.is_file():
            path = SHARED_MODELS_DIR / image
        if not path.is_file():
            raise SkipExecution(f"image {image} not found (the test images live in {SHARED_MODELS_DIR})")
        if len(model.plan.inputs) != 1:
            raise HilFailure(f"{model.name} has {len(model.plan.inputs)} inputs; an image feeds a one-input model")
        spec = model.plan.inputs[0]
        with as_failure():
            x = image_to_input(read_grayscale_bmp(path), spec.shape, spec.scale, spec.zero_point)
        self._execute(f"image {path.name}", [path.name], [[x]])

    # -- checks -----------------------------------------------------------------------------------

    def outputs_should_match_golden(self) -> None:
        """Every output of the latest run must be byte-equal to TFLM's; the failure names the first
        inference, output and element that differ."""
        run = self._require_run()
        a = run.agreement
        if a.all_equal:
            logger.info(f"{a.byte_equal}/{a.inferences} inferences byte-equal with TFLM")
            return
        raise AssertionError(f"{a.inferences - a.byte_equal} of {a.inferences} inferences differ from TFLM "
                             f"(max abs diff {a.max_abs_diff}, top-1 agrees on {a.top1_agree}/{a.inferences}); "
                             f"first mismatch: {run.first_mismatch}")

    def layers_should_match_golden(self, count: int = 1, seed: int = 0) -> None:
        """Run ``count`` seeded inferences with every op's output compared to TFLM's; fails naming
        the first op (index, type, tensor, max abs diff) whose output differs.  The model's own plan
        is put back on the board afterwards."""
        from hil.model.golden import random_inputs
        from hil.results.layers import compare_layers

        model = self._require_model()
        batch = [random_inputs(model.plan.inputs, int(seed) + i) for i in range(int(count))]
        with as_failure():
            report = compare_layers(self._session, model.model, batch)
        last_run = self._run
        self._put_on_board(model)
        self._run = last_run   # the latest run of the model's own plan stays the one to check
        if not report.all_equal:
            raise AssertionError(report.summary())
        logger.info(report.summary())

    def instructions_should_be_below(self, limit: int) -> None:
        """Every inference of the latest run must take fewer than ``limit`` instructions.  Skips on
        boards that do not count instructions (the host, a real board's cycle counter); fails on a
        board that counts them but counted nothing."""
        run, limit = self._require_run(), int(limit)
        if not run.instructions:
            self._skip_unless_counting()
            raise AssertionError(f"{run.model} on {run.board}: no instructions were counted")
        worst = max(run.instructions)
        if worst >= limit:
            raise AssertionError(f"{run.model} on {run.board}: {worst:,} instructions per inference "
                                 f"(most of {len(run.instructions)}), limit {limit:,}: {worst - limit:,} over")
        logger.info(f"at most {worst:,} instructions per inference, limit {limit:,}")

    def top_class_should_be(self, expected: int, output: int = 0) -> None:
        """Every inference of the latest run must have its largest value of output ``output`` at
        index ``expected`` (the class the model picks)."""
        run = self._require_run()
        for label, inference in zip(run.labels, run.inferences):
            scores = inference.outputs[int(output)].reshape(-1)
            top = int(np.argmax(scores))
            if top != int(expected):
                raise AssertionError(f"{run.model} on {run.board}, {label}: top class {top}, expected "
                                     f"{expected} (output {output}: {scores.tolist()})")
        logger.info(f"top class {expected} on all {len(run.inferences)} inference(s)")

    def arena_should_be_below(self, limit: int) -> None:
        """The model's planned activation arena must be below ``limit`` bytes."""
        self._figure_should_be_below("arena", self._require_model().plan.arena_bytes, int(limit))

    def stack_should_be_below(self, limit: int) -> None:
        """The peak stack the board measured during the latest run must be below ``limit`` bytes.
        Skips on boards that do not measure stack (the host)."""
        self._memory_figure_should_be_below("stack", "stack_bytes", int(limit))

    @keyword("RAM Should Be Below")
    def ram_should_be_below(self, limit: int) -> None:
        """The RAM the board reports in use must be below ``limit`` bytes."""
        self._memory_figure_should_be_below("RAM", "ram_bytes", int(limit))

    def flash_should_be_below(self, limit: int) -> None:
        """The flash the board reports in use must be below ``limit`` bytes."""
        self._memory_figure_should_be_below("flash", "flash_bytes", int(limit))

    # -- internals --------------------------------------------------------------------------------

    def _require_board(self):
        if self._session is None:
            raise HilFailure("no board is open: use Open Board first")
        return self._session

    def _require_link(self, purpose: str):
        session = self._require_board()
        if session.link is None:
            raise SkipExecution(f"{session.description} runs the engine in this process: it has no link to "
                                f"{purpose} over (run with an emulated board, e.g. --variable BOARD:{DEFAULT_BOARD})")
        return session.link

    def _skip_unless_counting(self) -> None:
        if not self._session.counts_instructions:
            raise SkipExecution(f"{self._session.description} does not count instructions")

    def _require_model(self) -> LoadedModel:
        self._require_board()
        if self._unfit is not None:
            raise SkipExecution(f"the model is not on the board: {self._unfit.message}")
        if self._model is None:
            raise HilFailure("no model is loaded: use Load Model first")
        return self._model

    def _require_run(self) -> RunResult:
        self._require_model()
        if self._run is None:
            raise HilFailure("no inferences have run: use Run Seeded Inferences, Run Inference or "
                             "Run Inference On Image first")
        return self._run

    def _compile(self, spec: str) -> LoadedModel:
        from hil.compiler import compile_model

        session = self._require_board()
        started = time.monotonic()
        with as_failure():
            model = resolve_model(spec)
            plan = compile_model(model, float_io=session.options.float_io)
        logger.info(f"model {spec}: {model.origin}, {model.path}; compiled in {time.monotonic() - started:.2f} s: "
                    f"{len(plan.ops)} ops, {plan.macs:,} MACs, plan {plan.plan_bytes:,} B, arena {plan.arena_bytes:,} B")
        return LoadedModel(model, plan)

    def _load_if_it_fits(self, spec: str) -> ModelFit:
        loaded = self._compile(spec)
        with as_failure():
            fit = self._require_board().fit(loaded.plan)
        if fit.fits:
            logger.info(fit.message)
            self._put_on_board(loaded)
        else:
            self._model, self._unfit, self._run = None, fit, None
        return fit

    def _put_on_board(self, model: LoadedModel) -> None:
        session = self._require_board()
        self._model, self._unfit, self._run = None, None, None
        started = time.monotonic()
        with as_failure():
            session.load(model.plan)
        self._model = model
        if model.known_good:
            self._last_good_model = model
        logger.info(f"loaded {model.name} on {session.board} in {time.monotonic() - started:.2f} s")

    def _execute(self, description: str, labels: list[str], batch) -> None:
        model = self._require_model()
        started = time.monotonic()
        with as_failure():
            run = run_inferences(self._session, model.plan, model.golden, batch, labels, description)
        self._run = run
        logger.info(f"{description} on {run.board} in {time.monotonic() - started:.1f} s")
        if model.plan.boundary.active:
            logger.info(model.plan.boundary.describe())
        logger.info(run_summary_html(run, model.model.origin), html=True)

    def _figure_should_be_below(self, what: str, value: int, limit: int) -> None:
        if value >= limit:
            raise AssertionError(f"{self._model.name} on {self._session.board}: {what} {value:,} B, "
                                 f"limit {limit:,} B: {value - limit:,} B over")
        logger.info(f"{what} {value:,} B, limit {limit:,} B")

    def _memory_figure_should_be_below(self, what: str, key: str, limit: int) -> None:
        run = self._require_run()
        if run.memory.get(key) is None:
            if self._session.link is None:
                raise SkipExecution(f"{self._session.description} does not measure {what}")
            raise AssertionError(f"{run.board} reported no {what} figure (memory figures: {sorted(run.memory)})")
        self._figure_should_be_below(what, int(run.memory[key]), limit)
