"""The link protocol as firmware/protocol/th_link.h defines it.

The header is parsed, not copied: command ids, error codes, exit codes and
payload layouts all come from its X-macro lists, so the host cannot drift from
the firmware.  Framing (CRCs, encoding, a resynchronising decoder) is here too."""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from ..c_layout import CHeader
from ..paths import FIRMWARE_DIR

HEADER_PATH = FIRMWARE_DIR / "protocol" / "th_link.h"


@dataclass(frozen=True)
class Layout:
    """A payload's fixed fields: packed, little-endian, in order."""
    name: str
    fields: tuple[tuple[str, str], ...]   # (field name, struct code)

    @property
    def format(self) -> str:
        return "<" + "".join(code for _, code in self.fields)

    @property
    def size(self) -> int:
        return struct.calcsize(self.format)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.fields)

    def pack(self, **values: int) -> bytes:
        unknown = set(values) - set(self.names)
        if unknown:
            raise KeyError(f"{self.name} has no field(s) {sorted(unknown)}")
        return struct.pack(self.format, *(values.get(n, 0) for n in self.names))

    def unpack(self, data: bytes) -> SimpleNamespace:
        """The fields from the start of `data`; the rest is in `.tail`."""
        if len(data) < self.size:
            raise ValueError(f"{self.name} payload is {len(data)} bytes, needs {self.size}")
        values = struct.unpack_from(self.format, data)
        return SimpleNamespace(**dict(zip(self.names, values)), tail=bytes(data[self.size:]))


@dataclass(frozen=True)
class Protocol:
    constants: dict[str, int]
    commands: dict[str, int]
    events: dict[str, int]
    errors: dict[str, int]
    exits: dict[str, int]
    invoke_flags: dict[str, int]
    slots: dict[str, int]              # where a plan is kept: RAM, FLASH
    layouts: dict[str, Layout]

    @property
    def sof(self) -> int:
        return self.constants["TH_LINK_SOF"]

    @property
    def version(self) -> int:
        return self.constants["TH_LINK_VERSION"]

    @property
    def header_bytes(self) -> int:
        return self.constants["TH_LINK_HEADER_BYTES"]

    @property
    def trailer_bytes(self) -> int:
        return self.constants["TH_LINK_TRAILER_BYTES"]

    @property
    def max_payload(self) -> int:
        return self.constants["TH_LINK_MAX_PAYLOAD"]

    @property
    def reply_flag(self) -> int:
        return self.constants["TH_LINK_REPLY_FLAG"]

    def type_name(self, type_id: int) -> str:
        for name, value in self.commands.items():
            if value == type_id:
                return name
            if value | self.reply_flag == type_id:
                return f"{name} reply"
        for name, value in self.events.items():
            if value == type_id:
                return name
        return f"type 0x{type_id:02x}"

    def error_name(self, code: int) -> str:
        return next((n for n, v in self.errors.items() if v == code), f"error {code}")

    def exit_name(self, code: int) -> str:
        return next((n for n, v in self.exits.items() if v == code), f"exit {code}")

    def slot_name(self, slot: int) -> str:
        return next((n for n, v in self.slots.items() if v == slot), f"slot {slot}")


@lru_cache(maxsize=None)
def load_protocol(header: Path = HEADER_PATH) -> Protocol:
    c = CHeader.from_path(header)
    constants = {name: c.define(name) for name in (
        "TH_LINK_SOF", "TH_LINK_VERSION", "TH_LINK_HEADER_BYTES", "TH_LINK_TRAILER_BYTES",
        "TH_LINK_MAX_PAYLOAD", "TH_LINK_REPLY_FLAG")}
    layouts = {name: Layout(name, tuple((f.name, f.code) for f in layout.fields))
               for name, layout in c.struct_layouts(r"TH_LINK_(\w+)_FIELDS").items()}
    return Protocol(
        constants=constants,
        commands=c.id_list("TH_LINK_COMMAND_LIST"),
        events=c.id_list("TH_LINK_EVENT_LIST"),
        errors=c.id_list("TH_LINK_ERROR_LIST"),
        exits=c.id_list("TH_LINK_EXIT_LIST"),
        invoke_flags=c.id_list("TH_LINK_INVOKE_FLAG_LIST"),
        slots=c.id_list("TH_LINK_SLOT_LIST"),
        layouts=layouts,
    )


# --- framing ---------------------------------------------------------------

def crc8(data: bytes) -> int:
    """CRC-8, polynomial 0x07, initial value 0 (the header check)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes


def encode_frame(type_id: int, seq: int, payload: bytes = b"", protocol: Protocol | None = None) -> bytes:
    p = protocol or load_protocol()
    if len(payload) > p.max_payload:
        raise ValueError(f"payload of {len(payload)} bytes is above the maximum {p.max_payload}")
    head = bytes([p.sof, p.version, type_id & 0xFF, seq & 0xFF]) + struct.pack("<H", len(payload))
    head += bytes([crc8(head)])
    body = head + bytes(payload)
    return body + struct.pack("<I", zlib.crc32(body))


class FrameDecoder:
    """Turns a byte stream into frames, the way the firmware does: hunt for SOF,
    check the header CRC, then the frame CRC; skip whatever does not check out.
    Bytes that are not part of a valid frame are kept in `.skipped` (recent
    ones), so an error can show what actually arrived."""

    def __init__(self, protocol: Protocol | None = None, keep: int = 96):
        self.p = protocol or load_protocol()
        self.buf = bytearray()
        self.keep = keep
        self.skipped = bytearray()
        self.recent = bytearray()   # the last bytes received, valid or not

    def _skip(self, n: int) -> None:
        self.skipped += self.buf[:n]
        del self.skipped[:-self.keep]
        del self.buf[:n]

    def feed(self, data: bytes) -> list[Frame]:
        self.buf += data
        self.recent += data
        del self.recent[:-self.keep]
        frames = []
        p = self.p
        while True:
            start = self.buf.find(bytes([p.sof]))
            if start < 0:
                self._skip(len(self.buf))
                return frames
            self._skip(start)
            if len(self.buf) < p.header_bytes:
                return frames
            head = bytes(self.buf[:p.header_bytes])
            length = struct.unpack_from("<H", head, 4)[0]
            if crc8(head[:-1]) != head[-1] or head[1] != p.version or length > p.max_payload:
                self._skip(1)
                continue
            total = p.header_bytes + length + p.trailer_bytes
            if len(self.buf) < total:
                return frames
            body = bytes(self.buf[:total - p.trailer_bytes])
            (want,) = struct.unpack_from("<I", self.buf, total - p.trailer_bytes)
            if zlib.crc32(body) != want:
                self._skip(1)
                continue
            frames.append(Frame(head[2], head[3], body[p.header_bytes:]))
            del self.buf[:total]
