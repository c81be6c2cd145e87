"""The host side of the link protocol (firmware/protocol/th_link.h).

A Link talks to one board through any Console (pyserial's socket:// for an
emulator, a device path for hardware).  Every failure raises an error that
names the board, the command and what was last received, so a hung or
confused board is diagnosable from the message alone."""
from __future__ import annotations

import os
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..errors import HilError
from .protocol import Frame, FrameDecoder, Protocol, encode_frame, load_protocol
from .errors import BoardFault, BoardReportedError, ConnectionLost, LinkError, LinkTimeout, UnexpectedReset
from .placement import BoardInfo, PlanNeeds, choose_slot

if TYPE_CHECKING:
    from ..runners.base import Console, MemoryWriter


@dataclass
class LoadedModel:
    plan_bytes: int
    arena_address: int
    arena_bytes: int
    num_inputs: int
    num_outputs: int
    num_ops: int
    transfer_seconds: float
    bulk: bool
    slot: str = "RAM"            # where the plan is kept: "RAM" or "FLASH"
    plan_address: int = 0


@dataclass
class TensorInfo:
    dtype: int
    shape: tuple[int, ...]
    zero_point: int
    bytes: int
    address: int        # on the target: where a MemoryWriter can put the bytes


@dataclass
class InvokeResult:
    ticks: int                  # on-target counter ticks for the whole invoke
    counter_index: int | None   # which of the board's [[counters]] counted them
    stack_bytes: int            # with measure_stack: stack this invoke used
    num_ops: int


@dataclass
class OpCount:
    index: int
    op_type: int
    ticks: int


# ERROR codes worth resending the same frame for: the frame was damaged on the way.
_TRANSPORT_ERRORS = ("BAD_HEADER", "BAD_CRC", "TIMEOUT")

# What a board's ERROR code means, where the code alone does not say.
_ERROR_HINTS = {
    "SLOT_READ_ONLY": "the FLASH plan slot is written by a debugger (a MemoryWriter), "
                      "not by LOAD_CHUNK: the firmware has no flash driver",
    "NO_SLOT": "this board has no such plan slot",
    "PLAN_TOO_BIG": "the plan does not fit its slot, or plan and arena do not fit the RAM pool",
}

