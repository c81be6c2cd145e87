"""What can go wrong on the link: each error names the board, the command and what was last received."""
from __future__ import annotations

from ..errors import HilError


class LinkError(HilError):
    """The link failed: no reply, a garbled reply, or an unexpected frame."""


class LinkTimeout(LinkError):
    pass


class BoardReportedError(LinkError):
    """The board answered with an ERROR frame."""

    def __init__(self, message: str, code: str, detail: int, engine: dict):
        self.code = code
        self.detail = detail
        self.engine = engine
        super().__init__(message)


class BoardFault(LinkError):
    """The board took a CPU fault (it reports the registers, then exits)."""

    def __init__(self, message: str, fault: dict):
        self.fault = fault
        super().__init__(message)


class PlanTooBig(LinkError):
    """The plan fits none of the board's plan slots (found before anything is sent)."""

    code = "PLAN_TOO_BIG"    # as the board's own ERROR code, so callers handle both alike

    def __init__(self, message: str, plan_bytes: int, capacities: dict[str, int]):
        self.plan_bytes = plan_bytes
        self.capacities = capacities
        self.detail = max(capacities.values(), default=0)
        super().__init__(message)


class UnexpectedReset(LinkError):
    """A BOOT event arrived in the middle of a command: the board reset."""


class ConnectionLost(LinkError):
    """The console itself failed (the emulator exited, the cable went away)."""
