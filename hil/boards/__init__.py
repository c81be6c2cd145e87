"""Boards as data: each firmware/boards/<name>.toml describes one board, and this module
loads them into typed, validated dataclasses.

Adding a board means adding a .toml file (and, for new peripheral kinds, a
driver file under firmware/src/): nothing here names a board."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import HilError
from ..engine.kernel_builds import KERNEL_BUILDS
from ..paths import BOARDS_DIR, FIRMWARE_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# Peripheral kinds are firmware driver files: a kind is valid when its file exists.
UART_DRIVER_PATTERN = "uart_{kind}.c"
COUNTER_DRIVER_PATTERN = "counter_{kind}.c"


class BoardError(HilError):
    """A board file is missing, malformed, or names something the firmware lacks."""


@dataclass(frozen=True)
class CpuSpec:
    core: str
    flags: tuple[str, ...]   # compiler and linker flags: -mcpu, -mfpu, -mfloat-abi, -mthumb
    fpu: bool                # startup enables the FPU (CP10/CP11) before main
    kernels: tuple[str, ...] = ("reference",)  # kernel builds it runs, the default first (hil.engine.kernel_builds)


@dataclass(frozen=True)
class MemoryRegion:
    name: str
    origin: int
    size: int

    @property
    def end(self) -> int:
        return self.origin + self.size


@dataclass(frozen=True)
class FirmwareSpec:
    stack_bytes: int
    semihosting_exit: bool   # exit (and report faults) through semihosting when no debugger says so


@dataclass(frozen=True)
class UartSpec:
    kind: str
    base: int
    clock_hz: int
    baud: int


@dataclass(frozen=True)
class RegisterWrite:
    """One read-modify-write done at boot: *address = (*address & ~clear) | set."""
    address: int
    clear: int = 0
    set: int = 0


@dataclass(frozen=True)
class CounterSpec:
    kind: str
    unit: str                           # what one tick is where this counter is the one used
    base: int = 0
    instructions_per_tick: float | None = None  # under QEMU -icount shift=0


@dataclass(frozen=True)
class QemuSpec:
    machine: str
    serial_index: int = 0               # which -serial the firmware's UART is
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenodeSpec:
    platform: str                       # a Renode platform name (platforms/boards/<name>.repl) or one in renode_platforms/
    uart: str | None = None             # the console UART's peripheral name in that platform, e.g. "usart2"
    cpu: str = "cpu"                    # the CPU's peripheral name in that platform


@dataclass(frozen=True)
class PyocdSpec:
    target: str
    # What the part answers through the debug port, checked before anything
    # is written: the DBGMCU IDCODE register's address and the value its
    # DEV_ID field (bits 11:0) must have.  None where the part has none.
    idcode_address: int | None = None
    idcode: int | None = None


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    cpu: CpuSpec
    code: MemoryRegion                  # all of code memory (flash on an MCU), plan region included
    ram: MemoryRegion
    firmware: FirmwareSpec
    uart: UartSpec
    counters: tuple[CounterSpec, ...]
    init: tuple[RegisterWrite, ...] = ()
    qemu: QemuSpec | None = None
    renode: RenodeSpec | None = None
    pyocd: PyocdSpec | None = None
    plan: MemoryRegion | None = None    # the top of code memory kept for plans (the FLASH plan slot)
    source: Path | None = field(default=None, compare=False)

    def driver_table(self, driver: str) -> QemuSpec | RenodeSpec | PyocdSpec | None:
        """The board file's table for a driver ([qemu], [renode], [pyocd]): None where it has none."""
        return {"qemu": self.qemu, "renode": self.renode, "pyocd": self.pyocd}.get(driver)

    @property
    def image_code(self) -> MemoryRegion:
        """The part of code memory the firmware image is linked into: below the plan region."""
        if self.plan is None:
            return self.code
        return MemoryRegion("code", self.code.origin, self.plan.origin - self.code.origin)


