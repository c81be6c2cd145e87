"""The MLPerf Tiny protocol from the host side, over any pyserial URL (a serial
device for a bench board, socket:// for an emulator): commands end with '%',
replies are lines, each command's reply ends with m-ready."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ..errors import HilError

READY = "m-ready"
# As the official runner sends them: 31 bytes (62 hex digits) per `db` command.
BYTES_PER_DB = 31


class ProtocolError(HilError):
    """The device did not answer as the protocol says."""


@dataclass
class InferReply:
    lines: list[str]
    iterations: int
    warmups: int
    start_us: int
    end_us: int
    results: list[float]
    results_text: str          # the m-results-[...] line as printed

    @property
    def elapsed_us(self) -> int:
        return self.end_us - self.start_us


@dataclass
class DeviceInfo:
    name: str | None = None
    profile: str | None = None
    model: str | None = None
    boot_lines: list[str] = field(default_factory=list)


_RESULTS = re.compile(r"^m-results-\[([^]]*)\]$")
_LAP = re.compile(r"^m-lap-us-([0-9]+)$")


class MlperfClient:
    def __init__(self, console, name: str, timeout: float = 30.0, log=None):
        """`console`: anything with write(bytes) and read(max_bytes, timeout) (a
        hil.runners SerialConsole, or an emulator target's console); `timeout`:
        the longest wait for one line (the official runner allows 30 s for an infer)."""
        self.url = name
        self.timeout = timeout
        self._log = log
        self._console = console
        self._pending = b""

    @classmethod
    def open(cls, url: str, baudrate: int = 115200, **kwargs) -> MlperfClient:
        from ..runners.base import TargetError
        from ..runners.console import SerialConsole
        try:
            return cls(SerialConsole(url, baudrate=baudrate), url, **kwargs)
        except TargetError as exc:
            raise HilError(str(exc)) from None

    def close(self) -> None:
        self._console.close()

    def __enter__(self) -> MlperfClient:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    # --- lines --------------------------------------------------------------

    def read_line(self, timeout: float | None = None) -> str:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self._pending:
            if time.monotonic() > deadline:
                raise ProtocolError(f"{self.url}: no complete line within {timeout or self.timeout:g} s "
                                    f"(partial: {self._pending[-80:]!r})")
            try:
                self._pending += self._console.read(4096, min(0.05, max(0.0, deadline - time.monotonic())))
            except HilError as exc:
                raise ProtocolError(str(exc)) from None
        line, self._pending = self._pending.split(b"\n", 1)
        text = line.rstrip(b"\r\0").decode("ascii", errors="replace")
        if self._log:
            self._log(f"< {text}")
        return text

    def wait_ready(self, timeout: float = 10.0) -> list[str]:
        """Lines up to and including the next m-ready (e.g. the boot lines)."""
        deadline = time.monotonic() + timeout
        lines = []
        while True:
            line = self.read_line(max(0.0, deadline - time.monotonic()))
            lines.append(line)
            if line == READY:
                return lines

    def write(self, data: bytes) -> None:
        try:
            self._console.write(data)
        except HilError as exc:
            raise ProtocolError(str(exc)) from None

    def command(self, text: str, timeout: float | None = None) -> list[str]:
        """Send one command; its reply lines (m-ready excluded)."""
        if self._log:
            self._log(f"> {text}%")
        self.write(text.encode("ascii") + b"%")
        lines = []
        while True:
            line = self.read_line(timeout)
            if line == READY:
                return lines
            if line:
                lines.append(line)

    # --- commands -----------------------------------------------------------

    def identify(self) -> DeviceInfo:
        info = DeviceInfo()
        for line in self.command("name"):
            m = re.match(r"^m-name-dut-\[([^]]+)]$", line)
            if m:
                info.name = m.group(1)
        for line in self.command("profile"):
            m = re.match(r"^m-(model|profile)-\[([^]]+)]$", line)
            if m:
                setattr(info, m.group(1), m.group(2))
        if info.name is None or info.model is None:
            raise ProtocolError(f"{self.url}: the device did not give its name and model "
                                f"(name {info.name!r}, model {info.model!r})")
        return info

    def load(self, data: bytes) -> None:
        """db load N, then db HEX... chunks; expects m-[Expecting N bytes] and m-load-done."""
        reply = self.command(f"db load {len(data)}")
        if f"m-[Expecting {len(data)} bytes]" not in reply:
            raise ProtocolError(f"db load {len(data)}: {reply}")
        for i in range(0, len(data), BYTES_PER_DB):
            reply = self.command("db " + data[i:i + BYTES_PER_DB].hex())
            errors = [l for l in reply if l.startswith("e-")]
            if errors:
                raise ProtocolError(f"db data at byte {i}: {errors[0]}")
        if "m-load-done" not in reply:
            raise ProtocolError(f"no m-load-done after {len(data)} bytes: {reply}")

    def infer(self, iterations: int, warmups: int) -> InferReply:
        lines = self.command(f"infer {iterations} {warmups}")
        errors = [l for l in lines if l.startswith("e-")]
        if errors:
            raise ProtocolError(f"infer {iterations} {warmups}: {errors[0]}")
        laps = [int(m.group(1)) for m in (_LAP.match(l) for l in lines) if m]
        results = [l for l in lines if _RESULTS.match(l)]
        if len(laps) != 2 or len(results) != 1:
            raise ProtocolError(f"infer {iterations} {warmups}: expected two m-lap-us lines and one "
                                f"m-results line; got {lines}")
        text = results[0]
        try:
            values = [float(x) for x in _RESULTS.match(text).group(1).split(",") if x.strip()]
        except ValueError:
            raise ProtocolError(f"unreadable results line: {text}") from None
        return InferReply(lines, iterations, warmups, laps[0], laps[1], values, text)