class Link:
    @classmethod
    def connect(cls, target, timeout: float = 5.0, boot_timeout: float = 10.0) -> "Link":
        """A Link to the firmware on an open target (anything with console, memory, name and
        run_dir), once the firmware has announced itself (its BOOT frame); the frames it
        exchanges are logged to run_dir/link.log."""
        log_path = target.run_dir / "link.log"

        def log(line: str) -> None:
            with open(log_path, "a") as f:
                f.write(f"{time.monotonic():.6f} {line}\n")

        link = cls(target.console, target.name, timeout=timeout, memory=target.memory, log=log)
        link.wait_boot(boot_timeout)
        return link

    def __init__(self, console: Console, board: str, protocol: Protocol | None = None,
                 timeout: float = 5.0, memory: MemoryWriter | None = None,
                 log: Callable[[str], None] | None = None, retries: int = 2):
        self.console = console
        self.board = board
        self.p = protocol or load_protocol()
        self.timeout = timeout
        self.memory = memory
        self.retries = retries
        self._log = log or (lambda line: None)
        self._decoder = FrameDecoder(self.p)
        self._pending: list[Frame] = []
        self._seq = 0
        self.boot: BoardInfo | None = None

    # --- frames --------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq = self._seq % 255 + 1   # 1..255: 0 is what the board uses when it knows no seq
        return self._seq

    def _last_received(self) -> str:
        recent = bytes(self._decoder.recent)
        if not recent:
            return "nothing"
        text = recent.decode("ascii", "replace")
        printable = "".join(c if c.isprintable() else "." for c in text)
        return f"{len(recent)} bytes {recent.hex(' ')} ({printable!r})"

    def _receive(self, deadline: float) -> Frame | None:
        while not self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            data = self.console.read(4096, min(left, 0.5))
            if data:
                self._pending += self._decoder.feed(data)
        return self._pending.pop(0)

    def _fault_error(self, frame: Frame, during: str) -> BoardFault:
        f = vars(self.p.layouts["FAULT"].unpack(frame.payload))
        f.pop("tail", None)
        exit_name = self.p.exit_name(f["exit_code"])
        return BoardFault(f"{self.board}: CPU fault during {during}: {exit_name} (exception {f['exception']}) "
                          f"at pc=0x{f['pc']:08x} lr=0x{f['lr']:08x} sp=0x{f['sp']:08x} "
                          f"cfsr=0x{f['cfsr']:08x} hfsr=0x{f['hfsr']:08x} "
                          f"mmfar=0x{f['mmfar']:08x} bfar=0x{f['bfar']:08x}", f)

    def _send(self, type_id: int, seq: int, payload: bytes) -> None:
        self.console.write(encode_frame(type_id, seq, payload, self.p))

    def request(self, command: str, payload: bytes = b"", timeout: float | None = None) -> bytes:
        """Send one command and return its reply payload."""
        try:
            return self._request(command, payload, timeout)
        except HilError as exc:
            if isinstance(exc, LinkError):
                raise
            raise ConnectionLost(f"{self.board}: connection lost during {command} ({exc}); "
                                 f"last received: {self._last_received()}") from None

    def _request(self, command: str, payload: bytes, timeout: float | None) -> bytes:
        type_id = self.p.commands[command]
        timeout = self.timeout if timeout is None else timeout
        for attempt in range(self.retries + 1):
            seq = self._next_seq()
            self._send(type_id, seq, payload)
            self._log(f"-> {command} seq={seq} {len(payload)}B")
            deadline = time.monotonic() + timeout
            while True:
                frame = self._receive(deadline)
                if frame is None:
                    raise LinkTimeout(f"{self.board}: no reply to {command} within {timeout:g} s; "
                                      f"last received: {self._last_received()}")
                name = self.p.type_name(frame.type)
                if frame.type == self.p.events["FAULT"]:
                    raise self._fault_error(frame, command)
                if frame.type == self.p.events["BOOT"]:
                    self.boot = self._parse_info(frame.payload)
                    raise UnexpectedReset(f"{self.board}: the board reset during {command} "
                                          f"(boot count {self.boot.boot_count})")
                if frame.seq != seq:
                    self._log(f"<- {name} seq={frame.seq} (stale, ignored)")
                    continue
                if frame.type == type_id | self.p.reply_flag:
                    self._log(f"<- {name} seq={seq} {len(frame.payload)}B")
                    return frame.payload
                if frame.type == self.p.events["ERROR"]:
                    err = self.p.layouts["ERROR"].unpack(frame.payload)
                    code = self.p.error_name(err.code)
                    if err.command not in (type_id, 0xFF):
                        self._log(f"<- ERROR {code} for {self.p.type_name(err.command)} (stale, ignored)")
                        continue
                    self._log(f"<- ERROR {code} seq={seq} detail={err.detail}")
                    if code in _TRANSPORT_ERRORS and attempt < self.retries:
                        break  # resend
                    raise self._board_error(command, code, err)
                self._log(f"<- {name} seq={seq} (unexpected, ignored)")
        raise LinkError(f"{self.board}: {command} failed after {self.retries + 1} attempts")

    def _board_error(self, command: str, code: str, err) -> BoardReportedError:
        engine = {k: getattr(err, k) for k in ("status", "op_index", "op_type", "tensor_index",
                                               "byte_offset", "expected", "got", "field")}
        if code == "ENGINE":
            from ..compiler.plan_format import describe_error
            what = f"{self.board}: " + describe_error(engine, f"{command} (on the board)")
        else:
            what = f"{self.board}: {command} failed: {code}" + (f" (detail {err.detail})" if err.detail else "")
            if code in _ERROR_HINTS:
                what += f": {_ERROR_HINTS[code]}"
        return BoardReportedError(what, code, err.detail, engine)

    def wait_event(self, event: str, timeout: float | None = None) -> Frame:
        """Wait for an unsolicited frame (BOOT after a reset, FAULT...)."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            frame = self._receive(deadline)
            if frame is None:
                raise LinkTimeout(f"{self.board}: no {event} event within {timeout:g} s; "
                                  f"last received: {self._last_received()}")
            if frame.type == self.p.events[event]:
                return frame
            if frame.type == self.p.events["FAULT"]:
                raise self._fault_error(frame, f"waiting for {event}")

    def resync(self, timeout: float = 2.0) -> None:
        """Get a confused board back: enough non-SOF bytes to complete any
        partial frame it holds, drop whatever it answers, then a PING."""
        self.console.write(bytes(self.p.header_bytes + self.p.max_payload + self.p.trailer_bytes))
        quiet_since = time.monotonic()
        give_up = quiet_since + timeout
        while time.monotonic() - quiet_since < 0.3 and time.monotonic() < give_up:
            if self.console.read(4096, 0.05):
                quiet_since = time.monotonic()
        self._pending.clear()
        self._decoder = FrameDecoder(self.p)
        token = os.urandom(8)
        if self.ping(token, timeout=timeout) != token:
            raise LinkError(f"{self.board}: no clean PING echo after resynchronising")

    # --- commands ------------------------------------------------------

    def _parse_info(self, payload: bytes) -> BoardInfo:
        i = self.p.layouts["INFO"].unpack(payload)
        text = dict(line.split("=", 1) for line in i.tail.decode("utf-8", "replace").splitlines() if "=" in line)
        return BoardInfo(i.protocol_version, i.max_payload, (i.plan_version_major, i.plan_version_minor),
                         bool(i.engine_present), None if i.counter_index == 0xFF else i.counter_index,
                         i.counter_bits, i.cpuid, i.pool_address, i.pool_bytes, i.boot_count,
                         i.flash_slot_address, i.flash_slot_bytes, text)

    def wait_boot(self, timeout: float | None = None) -> BoardInfo:
        self.boot = self._parse_info(self.wait_event("BOOT", timeout).payload)
        return self.boot

    def ping(self, data: bytes = b"", timeout: float | None = None) -> bytes:
        return self.request("PING", data, timeout)

    def info(self) -> BoardInfo:
        return self._parse_info(self.request("INFO"))

    def load_plan(self, blob: bytes, bulk: bool = True, timeout: float | None = None,
                  slot: str | None = None) -> LoadedModel:
        """Move a plan into one of the board's plan slots and load it.

        With a MemoryWriter (and bulk=True) the bytes go straight into memory,
        into the FLASH slot when the board has one and the plan fits it (see
        choose_slot), else into the RAM slot; otherwise they go through the
        UART in LOAD_CHUNK frames into the RAM slot.  `slot` ("FLASH" or
        "RAM") forces one.  A plan that fits no slot raises PlanTooBig before
        anything is sent."""
        layouts = self.p.layouts
        start = time.monotonic()
        use_bulk = bulk and self.memory is not None
        info = self.boot or self.info()
        chosen = choose_slot(PlanNeeds.of(blob), info, use_bulk, self.board, slot)
        begin = layouts["LOAD_BEGIN_REPLY"].unpack(self.request(
            "LOAD_BEGIN", layouts["LOAD_BEGIN"].pack(total_bytes=len(blob), crc32=zlib.crc32(blob),
                                                     slot=self.p.slots[chosen])))
        self._log(f"   plan of {len(blob)} B -> {chosen} slot at 0x{begin.slot_address:08x} "
                  f"({begin.slot_bytes} B)")
        if use_bulk:
            self.memory.write_memory(begin.slot_address, blob)
        else:
            step = self.p.max_payload - layouts["CHUNK"].size
            for offset in range(0, len(blob), step):
                self.request("LOAD_CHUNK", layouts["CHUNK"].pack(offset=offset) + blob[offset:offset + step])
        end = layouts["LOAD_END_REPLY"].unpack(self.request("LOAD_END", timeout=timeout))
        return LoadedModel(end.plan_bytes, end.arena_address, end.arena_bytes, end.num_inputs,
                           end.num_outputs, end.num_ops, time.monotonic() - start, use_bulk,
                           self.p.slot_name(end.slot), end.plan_address)

    def tensor_info(self, index: int, output: bool = False) -> TensorInfo:
        r = self.p.layouts["TENSOR_INFO_REPLY"].unpack(self.request(
            "TENSOR_INFO", self.p.layouts["TENSOR_SELECT"].pack(is_output=int(output), index=index)))
        dims = (r.dim0, r.dim1, r.dim2, r.dim3, r.dim4, r.dim5)[:r.rank]
        return TensorInfo(r.dtype, tuple(dims), r.zero_point, r.bytes, r.address)

    def set_input(self, index: int, data: bytes, info: TensorInfo | None = None, bulk: bool = True) -> None:
        """Write input `index`.  With a MemoryWriter the bytes go straight to
        the tensor's address (the UART is slow host-to-target); otherwise in
        SET_INPUT frames.  `info` (from tensor_info) saves a round trip."""
        info = info or self.tensor_info(index)
        if len(data) != info.bytes:
            raise LinkError(f"{self.board}: input {index} takes {info.bytes} bytes (shape {list(info.shape)}), "
                            f"got {len(data)}")
        if bulk and self.memory is not None:
            self.memory.write_memory(info.address, data)
            return
        io = self.p.layouts["TENSOR_IO"]
        step = self.p.max_payload - io.size
        for offset in range(0, max(len(data), 1), step):
            self.request("SET_INPUT", io.pack(index=index, offset=offset) + data[offset:offset + step])

    def get_output(self, index: int, size: int | None = None) -> bytes:
        if size is None:
            size = self.tensor_info(index, output=True).bytes
        io = self.p.layouts["TENSOR_IO"]
        out = bytearray()
        while len(out) < size:
            want = min(self.p.max_payload, size - len(out))
            chunk = self.request("GET_OUTPUT", io.pack(index=index, offset=len(out), length=want))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def invoke(self, profile: bool = False, measure_stack: bool = False,
               timeout: float | None = 60.0) -> InvokeResult:
        flags = (self.p.invoke_flags["PROFILE_OPS"] if profile else 0) | \
                (self.p.invoke_flags["MEASURE_STACK"] if measure_stack else 0)
        r = self.p.layouts["INVOKE_REPLY"].unpack(
            self.request("INVOKE", self.p.layouts["INVOKE"].pack(flags=flags), timeout))
        return InvokeResult(r.ticks, None if r.counter_index == 0xFF else r.counter_index,
                            r.stack_bytes, r.num_ops)

    def op_counts(self) -> list[OpCount]:
        head_layout = self.p.layouts["OP_COUNTS_REPLY"]
        entry = self.p.layouts["OP_COUNT_ENTRY"]
        counts: list[OpCount] = []
        while True:
            reply = head_layout.unpack(self.request(
                "GET_OP_COUNTS", self.p.layouts["OP_COUNTS"].pack(first=len(counts), max_count=0xFFFF)))
            for i in range(reply.count):
                e = entry.unpack(reply.tail[i * entry.size:])
                counts.append(OpCount(reply.first + i, e.op_type, e.ticks))
            if reply.count == 0 or len(counts) >= reply.num_ops:
                return counts

    def memory_figures(self) -> dict[str, int]:
        m = vars(self.p.layouts["MEMORY_REPLY"].unpack(self.request("GET_MEMORY")))
        m.pop("tail", None)
        return m

    def reset(self, timeout: float | None = None) -> BoardInfo:
        """Reset the board through the link and wait for it to boot again."""
        self.request("RESET")
        return self.wait_boot(timeout)
