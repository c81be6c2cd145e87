"""Targets: a board behind a driver (an emulator, or a real board through a probe).

A driver provides a target through a few small interfaces, so the link and
everything above it work the same whatever runs the firmware:
  Console             the byte stream to the board's UART
  Power               start, stop and reset the board
  Loader              put a firmware image on it
  MemoryWriter        write target memory directly (optional bulk path)
  InstructionCounter  exact instruction counts from outside the guest (optional)
Drivers register explicitly (`@register_driver` in registry.py) under a
prefix; a target name is "<prefix>-<board>", e.g. "qemu-netduinoplus2",
parsed in one place (`parse_target_name`).  Which boards a driver can run is
decided by the board file (a [qemu] table for the QEMU driver), never by a
list of names here."""
from __future__ import annotations

from .base import Console, InstructionCounter, Loader, MemoryWriter, Power, Target, TargetError
from .registry import (DriverInfo, OptionInfo, TargetName, open_target, parse_board_name, parse_target_name,
                       register_driver, registered_drivers, takes_option, target_names)

__all__ = ["Console", "DriverInfo", "InstructionCounter", "Loader", "MemoryWriter", "OptionInfo", "Power",
           "Target", "TargetError", "TargetName", "load_builtin_drivers", "open_target", "parse_board_name",
           "parse_target_name", "register_driver", "registered_drivers", "takes_option", "target_names"]


def load_builtin_drivers() -> None:
    """Import the drivers this package ships, which registers them (Python imports a
    module once).  They import nothing of Renode or pyOCD until a target is opened."""
    from . import pyocd, qemu, renode  # noqa: F401
