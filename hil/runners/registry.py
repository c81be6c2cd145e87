"""The one driver registry and the one parser of target names.

A target name is "<driver>-<board>" ("qemu-netduinoplus2"), or "host" for the
engine in this process.  Drivers register explicitly with `@register_driver`
on their target class (as labgrid's `@target_factory.reg_driver`), each with
one typed options table (as pyOCD's `OptionInfo`), which `open_target`
validates before the driver sees anything.  `open_target` also builds the
firmware image, once, and hands it to the driver."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..boards import Board, BoardError, all_boards, get_board
from .base import Target, TargetError

HOST = "host"


@dataclass(frozen=True)
class OptionInfo:
    """One driver option: its name, accepted type(s), default and what it does."""
    name: str
    types: type | tuple[type, ...]
    default: Any
    help: str

    def check(self, target: str, value: Any) -> Any:
        if value is None or isinstance(value, self.types):
            return value
        # Robot and the CLI pass text: take "3.5" for a float and "false" for a bool.
        types = self.types if isinstance(self.types, tuple) else (self.types,)
        if isinstance(value, str):
            for kind in types:
                converted = _from_text(kind, value)
                if converted is not None:
                    return converted
        names = " or ".join(t.__name__ for t in types)
        raise TargetError(f"{target}: option '{self.name}': expected {names}, got {type(value).__name__} "
                          f"{value!r} ({self.help})")


def _from_text(kind: type, text: str) -> Any:
    try:
        if kind is bool:
            return {"true": True, "false": False, "1": True, "0": False}.get(text.lower())
        if kind in (int, float, Path):
            return kind(text)
    except ValueError:
        return None
    return text if kind is str else None


# Options every driver takes; `open_target` consumes `elf` and `app`.
COMMON_OPTIONS = (
    OptionInfo("elf", (str, Path), None, "firmware image to run instead of building one"),
    OptionInfo("app", str, "link", "firmware app to build: link, hello, fault_check"),
    OptionInfo("run_dir", (str, Path), None, "where the target's logs go (default: under the cache)"),
    OptionInfo("start", bool, True, "power the board on when opened"),
)


@dataclass(frozen=True)
class DriverInfo:
    prefix: str
    description: str
    target: type[Target]
    options: tuple[OptionInfo, ...]

    def supports(self, board: Board) -> bool:
        """A driver runs a board whose board file has its table ([qemu], [renode], ...)."""
        return board.driver_table(self.prefix) is not None

    def option_table(self) -> dict[str, OptionInfo]:
        return {o.name: o for o in COMMON_OPTIONS + self.options}

    def validate(self, target: str, options: dict[str, Any]) -> dict[str, Any]:
        table = self.option_table()
        unknown = sorted(set(options) - set(table))
        if unknown:
            raise TargetError(f"{target}: unknown option(s) {', '.join(unknown)}; known: {', '.join(table)}")
        return {name: table[name].check(target, value) for name, value in options.items()}


_DRIVERS: dict[str, DriverInfo] = {}


def register_driver(prefix: str, description: str, options: tuple[OptionInfo, ...] = ()) -> Callable:
    """Class decorator: `@register_driver("qemu", "...", OPTIONS) class QemuTarget(...)`."""
    def register(cls: type[Target]) -> type[Target]:
        if prefix in _DRIVERS or prefix == HOST or "-" in prefix:
            raise ValueError(f"driver prefix '{prefix}' is taken or not a plain word")
        _DRIVERS[prefix] = DriverInfo(prefix, description, cls, tuple(options))
        return cls
    return register


def registered_drivers() -> list[DriverInfo]:
    from . import load_builtin_drivers
    load_builtin_drivers()
    return [_DRIVERS[k] for k in sorted(_DRIVERS)]


@dataclass(frozen=True)
class TargetName:
    """A parsed target name: `driver` is None for the host."""
    driver: DriverInfo | None
    board: Board | None

    @property
    def is_host(self) -> bool:
        return self.driver is None

    def __str__(self) -> str:
        return HOST if self.is_host else f"{self.driver.prefix}-{self.board.name}"


def target_names() -> list[str]:
    """Every "<driver>-<board>" that can be opened (the host not included)."""
    return [f"{d.prefix}-{b.name}" for d in registered_drivers() for b in all_boards() if d.supports(b)]


def parse_target_name(name: str, noun: str = "board") -> TargetName:
    """"host", or "<driver>-<board>" of a registered driver that supports the board.
    `noun` names the thing in the error ("board" for sessions, "target" for drivers)."""
    if name == HOST:
        return TargetName(None, None)
    drivers = {d.prefix: d for d in registered_drivers()}
    prefix, _, board_name = name.partition("-")
    driver = drivers.get(prefix)
    if driver is None or not board_name:
        known = ([HOST] if noun == "board" else []) + target_names()
        raise TargetError(f"unknown {noun} '{name}'; known {noun}s: {', '.join(known) or 'none'}")
    board = get_board(board_name)
    if not driver.supports(board):
        raise TargetError(f"target '{name}': the {prefix} driver cannot run board '{board.name}' "
                          f"(its board file has no [{prefix}] table)")
    return TargetName(driver, board)


def parse_board_name(name: str) -> Board:
    """A board data name ("netduinoplus2") or any target name of it ("qemu-netduinoplus2")."""
    try:
        return get_board(name)
    except BoardError:
        parsed = parse_target_name(name)
        if parsed.is_host:
            raise TargetError("the host has no firmware: name an emulated or real board") from None
        return parsed.board


def takes_option(name: str, option: str) -> bool:
    """Whether the target `name` ("host" included) has the driver option `option` (e.g. a
    pyOCD board's `probe`), so callers ask the driver's table, not the board's name."""
    parsed = parse_target_name(name)
    return not parsed.is_host and option in parsed.driver.option_table()


def open_target(name: str, **options) -> Target:
    """Open "<driver>-<board>" (e.g. "qemu-mps2-an386"): options are checked against the
    driver's table, the firmware is built (cached) unless `elf` is given, and the driver
    gets the image."""
    from ..boards.firmware import build_firmware

    parsed = parse_target_name(name, noun="target")
    if parsed.is_host:
        raise TargetError("'host' is not a target: the host runs the engine in this process (use a Session)")
    options = parsed.driver.validate(name, options)
    app = options.pop("app", None) or "link"
    elf = options.pop("elf", None)
    elf = Path(elf) if elf is not None else build_firmware(parsed.board, app)
    return parsed.driver.target(parsed.board, elf=elf, **options)
