"""Seeded link-level garbage, and sending it to a board while reading what it answers.

The board must refuse garbage (ERROR frames), never act on it or fault.  The end of
its work is known, not guessed: after the garbage comes a flush (enough non-SOF bytes
to complete any partial frame) and a PING with a fresh token, and the board handles
bytes in order, so the PING's echo means every byte before it has been dealt with."""
from __future__ import annotations

import os
import random
import struct
import threading
import time
from dataclasses import dataclass, field

from .protocol import Frame, FrameDecoder, Protocol, crc8, encode_frame
from .errors import LinkError


def link_garbage(protocol: Protocol, pieces: int, seed: int, types: list[int] | None = None,
                 max_payload: int = 12, mutations: int = 5) -> bytes:
    """`pieces` seeded pieces: random bytes, and frames with a flipped bit, cut short, with a
    header that checks out but a wrong length, or another protocol version.  `types`: the
    frame types to start from (default every command but RESET, which would reboot the board,
    and two unknown ones); `mutations` < 5 leaves out the later kinds."""
    p, rng = protocol, random.Random(seed)
    if types is None:
        types = [v for k, v in p.commands.items() if k != "RESET"] + [0x55, 0xFE]
    out = []
    for _ in range(pieces):
        frame = bytearray(encode_frame(rng.choice(types), rng.randrange(256),
                                       rng.randbytes(rng.randrange(max_payload)), p))
        kind = rng.randrange(mutations)
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


@dataclass
class GarbageReply:
    """What the board sent back while taking the garbage (the PING echo not included)."""
    frames: list[Frame] = field(default_factory=list)
    seconds: float = 0.0
    faulted: bool = False      # a FAULT frame came: the board stopped (it exits after reporting)

    def of_type(self, protocol: Protocol, event: str) -> list[Frame]:
        return [f for f in self.frames if f.type == protocol.events[event]]


def send_garbage(link, stream: bytes, timeout: float) -> GarbageReply:
    """Write `stream` to the board over `link`'s console while reading its answers, then the
    flush and a PING; return once the PING's echo arrives.  Raises LinkError when the board
    stops taking bytes or gives no echo within `timeout` s."""
    p, console = link.p, link.console
    token = os.urandom(8)
    flush = bytes(p.header_bytes + p.max_payload + p.trailer_bytes)
    ping = encode_frame(p.commands["PING"], 0, token, p)
    write_error: list[Exception] = []

    def write_all() -> None:
        try:
            data = stream + flush + ping
            for i in range(0, len(data), 512):
                console.write(data[i:i + 512])
        except Exception as exc:  # reported below, in the caller's thread
            write_error.append(exc)

    # Read while writing: the board answers garbage with ERROR frames, and an emulated UART
    # whose output nobody reads stalls both directions.
    decoder, reply = FrameDecoder(p), GarbageReply()
    echo_type = p.commands["PING"] | p.reply_flag
    writer = threading.Thread(target=write_all, daemon=True)
    started = time.monotonic()
    deadline = started + timeout
    writer.start()
    while time.monotonic() < deadline:
        frames = decoder.feed(console.read(65536, 0.05))
        echo = next((i for i, f in enumerate(frames) if f.type == echo_type and f.payload == token), None)
        reply.frames += frames if echo is None else frames[:echo]
        reply.faulted = any(f.type == p.events["FAULT"] for f in reply.frames)
        if echo is not None or write_error or reply.faulted:
            break
    reply.seconds = time.monotonic() - started
    if reply.faulted:
        return reply
    if write_error:
        raise LinkError(f"{link.board}: sending garbage failed: {write_error[0]}")
    if echo is None:
        what = "stopped taking bytes" if writer.is_alive() else "did not echo the PING sent after the garbage"
        raise LinkError(f"{link.board} {what} within {timeout:g} s ({len(stream):,} B of garbage)")
    return reply
