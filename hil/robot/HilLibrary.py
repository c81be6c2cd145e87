"""Robot Framework keywords for running int8 models on boards with tinyhil."""
from __future__ import annotations

import html
import os
import random
import statistics
import struct
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from robot.api import SkipExecution, logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from hil.accuracy import Agreement
from hil.errors import HilError
from hil.paths import MODELS_DIR, SHARED_MODELS_DIR

DEFAULT_BOARD = "qemu-netduinoplus2"
HOST_BOARD = "host"
GARBAGE_TIMEOUT_S = 120   # for the board to take and answer a burst of link garbage
GENERATED_MODELS_DIR = MODELS_DIR / "generated"


class HilFailure(Exception):
    """A harness error shown in Robot as its message alone (it already says what went wrong)."""

    ROBOT_SUPPRESS_NAME = True


@dataclass
class ModelSource:
    """Which file a model name stands for, and why."""
    path: Path
    origin: str


@dataclass
class LoadedModel:
    source: ModelSource
    model_bytes: bytes
    plan: object                  # hil.compiler.CompiledPlan
    known_good: bool = True       # False for a plan broken on purpose: not one to come back to
    _golden: object = None        # hil.golden.TflmReference, made on first use

    @property
    def name(self) -> str:
        return self.plan.name

    def golden(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if self._golden is None:
            from hil.golden import TflmReference
            self._golden = TflmReference(self.model_bytes)
        return self._golden.run(inputs)


@dataclass(frozen=True)
class ModelFit:
    fits: bool
    message: str


@dataclass
class InferenceRun:
    """The inferences of one Run keyword, checked against TFLM."""
    description: str
    labels: list[str]                          # one per inference, for messages ("seed 3", "person.bmp")
    inferences: list = field(default_factory=list)   # hil.session.Inference
    goldens: list[list[np.ndarray]] = field(default_factory=list)
    agreement: Agreement = field(default_factory=Agreement)
    memory: dict = field(default_factory=dict)

    @property
    def instructions(self) -> list[int]:
        return [i.instructions for i in self.inferences if i.instructions is not None]

    @property
    def counter_ticks(self) -> list[int]:
        return [i.counter_ticks for i in self.inferences if i.counter_ticks is not None]

    def first_mismatch(self) -> str | None:
        for label, inference, golden in zip(self.labels, self.inferences, self.goldens):
            for k, (got, want) in enumerate(zip(inference.outputs, golden)):
                if got.shape != want.shape:
                    return f"{label}, output {k}: shape {list(got.shape)}, golden {list(want.shape)}"
                differ = np.flatnonzero(got.reshape(-1) != want.reshape(-1))
                if differ.size:
                    i = int(differ[0])
                    return (f"{label}, output {k}, element {i}: engine {int(got.reshape(-1)[i])}, "
                            f"golden {int(want.reshape(-1)[i])} ({differ.size} of {got.size} elements differ)")
            if len(inference.outputs) != len(golden):
                return f"{label}: {len(inference.outputs)} outputs, golden has {len(golden)}"
        return None


def resolve_model(spec: str) -> ModelSource:
    """A model name or path -> the file to use.

    `spec` may be a path, a file name in ../shared/models, an MLPerf Tiny
    stand-in name (vww, kws, ic, ad: the real model where ../shared/models
    has it, else the generated stand-in), or any generated model's name
    (`python -m hil.modelgen --list`).  Generated models are written on
    demand into models/generated/."""
    from hil.modelgen.generate import all_generators
    from hil.modelgen.mlperf import REAL_MODEL_FILES

    given = Path(spec).expanduser()
    if given.is_file():
        return ModelSource(given.resolve(), "the given file")
    if given.suffix == ".tflite" and (SHARED_MODELS_DIR / spec).is_file():
        return ModelSource(SHARED_MODELS_DIR / spec, "a reference model")
    if spec in REAL_MODEL_FILES:
        real = SHARED_MODELS_DIR / REAL_MODEL_FILES[spec]
        if real.is_file():
            return ModelSource(real, "the real MLPerf Tiny model")
        return ModelSource(_generated(spec),
                           f"the generated stand-in for {real.name} ({real} is not present)")
    if spec in all_generators():
        return ModelSource(_generated(spec), "a generated model")
    raise HilError(f"no model '{spec}': give a .tflite path, a file in {SHARED_MODELS_DIR}, "
                   f"or a generated model's name ({', '.join(list(REAL_MODEL_FILES))}, "
                   "or one of `python -m hil.modelgen --list`)")


def _generated(name: str) -> Path:
    from hil.modelgen.generate import generate_all
    # Always through the generator (about a second): a file from an older generator is
    # rewritten, a current one left alone.  Writes are atomic, so parallel suites do not collide.
    generate_all(GENERATED_MODELS_DIR, only=[name])
    return GENERATED_MODELS_DIR / f"{name}.tflite"


def model_fit(session, plan) -> ModelFit:
    """Whether a compiled plan fits the open board, with the figures either way.

    A firmware board keeps the plan in its FLASH slot where it has one (read in
    place, leaving the RAM pool to arena and per-op counts), else in the RAM
    pool with them; the choice is the link's own (`hil.link.choose_slot`), made
    from the sizes the board announced when it booted."""
    if session.board == HOST_BOARD:
        return ModelFit(True, f"{plan.name} fits the host: the engine runs in this process, "
                              "with no RAM or flash limit")
    from hil.link import PlanNeeds, PlanTooBig, choose_slot

    link = _board_link(session, "check whether the model fits")
    info = link.boot or link.info()
    needs = PlanNeeds.of(plan.blob)
    try:
        slot = choose_slot(needs, info, link.memory is not None, session.board)
    except PlanTooBig as exc:
        return ModelFit(False, f"{plan.name} does not fit {session.board}: {str(exc).removeprefix(session.board + ': ')}")
    pool_needed = needs.pool_bytes_in_flash if slot == "FLASH" else needs.pool_bytes_in_ram
    where = (f"the plan ({needs.plan_bytes:,} B) in the {info.flash_slot_bytes:,} B FLASH slot, arena and "
             f"per-op counts in {pool_needed:,} B" if slot == "FLASH" else
             f"plan, arena and per-op counts in {pool_needed:,} B")
    return ModelFit(True, f"{plan.name} fits {session.board}: {where} of the {info.pool_bytes:,} B RAM pool, "
                          f"{info.pool_bytes - pool_needed:,} B to spare")


def _board_link(session, purpose: str):
    """The link to a firmware board's protocol loop."""
    from hil.link import Link
    link = getattr(session.backend, "link", None)
    if not isinstance(link, Link):
        raise HilFailure(f"cannot {purpose}: the {session.board} backend has no link open")
    return link


def read_grayscale_bmp(path: Path) -> np.ndarray:
    """An uncompressed 8-bit BMP -> HxW uint8 pixels, rows top to bottom."""
    data = path.read_bytes()
    if data[:2] != b"BM" or len(data) < 54:
        raise HilError(f"{path} is not a BMP file")
    bits = int.from_bytes(data[28:30], "little")
    if bits != 8:
        raise HilError(f"{path} has {bits} bits per pixel; an 8-bit grayscale BMP is needed")
    offset = int.from_bytes(data[10:14], "little")
    width = int.from_bytes(data[18:22], "little", signed=True)
    height = int.from_bytes(data[22:26], "little", signed=True)
    row = (width + 3) // 4 * 4   # rows are padded to 4 bytes
    pixels = np.frombuffer(data[offset:offset + row * abs(height)], np.uint8).reshape(abs(height), row)[:, :width]
    return pixels[::-1] if height > 0 else pixels   # positive height: stored bottom-up


def image_to_input(gray: np.ndarray, shape: tuple[int, ...], scale: float, zero_point: int) -> np.ndarray:
    """Pixels 0..255 read as 0..1, quantized with the input's scale and zero
    point and replicated over its channels (vww: p -> p - 128, three times)."""
    if len(shape) != 4 or shape[0] != 1 or tuple(shape[1:3]) != gray.shape or scale <= 0:
        raise HilError(f"a {gray.shape[0]}x{gray.shape[1]} image cannot feed an input of shape {list(shape)}")
    quantized = np.clip(np.round(gray.astype(np.float64) / 255.0 / scale) + zero_point, -128, 127).astype(np.int8)
    return np.repeat(quantized[None, :, :, None], shape[3], axis=3)


def link_garbage(protocol, pieces: int, seed: int) -> bytes:
    """Seeded link-level garbage: random bytes, and frames with a flipped bit, cut short, with a
    header that checks out but a wrong length, or another protocol version."""
    from hil.link_protocol import crc8, encode_frame

    p, rng = protocol, random.Random(seed)
    harmless = [v for k, v in p.commands.items() if k != "RESET"]   # a valid RESET would reboot the board
    out = []
    for _ in range(pieces):
        frame = bytearray(encode_frame(rng.choice(harmless + [0x55, 0xFE]), rng.randrange(256),
                                       rng.randbytes(rng.randrange(12)), p))
        kind = rng.randrange(5)
        if kind == 0:
            frame = bytearray(rng.randbytes(rng.randrange(1, 16)))
        elif kind == 1:
            frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
        elif kind == 2:
            frame = frame[:rng.randrange(1, len(frame))]
        elif kind == 3:
            frame[4:6] = struct.pack("<H", rng.choice([0, 5, p.max_payload + 1, 0xFFFF]))
            frame[6] = crc8(bytes(frame[:6]))
        else:
            frame[1] = rng.randrange(256)
            frame[6] = crc8(bytes(frame[:6]))
        out.append(bytes(frame))
    return b"".join(out)


def _html_table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table border="1" cellpadding="3"><tr>{head}</tr>{body}</table>'


class _CloseBoardWhenSuiteEnds:
    """Library listener: the board is closed when the library goes out of
    scope (the end of its suite), even if the suite has no teardown."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, library: HilLibrary):
        self.library = library

    def close(self) -> None:
        self.library.close_board()


class HilLibrary:
    """Run int8 TinyML models on boards (emulated or the host) and check them
    against the TensorFlow Lite Micro reference.

    One instance per suite: it holds one board and the model loaded on it.
    The board comes from the argument of `Open Board`, else from the variable
    ``${BOARD}``, else ``qemu-netduinoplus2``; ``hil.session.board_names()``
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
    skip the test with the reason.  A model that does not fit the board is
    not loaded: `Model Should Fit Board` fails with the bytes needed against
    the bytes each place on the board holds, and keywords that need the model
    on the board skip.

    = Variables =

    | ``${BOARD}``      | board for `Open Board` without an argument |
    | ``${RESULTS_DB}`` | results store for `Record Result` (default: ``$TINYHIL_RESULTS_DB``, else ``results/tinyhil.sqlite``) |
    | ``${BASELINES}``  | baselines file for `Metrics Should Not Regress` (default: ``robot_suites/baselines.json``) |
    """

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self):
        self.ROBOT_LIBRARY_LISTENER = _CloseBoardWhenSuiteEnds(self)
        self._session = None
        self._board: str | None = None
        self._model: LoadedModel | None = None
        self._unfit: ModelFit | None = None   # why the model compiled last is not on the board
        self._last_good_model: LoadedModel | None = None
        self._run: InferenceRun | None = None

    # -- the board --------------------------------------------------------------------------------

    def open_board(self, board: str | None = None) -> None:
        """Power on ``board`` (default ``${BOARD}``, else ``qemu-netduinoplus2``) and make it
        ready to take a model: for an emulated board this builds the firmware (cached), starts
        the emulator on free ports and waits for the firmware to boot.

        A board already open in this suite is closed first.
        """
        from hil.session import Session, SessionOptions

        board = board or _variable("${BOARD}", DEFAULT_BOARD)
        self.close_board()
        run_dir = _output_dir() / "boards" / f"{_suite_name()}-{board}-{os.getpid()}"
        started = time.monotonic()
        with _as_failure():
            session = Session(board, SessionOptions(run_dir=run_dir))
            session.open()
        self._session, self._board = session, board
        _set_suite_metadata("Board", board)
        logger.info(f"opened board {board} in {time.monotonic() - started:.1f} s (logs in {run_dir})")

    def close_board(self) -> None:
        """Power off the board (stops its emulator).  Safe to call when no board is open."""
        session, self._session = self._session, None
        self._model = self._unfit = self._last_good_model = self._run = None
        if session is not None:
            session.close()
            logger.info(f"closed board {session.board}")

    def board_should_still_answer(self) -> None:
        """Check that the board is alive after something went wrong.

        A firmware board must echo a PING over its link; then, on any board, the
        last model that loaded successfully is loaded again and one seeded
        inference must be byte-equal to TFLM.
        """
        session = self._require_board()
        if session.board != HOST_BOARD:
            link = _board_link(session, "check that the board answers")
            token = os.urandom(8)
            with _as_failure():
                echo = link.ping(token)
            if echo != token:
                raise AssertionError(f"{session.board} answered PING with {echo.hex()} instead of {token.hex()}")
            logger.info(f"{session.board} echoed PING")
        model = self._last_good_model
        if model is None:
            logger.info("no model has loaded on this board yet: only the link was checked")
            return
        self._put_on_board(model)
        self.run_inference(seed=0)
        self.outputs_should_match_golden()
        logger.info(f"{session.board} still runs {model.name} byte-equal with TFLM")

    def send_garbage_to_board(self, pieces: int = 500, seed: int = 0) -> int:
        """Send ``pieces`` pieces of seeded link-level garbage to the board: random bytes, frames with
        flipped bits, cut short, with a wrong length or protocol version.  Returns how many ERROR
        replies the board sent (it must refuse garbage, not act on it).  Fails if the board
        faulted.  Skips on the host, which has no link.

        Follow with `Board Should Still Answer`.
        """
        from hil.link_protocol import FrameDecoder, encode_frame

        session = self._require_board()
        if session.board == HOST_BOARD:
            raise SkipExecution("the host board runs the engine in this process: it has no link to send "
                                "garbage over (run with an emulated board, e.g. --variable BOARD:qemu-netduinoplus2)")
        link = _board_link(session, "send garbage")
        p = link.p
        stream = link_garbage(p, pieces, seed)

        decoder, received = FrameDecoder(p), []
        # Read while writing: the board answers garbage with ERROR frames, and an emulated UART
        # whose output nobody reads stalls both directions.
        write_error: list[Exception] = []

        def write_all() -> None:
            try:
                for i in range(0, len(stream), 512):
                    link.console.write(stream[i:i + 512])
            except Exception as exc:  # reported below, in the keyword's thread
                write_error.append(exc)

        writer = threading.Thread(target=write_all, daemon=True)
        started = time.monotonic()
        deadline = started + GARBAGE_TIMEOUT_S
        with _as_failure():
            writer.start()
            while writer.is_alive() and time.monotonic() < deadline:
                received += decoder.feed(link.console.read(65536, 0.05))
            # The board works through the bytes after the socket took them (Renode's terminal
            # takes a burst at well under 1 KB/s and answers only once it is in): end with
            # padding that completes any partial frame and a PING; its echo means every byte
            # before it has been handled.
            token = os.urandom(8)
            seq = 0xA5
            sentinel_seen = False
            if not writer.is_alive() and not write_error:
                link.console.write(bytes(p.header_bytes + p.max_payload + p.trailer_bytes)
                                   + encode_frame(p.commands["PING"], seq, token, p))
                while not sentinel_seen and time.monotonic() < deadline:
                    for frame in decoder.feed(link.console.read(65536, 0.1)):
                        if (frame.type == p.commands["PING"] | p.reply_flag and frame.seq == seq
                                and frame.payload == token):
                            sentinel_seen = True
                        else:
                            received.append(frame)
        if writer.is_alive():
            raise AssertionError(f"{session.board} stopped taking bytes: {len(stream):,} B of garbage not "
                                 f"written after {GARBAGE_TIMEOUT_S} s")
        if write_error:
            raise HilFailure(f"sending garbage to {session.board} failed: {write_error[0]}")
        if not sentinel_seen:
            raise AssertionError(f"{session.board} did not echo the PING sent after the garbage within "
                                 f"{GARBAGE_TIMEOUT_S} s of the start")
        faults = [f for f in received if f.type == p.events["FAULT"]]
        if faults:
            fault = p.layouts["FAULT"].unpack(faults[0].payload)
            raise AssertionError(f"{session.board} took a CPU fault on link garbage: exception {fault.exception} "
                                 f"at pc=0x{fault.pc:08x}")
        errors = [f for f in received if f.type == p.events["ERROR"]]
        by_code: dict[str, int] = {}
        for frame in errors:
            code = p.error_name(p.layouts["ERROR"].unpack(frame.payload).code)
            by_code[code] = by_code.get(code, 0) + 1
        logger.info(f"sent {len(stream):,} bytes of garbage ({pieces} pieces) in {time.monotonic() - started:.1f} s; "
                    f"{session.board} refused them with {len(errors)} ERROR frames: "
                    + ", ".join(f"{code} x{n}" for code, n in sorted(by_code.items())))
        return len(errors)

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
        source = self._model.source
        _set_suite_metadata("Model", f"{source.path.name} ({source.origin})")

    def load_model_with_arena(self, model: str, arena_bytes: int) -> None:
        """Load ``model`` as a plan that declares an arena of only ``arena_bytes`` bytes (CRC
        fixed, so only the size is wrong): the engine must refuse it, naming the tensor that
        lies outside the arena.
        """
        from hil.plan_format import patched, plan_format

        loaded = self._compile(model)
        header = plan_format().header
        field_index = header.fields.index("arena_bytes")
        offset = struct.calcsize("<" + header.codes[:field_index])
        blob = patched(loaded.plan.blob, offset, header.codes[field_index], int(arena_bytes))
        logger.info(f"{loaded.name}: plan arena {loaded.plan.arena_bytes:,} B declared as {int(arena_bytes):,} B")
        loaded.plan = replace(loaded.plan, blob=blob, arena_bytes=int(arena_bytes))
        loaded.known_good = False
        self._put_on_board(loaded)

    def load_model_should_fail_with(self, expected: str, model: str, arena_bytes: int | None = None) -> str:
        """Load ``model`` (with ``arena_bytes``: as `Load Model With Arena`) and check that it
        fails with an error containing ``expected`` (case-insensitive).  Returns the message.
        """
        try:
            if arena_bytes is None:
                fit = self._load_if_it_fits(model)
                if not fit.fits:
                    raise HilFailure(fit.message)
            else:
                self.load_model_with_arena(model, arena_bytes)
        except (HilFailure, HilError) as exc:
            message = str(exc)
            if expected.lower() not in message.lower():
                raise AssertionError(f"loading {model} failed, but not with '{expected}': {message}") from None
            logger.info(f"loading {model} failed as expected: {message}")
            return message
        raise AssertionError(f"loading {model} succeeded; expected it to fail with '{expected}'")

    def create_model_with_unsupported_op(self, op: str = "TANH") -> str:
        """Write a one-op int8 model using ``op`` (a TFLite builtin the engine does not implement)
        to the output directory; returns its path."""
        from hil.modelgen.builder import ModelBuilder

        builder = ModelBuilder(f"one {op} op")
        x = builder.input("x", (1, 8), scale=0.05, zero_point=0)
        y = builder.tensor("y", (1, 8), scale=1 / 128, zero_point=0)
        builder.op(op, [x], [y])
        builder.mark_output(y)
        path = _output_dir() / f"unsupported_{op.lower()}.tflite"
        builder.save(path)
        return str(path)

    def create_corrupt_model_file(self, kind: str = "garbage") -> str:
        """Write a file that is not a usable TFLite model to the output directory; returns its path.
        ``kind``: ``garbage`` (random bytes) or ``truncated`` (the first 40 bytes of a valid model)."""
        path = _output_dir() / f"corrupt_{kind}.tflite"
        if kind == "garbage":
            path.write_bytes(random.Random(0).randbytes(1000))
        elif kind == "truncated":
            path.write_bytes(Path(self.create_model_with_unsupported_op()).read_bytes()[:40])
        else:
            raise HilFailure(f"unknown kind of corrupt model '{kind}': garbage or truncated")
        return str(path)

    def create_model_too_big_for_board(self) -> str:
        """Write a one-op FULLY_CONNECTED model whose weights alone are larger than every place
        the open board could keep a plan (its RAM pool and its FLASH plan slot) to the output
        directory; returns its path.  Skips on the host, which has no memory limit."""
        from hil.modelgen.builder import ModelBuilder

        session = self._require_board()
        if session.board == HOST_BOARD:
            raise SkipExecution("the host has no RAM limit: no model is too big for it")
        link = _board_link(session, "size a model for the board")
        info = link.boot or link.info()
        largest_slot = max(info.pool_bytes, info.flash_slot_bytes)
        depth = 256
        units = largest_slot // depth + 1
        builder = ModelBuilder(f"FULLY_CONNECTED {depth} -> {units}: more weight bytes than the "
                               f"{largest_slot:,} B of {session.board}'s largest plan slot")
        x = builder.input("x", (1, depth), scale=0.05, zero_point=0)
        weights = np.random.default_rng(0).integers(-127, 128, size=(units, depth), dtype=np.int8)
        w = builder.const("w", weights, scale=0.01, zero_point=0)
        y = builder.tensor("y", (1, units), scale=0.1, zero_point=0)
        builder.op("FULLY_CONNECTED", [x, w, -1], [y], "FullyConnectedOptions",
                   fused_activation_function=0, weights_format=0, keep_num_dims=False)
        builder.mark_output(y)
        path = _output_dir() / f"too_big_for_{session.board}.tflite"
        builder.save(path)
        return str(path)

    def model_should_fit_board(self) -> None:
        """Check that the loaded model fits the board: the plan in its FLASH plan slot (where it
        has one) or in its RAM pool, and arena and per-op counts in RAM.  Fails with what the model
        needs against what each place on the board holds."""
        if self._unfit is not None:
            raise AssertionError(self._unfit.message)
        model = self._require_model()
        logger.info(model_fit(self._session, model.plan).message)

    # -- runs -------------------------------------------------------------------------------------

    def run_inference(self, seed: int = 0) -> None:
        """Run one inference on seeded random int8 inputs (the same inputs on every board)."""
        self.run_seeded_inferences(count=1, seed=seed)

    def run_seeded_inferences(self, count: int = 20, seed: int = 0) -> None:
        """Run ``count`` inferences on seeded random int8 inputs; inference i uses seed
        ``seed`` + i, as ``hil run`` does, so runs on different boards see the same inputs."""
        from hil.golden import random_inputs

        model = self._require_model()
        if count < 1:
            raise HilFailure(f"count must be at least 1, got {count}")
        shapes = [t.shape for t in model.plan.inputs]
        seeds = range(seed, seed + count)
        what = f"{count} seeded inference{'s' * (count != 1)} (seed {seed}" + \
               (f"..{seed + count - 1})" if count > 1 else ")")
        self._execute(what, [f"seed {s}" for s in seeds], [random_inputs(shapes, s) for s in seeds])

    def run_inference_on_image(self, image: str) -> None:
        """Run one inference on an 8-bit grayscale BMP (a path, or a file in ``../shared/models``
        such as ``person.bmp``), quantized with the model's input scale and zero point and
        replicated over its channels.  Skips if the image is not there."""
        model = self._require_model()
        path = Path(image).expanduser()
        if not path.is_file():
            path = SHARED_MODELS_DIR / image
        if not path.is_file():
            raise SkipExecution(f"image {image} not found (the test images live in {SHARED_MODELS_DIR})")
        if len(model.plan.inputs) != 1:
            raise HilFailure(f"{model.name} has {len(model.plan.inputs)} inputs; an image feeds a one-input model")
        spec = model.plan.inputs[0]
        with _as_failure():
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
                             f"first mismatch: {run.first_mismatch()}")

    def instructions_should_be_below(self, limit: int) -> None:
        """Every inference of the latest run must take fewer than ``limit`` instructions (cycles
        where the board counts cycles).  Skips on boards that do not count (the host)."""
        counts = self._require_run().instructions
        if not counts:
            raise SkipExecution(f"{'the host' if self._board == HOST_BOARD else self._board} does not count instructions")
        worst = max(counts)
        if worst >= limit:
            raise AssertionError(f"{self._model.name} on {self._board}: {worst:,} instructions per inference "
                                 f"(most of {len(counts)}), limit {limit:,}: {worst - limit:,} over")
        logger.info(f"at most {worst:,} instructions per inference, limit {limit:,}")

    def arena_should_be_below(self, limit: int) -> None:
        """The model's planned activation arena must be below ``limit`` bytes."""
        self._figure_should_be_below("arena", self._require_model().plan.arena_bytes, limit)

    def stack_should_be_below(self, limit: int) -> None:
        """The peak stack the board measured during the latest run must be below ``limit`` bytes.
        Skips on boards that do not measure stack (the host)."""
        self._memory_figure_should_be_below("stack", "stack_bytes", limit)

    @keyword("RAM Should Be Below")
    def ram_should_be_below(self, limit: int) -> None:
        """The RAM the board reports in use must be below ``limit`` bytes."""
        self._memory_figure_should_be_below("RAM", "ram_bytes", limit)

    def flash_should_be_below(self, limit: int) -> None:
        """The flash the board reports in use must be below ``limit`` bytes."""
        self._memory_figure_should_be_below("flash", "flash_bytes", limit)

    # -- results ----------------------------------------------------------------------------------

    def record_result(self) -> int:
        """Record the latest run in the results store (``${RESULTS_DB}``, else the default store);
        returns the run's id."""
        from hil.results import ResultsStore, render_report

        result = self._result()
        path = _variable("${RESULTS_DB}", None) or None
        with _as_failure(), ResultsStore(path) as store:
            record = store.record_result(result)
            where = store.path
        logger.info(f"recorded run {record.id} in {where}\n{render_report([record])}")
        return record.id

    def metrics_should_not_regress(self, baselines: str | None = None) -> None:
        """Gate the latest run against the baselines file (``baselines``, else ``${BASELINES}``, else
        ``robot_suites/baselines.json``): fails with each regressed metric's old and new value and
        change in percent.  A board and model without a baseline pass, with a note in the log."""
        from hil.results import BaselineFile

        path = baselines or _variable("${BASELINES}", None) or None
        with _as_failure():
            gate = BaselineFile(path).check(self._result())
        if not gate.passed:
            raise AssertionError(gate.summary())
        logger.info(gate.summary())

    # -- internals --------------------------------------------------------------------------------

    def _require_board(self):
        if self._session is None:
            raise HilFailure("no board is open: use Open Board first")
        return self._session

    def _require_model(self) -> LoadedModel:
        self._require_board()
        if self._unfit is not None:
            raise SkipExecution(f"the model is not on the board: {self._unfit.message}")
        if self._model is None:
            raise HilFailure("no model is loaded: use Load Model first")
        return self._model

    def _require_run(self) -> InferenceRun:
        self._require_model()
        if self._run is None:
            raise HilFailure("no inferences have run: use Run Seeded Inferences, Run Inference or "
                             "Run Inference On Image first")
        return self._run

    def _compile(self, spec: str) -> LoadedModel:
        from hil.compiler import compile_model

        self._require_board()
        started = time.monotonic()
        with _as_failure():
            source = resolve_model(spec)
            model_bytes = source.path.read_bytes()
            plan = compile_model(model_bytes, name=source.path.stem)
        logger.info(f"model {spec}: {source.origin}, {source.path}; compiled in {time.monotonic() - started:.2f} s: "
                    f"{len(plan.ops)} ops, {plan.macs:,} MACs, plan {plan.plan_bytes:,} B, arena {plan.arena_bytes:,} B")
        return LoadedModel(source, model_bytes, plan)

    def _load_if_it_fits(self, spec: str) -> ModelFit:
        loaded = self._compile(spec)
        fit = model_fit(self._require_board(), loaded.plan)
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
        with _as_failure():
            session.load(model.plan)
        self._model = model
        if model.known_good:
            self._last_good_model = model
        logger.info(f"loaded {model.name} on {session.board} in {time.monotonic() - started:.2f} s")

    def _execute(self, description: str, labels: list[str], batch: list[list[np.ndarray]]) -> None:
        model = self._require_model()
        run = InferenceRun(description, labels)
        started = time.monotonic()
        with _as_failure():
            for xs in batch:
                inference = self._session.infer(xs)
                golden = model.golden(xs)
                run.inferences.append(inference)
                run.goldens.append(golden)
                run.agreement.add(inference.outputs, golden)
            run.memory = self._session.memory()
        self._run = run
        logger.info(f"{description} on {self._board} in {time.monotonic() - started:.1f} s")
        self._log_summary(run, model)

    def _result(self) -> dict:
        """The latest run as the dict run_model returns (what the store and the gates read)."""
        run, model = self._require_run(), self._model
        plan = model.plan
        result = {"board": self._board, "model": plan.name, "model_sha256": plan.model_sha256,
                  "plan_sha256": plan.plan_sha256, **run.agreement.as_dict(), "arena_bytes": plan.arena_bytes,
                  "plan_bytes": plan.plan_bytes, "macs": plan.macs}
        mismatch = run.first_mismatch()
        if mismatch:
            result["first_mismatch"] = mismatch
        if run.instructions:
            result["instructions"] = run.instructions
            result["per_op"] = run.inferences[-1].per_op
        if run.counter_ticks:
            result["counter_ticks"] = run.counter_ticks
        result.update({k: v for k, v in run.memory.items() if k != "arena_bytes"})
        return result

    def _figure_should_be_below(self, what: str, value: int, limit: int) -> None:
        if value >= limit:
            raise AssertionError(f"{self._model.name} on {self._board}: {what} {value:,} B, limit {limit:,} B: "
                                 f"{value - limit:,} B over")
        logger.info(f"{what} {value:,} B, limit {limit:,} B")

    def _memory_figure_should_be_below(self, what: str, key: str, limit: int) -> None:
        run = self._require_run()
        if run.memory.get(key) is None:
            if self._board == HOST_BOARD:
                raise SkipExecution(f"the host does not measure {what}")
            raise AssertionError(f"{self._board} reported no {what} figure (memory figures: {sorted(run.memory)})")
        self._figure_should_be_below(what, int(run.memory[key]), limit)

    def _log_summary(self, run: InferenceRun, model: LoadedModel) -> None:
        """An HTML table of the run (agreement, instructions, memory) and one of its per-op counts."""
        a, plan = run.agreement, model.plan
        rows = [["board", self._board], ["model", f"{model.name} ({model.source.origin})"], ["run", run.description],
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
        text = _html_table(["", "this run"], rows)
        per_op = run.inferences[-1].per_op if run.inferences else []
        if per_op:
            total = sum(op.get("instructions") or 0 for op in per_op) or 1

            def count(op: dict, key: str) -> str:
                return "-" if op.get(key) is None else f"{op[key]:,}"

            op_rows = [[op["index"], op["type"], count(op, "instructions"),
                        f"{100 * (op.get('instructions') or 0) / total:.1f}%", count(op, "counter_ticks"),
                        f"{plan.ops[op['index']].macs:,}" if op["index"] < len(plan.ops) else "-"]
                       for op in per_op]
            text += "<br>Per op, last inference:" + _html_table(
                ["#", "op", "instructions", "share", "counter ticks", "MACs"], op_rows)
        logger.info(text, html=True)


@contextmanager
def _as_failure():
    """Report harness errors as Robot failures carrying just their message."""
    try:
        yield
    except HilError as exc:
        raise HilFailure(str(exc)) from None


def _variable(name: str, default):
    try:
        return BuiltIn().get_variable_value(name, default)
    except RobotNotRunningError:   # used from plain Python
        return default


def _output_dir() -> Path:
    path = Path(_variable("${OUTPUT DIR}", None) or Path.cwd())
    path.mkdir(parents=True, exist_ok=True)
    return path


def _suite_name() -> str:
    name = _variable("${SUITE NAME}", None) or "python"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _set_suite_metadata(name: str, value: str) -> None:
    try:
        BuiltIn().set_suite_metadata(name, value)
    except RobotNotRunningError:
        pass
