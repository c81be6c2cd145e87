"""A client of Renode's monitor over TCP (`renode --port N`), framed as Renode
frames it.

What Renode's telnet monitor does (measured on Renode 1.15.3):
  * on connect it sends 12 bytes of telnet option negotiation and then throws
    away the first 9 bytes the client sends, so a client answers with 9 bytes
    of negotiation (ff fb 00 ff fd 01 ff fd 03) before its first command;
  * it then prints its banner and the prompt `(monitor) `;
  * a command is a line ended by "\\n" (a "\\r\\n" counts as two lines: the
    empty second one gets a prompt of its own); the reply is the echo of the
    command and "\\n\\r", the output lines ("\\r\\n" ends them), and the prompt
    `(<machine>) ` with nothing after it;
  * a failing command prints "There was an error executing command '...'"
    (or "No such command or device: ...") and the reason; there is no status.
Late messages (e.g. "Failed to download ..." after loading a platform) may come
before the echo of the next command; they belong to the previous one."""
from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from typing import Callable

from .base import TargetError

# What the client answers to the server's negotiation; Renode discards it.
TELNET_REPLY = b"\xff\xfb\x00\xff\xfd\x01\xff\xfd\x03"

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_TELNET = re.compile(rb"\xff[\xfb-\xfe].|\xff[\xf0-\xfa]")
# The prompt: the last thing on the last line, nothing after it.
_PROMPT = re.compile(r"(?:^|\n)\(([\w\-. ]+)\) \Z")
# How the monitor reports a failed command.
_ERROR = re.compile(r"^(There was an error|No such command|Could not|Parameters did not match|Error E\d+|"
                    r".*\bException\b|Traceback|.*[Ee]rror:)", re.MULTILINE)
_ERROR_PREAMBLE = re.compile(r"^There was an error executing command .*$", re.MULTILINE)


def clean_monitor_output(raw: bytes) -> str:
    """Monitor bytes as text: telnet negotiation, terminal escapes and CRs removed."""
    text = _ANSI.sub(b"", _TELNET.sub(b"", raw)).replace(b"\r", b"")
    return text.decode("utf-8", "replace")


def parse_number(output: str) -> int:
    """The first number in a monitor reply (Renode prints hex, decimal or both)."""
    m = re.search(r"\b(0x[0-9a-fA-F]+|\d+)\b", output)
    if m is None:
        raise TargetError(f"Renode: expected a number, got {output!r}")
    return int(m.group(1), 0)


def error_summary(output: str) -> str:
    """A failed command's output as one line: the reason, without Renode's preamble."""
    lines = [ln.strip() for ln in _ERROR_PREAMBLE.sub("", output).splitlines() if ln.strip()]
    return "; ".join(lines) or output.strip()


class RenodeMonitor:
    """One connection to Renode's monitor: `command()` sends a line and returns
    its output once the prompt is back."""

    def __init__(self, host: str, port: int, connect_timeout: float = 60.0,
                 still_starting: Callable[[], bool] | None = None, log: Path | None = None):
        """Connect (retrying while `still_starting()` is true, up to
        `connect_timeout` s: Renode takes seconds to open its port), answer the
        negotiation and wait for the first prompt."""
        self.where = f"{host}:{port}"
        self._log_path = log
        self._still_starting = still_starting
        self._buffer = b""
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self._sock = socket.create_connection((host, port), timeout=1.0)
                break
            except OSError as exc:
                alive = still_starting() if still_starting else True
                if not alive or time.monotonic() >= deadline:
                    why = "Renode exited" if not alive else str(exc)
                    raise TargetError(f"cannot reach Renode's monitor on {self.where}: {why}") from None
                time.sleep(0.1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.prompt: str | None = None
        self._send(TELNET_REPLY, "the telnet negotiation")
        banner = self._read_until_prompt(max(1.0, deadline - time.monotonic()), "connecting")
        self._log(banner.strip("\n") or "(connected)")

    def _log(self, line: str) -> None:
        if self._log_path is not None:
            with open(self._log_path, "a") as f:
                f.write(line if line.endswith("\n") else line + "\n")

    def _send(self, data: bytes, what: str) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise TargetError(f"Renode's monitor ({self.where}): sending {what} failed: {exc}") from None

    def _read_until_prompt(self, timeout: float, what: str, after: str | None = None) -> str:
        """Read until the prompt ends what arrived (after the text `after`, the
        echo, when given); return what came before the prompt."""
        deadline = time.monotonic() + timeout
        while True:
            text = clean_monitor_output(self._buffer)
            start = 0
            if after is not None:
                echo = text.find(after)
                start = echo + len(after) if echo >= 0 else None
            m = _PROMPT.search(text, start) if start is not None else None
            if m is not None:
                self.prompt = m.group(1)
                self._buffer = b""
                return text[:m.start()]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TargetError(f"Renode's monitor ({self.where}) gave no prompt within {timeout:g} s "
                                  f"after {what}; got {text[-200:]!r}")
            self._sock.settimeout(min(remaining, 0.5))
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                if self._still_starting is not None and not self._still_starting():
                    raise TargetError(f"Renode exited during {what}; its monitor said {text[-200:]!r}") from None
                continue
            except OSError as exc:
                raise TargetError(f"Renode's monitor ({self.where}): {exc} during {what}") from None
            if not chunk:
                raise TargetError(f"Renode's monitor ({self.where}) closed the connection during {what}"
                                  + (f"; got {text[-200:]!r}" if text.strip() else "")) from None
            self._buffer += chunk

    def command(self, command: str, timeout: float = 30.0, check: bool = True) -> str:
        """Run one monitor command; its output (without the echo).  With check,
        output that reads as an error raises TargetError, in one line."""
        if "\n" in command or "\r" in command:
            raise ValueError("one monitor command at a time")
        self._log(f"({self.prompt}) {command}")
        self._send(command.encode() + b"\n", repr(command))
        text = self._read_until_prompt(timeout, repr(command), after=command)
        echo = text.find(command)
        early, output = (text[:echo], text[echo + len(command):]) if echo >= 0 else ("", text)
        if early.strip():
            self._log(f"(late output of the previous command) {early.strip()}")
        output = output.strip("\n")
        if output:
            self._log(output)
        if check and _ERROR.search(output):
            raise TargetError(f"Renode: `{command}` failed: {error_summary(output)}")
        return output

    def send(self, command: str) -> None:
        """Send without waiting for a reply (`quit`: there will be none)."""
        self._log(f"({self.prompt}) {command}")
        try:
            self._sock.sendall(command.encode() + b"\n")
        except OSError:
            pass

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass
