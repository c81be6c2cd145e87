"""Where a plan goes on a board (its FLASH plan slot or its RAM pool), decided on the
host from the plan's header and the sizes the board announced, before anything is sent."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .errors import LinkError, PlanTooBig


@dataclass
class BoardInfo:
    """What a board announces in its BOOT frame (and INFO): versions, counters, and the
    sizes of its RAM pool and FLASH plan slot, from which the host places plans."""
    protocol_version: int
    max_payload: int
    plan_version: tuple[int, int]
    engine_present: bool
    counter_index: int | None
    counter_bits: int
    cpuid: int
    pool_address: int
    pool_bytes: int
    boot_count: int
    flash_slot_address: int = 0
    flash_slot_bytes: int = 0        # 0: the board has no FLASH plan slot
    text: dict[str, str] = field(default_factory=dict)

    @property
    def board(self) -> str:
        return self.text.get("board", "")

    @property
    def build_id(self) -> str:
        return self.text.get("build", "")


SLOT_ALIGN = 16          # th_model_slot.c: plan, arena and per-op counts start 16-byte aligned
OP_COUNT_BYTES = 8       # one per-op count in the pool


def _align(value: int) -> int:
    return (value + SLOT_ALIGN - 1) // SLOT_ALIGN * SLOT_ALIGN


@dataclass(frozen=True)
class PlanNeeds:
    """What a plan takes on the board, from its header (arena and ops 0 when unreadable)."""
    plan_bytes: int
    arena_bytes: int = 0
    num_ops: int = 0

    @classmethod
    def of(cls, blob: bytes) -> PlanNeeds:
        from ..compiler.plan_format import plan_format
        fmt = plan_format()
        try:
            h = fmt.header.unpack(blob)
        except struct.error:   # too short for a header: the board will say what is wrong
            return cls(len(blob))
        if h["magic"] != fmt.magic:
            return cls(len(blob))
        return cls(len(blob), h["arena_bytes"], h["num_ops"])

    @property
    def pool_bytes_in_flash(self) -> int:
        """RAM pool needed with the plan in the FLASH slot: arena + per-op counts."""
        return _align(self.arena_bytes) + self.num_ops * OP_COUNT_BYTES

    @property
    def pool_bytes_in_ram(self) -> int:
        """RAM pool needed with the plan in the RAM slot: plan + arena + per-op counts."""
        return _align(self.plan_bytes) + self.pool_bytes_in_flash


def choose_slot(needs: PlanNeeds, info: BoardInfo, can_write_flash: bool, board: str = "",
                want: str | None = None) -> str:
    """Where a plan goes: "FLASH" when the board has a flash slot, something can
    write it (a MemoryWriter) and the plan fits (that is where a deployment keeps
    weights, and it leaves the RAM pool to the arena); else "RAM".  `want` forces
    one.  Raises PlanTooBig naming the plan and every slot's capacity when the
    plan fits none."""
    if want not in (None, "FLASH", "RAM"):
        raise ValueError(f"slot must be 'FLASH' or 'RAM', got {want!r}")
    flash_fits = needs.plan_bytes <= info.flash_slot_bytes and needs.pool_bytes_in_flash <= info.pool_bytes
    ram_fits = needs.pool_bytes_in_ram <= info.pool_bytes
    flash_usable = info.flash_slot_bytes > 0 and can_write_flash
    if want == "FLASH" and not flash_usable:
        why = "the board has no flash plan slot" if info.flash_slot_bytes == 0 else \
              "only a debugger (a MemoryWriter, with bulk transfer) writes the flash slot, and none is in use"
        raise LinkError(f"{board}: cannot put the plan in the FLASH slot: {why}")
    if want in (None, "FLASH") and flash_usable and flash_fits:
        return "FLASH"
    if want in (None, "RAM") and ram_fits:
        return "RAM"
    what = f"the plan ({needs.plan_bytes:,} B, arena {needs.arena_bytes:,} B, {needs.num_ops} ops)"
    ram = (f"RAM slot: plan + arena + per-op counts need {needs.pool_bytes_in_ram:,} B "
           f"of the {info.pool_bytes:,} B RAM pool")
    if info.flash_slot_bytes == 0:
        flash = "no flash slot on this board"
    else:
        flash = (f"flash slot: {info.flash_slot_bytes:,} B for the plan, and arena + per-op counts need "
                 f"{needs.pool_bytes_in_flash:,} B of the {info.pool_bytes:,} B RAM pool")
        if not can_write_flash:
            flash += " (not usable here: no debugger/MemoryWriter to write it)"
    capacities = {"RAM": info.pool_bytes, "FLASH": info.flash_slot_bytes}
    if want is not None:
        raise PlanTooBig(f"{board}: {what} does not fit the {want} slot; "
                         + (ram if want == "RAM" else flash), needs.plan_bytes, capacities)
    raise PlanTooBig(f"{board}: {what} does not fit any plan slot: {flash}; {ram}", needs.plan_bytes, capacities)


def fit_message(needs: PlanNeeds, info: BoardInfo, can_write_flash: bool, board: str, name: str) -> tuple[bool, str]:
    """(fits, a sentence with the figures either way) for a plan on a booted board."""
    try:
        slot = choose_slot(needs, info, can_write_flash, board)
    except PlanTooBig as exc:
        return False, f"{name} does not fit {board}: {str(exc).removeprefix(board + ': ')}"
    pool_needed = needs.pool_bytes_in_flash if slot == "FLASH" else needs.pool_bytes_in_ram
    where = (f"the plan ({needs.plan_bytes:,} B) in the {info.flash_slot_bytes:,} B FLASH slot, arena and "
             f"per-op counts in {pool_needed:,} B" if slot == "FLASH" else
             f"plan, arena and per-op counts in {pool_needed:,} B")
    return True, (f"{name} fits {board}: {where} of the {info.pool_bytes:,} B RAM pool, "
                  f"{info.pool_bytes - pool_needed:,} B to spare")
