"""The host side of the link to the firmware: the client (`Link`), its errors, where a
plan goes on the board, and seeded garbage for robustness checks.  The wire format
itself is read from firmware/protocol/th_link.h by hil.link.protocol."""
from __future__ import annotations

from .client import BoardInfo, InvokeResult, Link, LoadedModel, OpCount, TensorInfo
from .errors import (BoardFault, BoardReportedError, ConnectionLost, LinkError, LinkTimeout, PlanTooBig,
                     UnexpectedReset)
from .placement import PlanNeeds, choose_slot, fit_message

__all__ = ["BoardFault", "BoardInfo", "BoardReportedError", "ConnectionLost", "InvokeResult", "Link", "LinkError",
           "LinkTimeout", "LoadedModel", "OpCount", "PlanNeeds", "PlanTooBig", "TensorInfo", "UnexpectedReset",
           "choose_slot", "fit_message"]