class _Reader:
    """Typed access to one TOML table, with errors that name the file and key."""

    def __init__(self, table: dict[str, Any], where: str):
        self.table = table
        self.where = where

    def _fail(self, key: str, why: str) -> BoardError:
        return BoardError(f"{self.where}: '{key}' {why}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.table[key]
        # bool is an int in Python: never accept one where a number is wanted.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self._fail(key, f"must be {_kind_name(kind)}, got {value!r}")
        return value

    def natural(self, key: str, default: Any = ...) -> int:
        value = self.get(key, int, default)
        if value < 0:
            raise self._fail(key, f"must not be negative, got {value}")
        return value

    def sub(self, key: str, optional: bool = False) -> _Reader | None:
        if key not in self.table and optional:
            return None
        return _Reader(self.get(key, dict), f"{self.where} [{key}]")

    def tables(self, key: str) -> list[_Reader]:
        items = self.get(key, list, [])
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self._fail(key, f"entry {i} must be a table")
            out.append(_Reader(item, f"{self.where} [[{key}]] #{i + 1}"))
        return out

    def strings(self, key: str, default: Any = ...) -> tuple[str, ...]:
        items = self.get(key, list, default)
        if not all(isinstance(s, str) for s in items):
            raise self._fail(key, "must be a list of strings")
        return tuple(items)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _driver_exists(pattern: str, kind: str) -> bool:
    return (FIRMWARE_DIR / "src" / pattern.format(kind=kind)).is_file()


def _cpu_spec(cpu: _Reader, where: str) -> CpuSpec:
    kernels = cpu.strings("kernels", ("reference",))
    unknown = [k for k in kernels if k not in KERNEL_BUILDS]
    if not kernels or unknown or len(set(kernels)) != len(kernels):
        raise BoardError(f"{where}: cpu.kernels must list distinct kernel builds of {', '.join(KERNEL_BUILDS)}, "
                         f"the default first (got {list(kernels)})")
    return CpuSpec(cpu.get("core", str), cpu.strings("flags"), cpu.get("fpu", bool, False), kernels)


def parse_board(data: dict[str, Any], where: str) -> Board:
    top = _Reader(data, where)
    name = top.get("name", str)
    cpu = top.sub("cpu")
    memory = top.sub("memory")
    regions = {}
    for role in ("code", "ram"):
        r = memory.sub(role)
        regions[role] = MemoryRegion(role, r.natural("origin"), r.natural("size"))
        if regions[role].size == 0:
            raise BoardError(f"{where}: memory.{role} has size 0")
    if regions["code"].origin < regions["ram"].end and regions["ram"].origin < regions["code"].end:
        raise BoardError(f"{where}: memory.code and memory.ram overlap")
    plan = _plan_region(memory, regions["code"], where)

    fw = top.sub("firmware")
    firmware = FirmwareSpec(fw.natural("stack_bytes"), fw.get("semihosting_exit", bool, False))
    if firmware.stack_bytes % 8 or not 1024 <= firmware.stack_bytes < regions["ram"].size:
        raise BoardError(f"{where}: firmware.stack_bytes must be a multiple of 8, at least 1024 "
                         f"and less than the RAM size")

    u = top.sub("uart")
    uart = UartSpec(u.get("kind", str), u.natural("base"), u.natural("clock_hz"), u.natural("baud"))
    if not _driver_exists(UART_DRIVER_PATTERN, uart.kind):
        raise BoardError(f"{where}: uart.kind '{uart.kind}' has no driver "
                         f"(firmware/src/{UART_DRIVER_PATTERN.format(kind=uart.kind)})")

    counters = []
    for c in top.tables("counters"):
        ipt = c.get("instructions_per_tick", (int, float), None)
        spec = CounterSpec(c.get("kind", str), c.get("unit", str), c.natural("base", 0),
                           None if ipt is None else float(ipt))
        if not _driver_exists(COUNTER_DRIVER_PATTERN, spec.kind):
            raise BoardError(f"{c.where}: counter kind '{spec.kind}' has no driver "
                             f"(firmware/src/{COUNTER_DRIVER_PATTERN.format(kind=spec.kind)})")
        counters.append(spec)
    if not counters:
        raise BoardError(f"{where}: at least one [[counters]] entry is needed")

    init = tuple(RegisterWrite(w.natural("address"), w.natural("clear", 0), w.natural("set", 0))
                 for w in top.tables("init"))

    q = top.sub("qemu", optional=True)
    qemu = None if q is None else QemuSpec(q.get("machine", str), q.natural("serial_index", 0),
                                           q.strings("extra_args", ()))
    r = top.sub("renode", optional=True)
    p = top.sub("pyocd", optional=True)
    return Board(
        name=name,
        description=top.get("description", str, ""),
        cpu=_cpu_spec(cpu, where),
        code=regions["code"],
        ram=regions["ram"],
        firmware=firmware,
        uart=uart,
        counters=tuple(counters),
        init=init,
        qemu=qemu,
        renode=None if r is None else RenodeSpec(r.get("platform", str), r.get("uart", str, None),
                                                 r.get("cpu", str, "cpu")),
        pyocd=None if p is None else PyocdSpec(p.get("target", str), p.get("idcode_address", int, None),
                                               p.get("idcode", int, None)),
        plan=plan,
    )


PLAN_REGION_ALIGN = 16        # the engine's plan alignment
MIN_IMAGE_CODE_BYTES = 16 << 10


def _plan_region(memory: _Reader, code: MemoryRegion, where: str) -> MemoryRegion | None:
    """[memory.plan]: optional; the top of code memory, where plans are kept (read in place)."""
    r = memory.sub("plan", optional=True)
    if r is None:
        return None
    plan = MemoryRegion("plan", r.natural("origin"), r.natural("size"))
    if plan.size == 0:
        raise BoardError(f"{where}: memory.plan has size 0 (leave the table out for a board without one)")
    if plan.origin % PLAN_REGION_ALIGN or plan.size % PLAN_REGION_ALIGN:
        raise BoardError(f"{where}: memory.plan origin and size must be multiples of {PLAN_REGION_ALIGN}")
    if plan.end != code.end or not code.origin < plan.origin:
        raise BoardError(f"{where}: memory.plan must be the top of memory.code "
                         f"(end at 0x{code.end:08X}, start above 0x{code.origin:08X}), "
                         f"got 0x{plan.origin:08X}..0x{plan.end:08X}")
    if plan.origin - code.origin < MIN_IMAGE_CODE_BYTES:
        raise BoardError(f"{where}: memory.plan leaves {plan.origin - code.origin} B of code memory "
                         f"for the firmware; it needs at least {MIN_IMAGE_CODE_BYTES}")
    return plan


def load_board_file(path: Path) -> Board:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BoardError(f"{path}: {exc}") from None
    board = parse_board(data, str(path))
    if board.name != path.stem:
        raise BoardError(f"{path}: name '{board.name}' must match the file name '{path.stem}'")
    return Board(**{**board.__dict__, "source": path})


class BoardRegistry:
    """Every board file in a directory, loaded once, by name."""

    def __init__(self, directory: Path = BOARDS_DIR):
        self.directory = directory
        self._boards: dict[str, Board] | None = None

    def _load(self) -> dict[str, Board]:
        if self._boards is None:
            self._boards = {b.name: b for b in map(load_board_file, sorted(self.directory.glob("*.toml")))}
        return self._boards

    def names(self) -> list[str]:
        return sorted(self._load())

    def all(self) -> list[Board]:
        return [self._load()[n] for n in self.names()]

    def get(self, name: str) -> Board:
        boards = self._load()
        if name not in boards:
            raise BoardError(f"unknown board '{name}'; known boards: {', '.join(self.names()) or 'none'}")
        return boards[name]


_default_registry = BoardRegistry()

# The board a run, a suite or a benchmark uses when none is named.
DEFAULT_BOARD = "qemu-netduinoplus2"


def board_names() -> list[str]:
    return _default_registry.names()


def get_board(name: str) -> Board:
    return _default_registry.get(name)


def all_boards() -> list[Board]:
    return _default_registry.all()
