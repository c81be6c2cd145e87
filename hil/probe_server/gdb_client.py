"""A debugger's view of an emulator through its GDB stub (QEMU's -gdb): halt,
resume, single-step, memory and core registers, hardware breakpoints, reset.

Unlike `hil.runners.gdbstub.GdbMemoryWriter` (a write-only fast path), this
keeps track of whether the CPU runs, so memory can be read while it runs the
way a debug probe's AHB-AP does: stop it, access, let it go on.  Under
`-icount` a stopped CPU executes nothing and virtual time stands still, so
these accesses do not change what the firmware counts."""
from __future__ import annotations

import re
import socket
import threading
import time
import xml.etree.ElementTree as ET

_CHUNK = 1024   # data bytes per 'm'/'M' packet: well inside QEMU's packet buffer


class GdbError(Exception):
    """The stub refused a request (an 'Exx' reply): e.g. an unmapped address."""


class GdbGone(Exception):
    """The stub is unreachable: the emulator exited, or stopped answering."""


class GdbClient:
    def __init__(self, host: str, port: int, timeout: float = 5.0, connect_timeout: float = 10.0):
        self.where = f"{host}:{port}"
        self.timeout = timeout
        self._buf = b""
        self.lock = threading.RLock()
        self.running = False
        self.exit_status: str | None = None
        self.last_stop = ""
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self._sock = socket.create_connection((host, port), timeout=timeout)
                break
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise GdbGone(f"gdbstub {self.where}: cannot connect: {exc}") from None
                time.sleep(0.02)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # QEMU stops the CPU when a debugger attaches; '?' says where.
        self.last_stop = self._command("?", stop_is_reply=True)
        if self._command("QStartNoAckMode") == "OK":
            self._acks = False
        self.registers = self._read_register_map()

    _acks = True

    # --- packets ----------------------------------------------------------

    def _send(self, body: str) -> None:
        data = body.encode("latin-1")
        try:
            self._sock.sendall(b"$" + data + b"#" + f"{sum(data) & 0xFF:02x}".encode())
        except OSError as exc:
            raise self._gone(f"send failed: {exc}") from None

    def _gone(self, why: str) -> GdbGone:
        self.exit_status = self.exit_status or why
        return GdbGone(f"gdbstub {self.where}: {why}")

    def _recv(self, timeout: float) -> str | None:
        """One packet body; None if nothing complete arrived within `timeout` s (0: poll)."""
        deadline = time.monotonic() + timeout
        while True:
            self._buf = self._buf.lstrip(b"+-")
            start = self._buf.find(b"$")
            if start >= 0:
                end = self._buf.find(b"#", start)
                if end >= 0 and len(self._buf) >= end + 3:
                    body = self._buf[start + 1:end]
                    self._buf = self._buf[end + 3:]
                    if self._acks:
                        self._sock.sendall(b"+")
                    return _unescape(body).decode("latin-1")
            left = max(deadline - time.monotonic(), 0.0)
            if left == 0.0 and timeout:
                return None
            try:
                self._sock.settimeout(left if timeout else 0.0)
                chunk = self._sock.recv(65536)
            except (BlockingIOError, socket.timeout):
                return None
            except OSError as exc:
                raise self._gone(f"connection lost: {exc}") from None
            if not chunk:
                raise self._gone("connection closed (the emulator exited)")
            self._buf += chunk

    def _note_stop(self, packet: str) -> None:
        if packet.startswith(("W", "X")):
            self.running = False
            raise self._gone(f"the target exited ({packet})")
        self.running = False
        self.last_stop = packet

    def _command(self, body: str, stop_is_reply: bool = False) -> str:
        self._send(body)
        while True:
            reply = self._recv(self.timeout)
            if reply is None:
                raise self._gone(f"no reply to '{body[:20]}' within {self.timeout:g} s")
            if reply.startswith(("W", "X")):
                self._note_stop(reply)
            if reply.startswith(("T", "S")):
                if stop_is_reply:
                    self._note_stop(reply)
                    return reply
                continue   # a late stop notification: not this command's reply
            if reply.startswith("O") and reply != "OK":
                continue   # console output of a monitor command
            return reply

    def _checked(self, body: str) -> str:
        reply = self._command(body)
        if reply.startswith("E") and len(reply) == 3:
            raise GdbError(f"gdbstub {self.where}: '{body[:24]}' failed ({reply})")
        return reply

    # --- run control --------------------------------------------------------

    def poll(self) -> bool:
        """Has a running CPU stopped by itself (breakpoint, exit)?  True if halted."""
        with self.lock:
            if not self.running:
                return True
            while True:
                packet = self._recv(0)
                if packet is None:
                    return False
                if packet.startswith(("T", "S", "W", "X")):
                    self._note_stop(packet)
                    return True

    def halt(self) -> None:
        with self.lock:
            if not self.running or self.poll():
                return
            try:
                self._sock.sendall(b"\x03")
            except OSError as exc:
                raise self._gone(f"send failed: {exc}") from None
            deadline = time.monotonic() + self.timeout
            while self.running:
                packet = self._recv(max(deadline - time.monotonic(), 0.001))
                if packet is None:
                    raise self._gone(f"the CPU did not stop within {self.timeout:g} s")
                if packet.startswith(("T", "S", "W", "X")):
                    self._note_stop(packet)

    def resume(self) -> None:
        with self.lock:
            if self.running:
                return
            self._send("c")
            self.running = True

    def step(self) -> None:
        with self.lock:
            self.halt()
            self._command("s", stop_is_reply=True)

    def monitor(self, command: str) -> str:
        """An emulator monitor command (QEMU: HMP), run while the CPU is stopped."""
        with self.lock:
            self.halt()
            return self._command("qRcmd," + command.encode().hex())

    # --- memory ---------------------------------------------------------------

    def read_memory(self, address: int, length: int) -> bytes:
        with self._stopped():
            out = bytearray()
            for offset in range(0, length, _CHUNK):
                n = min(_CHUNK, length - offset)
                reply = self._checked(f"m{address + offset:x},{n:x}")
                out += bytes.fromhex(reply)
            return bytes(out)

    def write_memory(self, address: int, data: bytes) -> None:
        with self._stopped():
            for offset in range(0, len(data), _CHUNK):
                chunk = data[offset:offset + _CHUNK]
                reply = self._checked(f"M{address + offset:x},{len(chunk):x}:{chunk.hex()}")
                if reply != "OK":
                    raise GdbError(f"gdbstub {self.where}: write at 0x{address + offset:08x}: {reply!r}")

    def _stopped(self):
        client = self

        class _Stopped:
            def __enter__(self):
                client.lock.acquire()
                self.was_running = client.running
                client.halt()

            def __exit__(self, *exc):
                try:
                    if self.was_running and client.exit_status is None:
                        client.resume()
                finally:
                    client.lock.release()
        return _Stopped()

    # --- registers --------------------------------------------------------

    def _read_register_map(self) -> dict[str, tuple[int, int]]:
        """name -> (GDB register number, bits), from the stub's target description."""
        regs: dict[str, tuple[int, int]] = {}
        number = 0

        def load(annex: str):
            nonlocal number
            text, offset = "", 0
            while True:
                reply = self._command(f"qXfer:features:read:{annex}:{offset:x},fff")
                if not reply or reply[0] not in "ml":
                    return
                text += reply[1:]
                offset += len(reply) - 1
                if reply[0] == "l":
                    break
            text = re.sub(r"<!DOCTYPE[^>]*>", "", text).replace("xi:include", "include")
            root = ET.fromstring(text)
            for el in root.iter():
                tag = el.tag.split("}")[-1]
                if tag == "include":
                    load(el.get("href"))
                elif tag == "reg":
                    if el.get("regnum"):
                        number = int(el.get("regnum"))
                    regs[el.get("name").lower()] = (number, int(el.get("bitsize")))
                    number += 1
        load("target.xml")
        return regs

    def read_register(self, name: str) -> int:
        number, bits = self.registers[name]
        with self._stopped():
            reply = self._checked(f"p{number:x}")
        return int.from_bytes(bytes.fromhex(reply)[:bits // 8], "little")

    def write_register(self, name: str, value: int) -> None:
        number, bits = self.registers[name]
        with self._stopped():
            self._checked(f"P{number:x}={(value & ((1 << bits) - 1)).to_bytes(bits // 8, 'little').hex()}")

    # --- breakpoints ------------------------------------------------------

    def set_breakpoint(self, address: int, enable: bool) -> None:
        with self._stopped():
            self._checked(f"{'Z' if enable else 'z'}1,{address:x},2")

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


def _unescape(body: bytes) -> bytes:
    if b"}" not in body and b"*" not in body:
        return body
    out, i = bytearray(), 0
    while i < len(body):
        c = body[i]
        if c == 0x7D:
            out.append(body[i + 1] ^ 0x20)
            i += 2
        elif c == 0x2A and out:   # run-length: repeat the last byte
            out += bytes([out[-1]]) * (body[i + 1] - 29)
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)
