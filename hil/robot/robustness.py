"""Keywords of the robustness suite: garbage on the link, models and plans broken on
purpose, and the check that the board still answers afterwards."""
from __future__ import annotations

import os

from robot.api import SkipExecution, logger

from hil.errors import HilError
from hil.robot.context import HilFailure, as_failure, write_output

GARBAGE_TIMEOUT_S = 120   # for the board to take and answer a burst of link garbage


class RobustnessKeywords:
    """Mixed into HilLibrary; uses its board, model and run state."""

    def board_should_still_answer(self) -> None:
        """Check that the board is alive after something went wrong.

        A firmware board must echo a PING over its link; then, on any board, the
        last model that loaded successfully is loaded again and one seeded
        inference must be byte-equal to TFLM.
        """
        session = self._require_board()
        if session.link is not None:
            token = os.urandom(8)
            with as_failure():
                echo = session.link.ping(token)
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
        from hil.link.garbage import link_garbage, send_garbage

        link = self._require_link("send garbage")
        p = link.p
        stream = link_garbage(p, int(pieces), int(seed))
        with as_failure():
            reply = send_garbage(link, stream, GARBAGE_TIMEOUT_S)
        faults = reply.of_type(p, "FAULT")
        if faults:
            fault = p.layouts["FAULT"].unpack(faults[0].payload)
            raise AssertionError(f"{link.board} took a CPU fault on link garbage: exception {fault.exception} "
                                 f"at pc=0x{fault.pc:08x}")
        errors = reply.of_type(p, "ERROR")
        by_code: dict[str, int] = {}
        for frame in errors:
            code = p.error_name(p.layouts["ERROR"].unpack(frame.payload).code)
            by_code[code] = by_code.get(code, 0) + 1
        logger.info(f"sent {len(stream):,} bytes of garbage ({pieces} pieces) in {reply.seconds:.1f} s; "
                    f"{link.board} refused them with {len(errors)} ERROR frames: "
                    + ", ".join(f"{code} x{n}" for code, n in sorted(by_code.items())))
        return len(errors)

    def load_model_with_arena(self, model: str, arena_bytes: int) -> None:
        """Load ``model`` as a plan that declares an arena of only ``arena_bytes`` bytes (CRC
        fixed, so only the size is wrong): the engine must refuse it, naming the tensor that
        lies outside the arena.
        """
        from hil.compiler.plan_format import with_declared_arena

        loaded = self._compile(model)
        logger.info(f"{loaded.name}: plan arena {loaded.plan.arena_bytes:,} B declared as {int(arena_bytes):,} B")
        loaded.plan = with_declared_arena(loaded.plan, int(arena_bytes))
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
        from hil.modelgen.broken import unsupported_op_model
        return write_output(f"unsupported_{op.lower()}.tflite", unsupported_op_model(op))

    def create_corrupt_model_file(self, kind: str = "garbage") -> str:
        """Write a file that is not a usable TFLite model to the output directory; returns its path.
        ``kind``: ``garbage`` (random bytes) or ``truncated`` (the first 40 bytes of a valid model)."""
        from hil.modelgen.broken import corrupt_model_file
        try:
            data = corrupt_model_file(kind)
        except ValueError as exc:
            raise HilFailure(str(exc)) from None
        return write_output(f"corrupt_{kind}.tflite", data)

    def create_model_too_big_for_board(self) -> str:
        """Write a one-op FULLY_CONNECTED model whose weights alone are larger than every place
        the open board could keep a plan (its RAM pool and its FLASH plan slot) to the output
        directory; returns its path.  Skips on the host, which has no memory limit."""
        from hil.modelgen.broken import model_larger_than

        session = self._require_board()
        if session.link is None:
            raise SkipExecution(f"{session.description} has no RAM limit: no model is too big for it")
        info = session.link.boot or session.link.info()
        largest_slot = max(info.pool_bytes, info.flash_slot_bytes)
        data = model_larger_than(largest_slot, f"the {largest_slot:,} B of {session.board}'s largest plan slot")
        return write_output(f"too_big_for_{session.board}.tflite", data)
