"""What a Cortex-M4's debug port shows a probe, modelled over an emulator.

The registers a debugger uses to find and drive the core are answered here,
from the same definitions a real STM32F4 has (ARM ADIv5, ARMv7-M ARM):

- SW-DP: DPIDR, CTRL/STAT with the CSYSPWRUPREQ/CDBGPWRUPREQ handshake, SELECT,
  RDBUFF, ABORT;
- one AHB-AP (APSEL 0): IDR, CSW, TAR/DRW with auto-increment, BD0-3, CFG, BASE;
- the Cortex-M4 ROM table at 0xE00FF000 with three entries: SCS, DWT and FPB
  (ITM, TPIU and ETM are not modelled, so the table does not list them);
- SCS: CPUID, DHCSR (halt, step, resume; S_HALT, S_REGRDY, S_RETIRE_ST,
  S_RESET_ST), DCRSR/DCRDR (core registers), DEMCR (VC_CORERESET), DFSR,
  AIRCR (SYSRESETREQ, VECTRESET), MVFR0/1;
- DWT: CTRL (no comparators) and CYCCNT, which counts the emulator's
  executed instructions (not cycles; see `instruction_clock`);
- FPB (v1, six code comparators), mapped onto the stub's hardware breakpoints;
- DBGMCU IDCODE, from the board file.

Everything else is the emulated machine's own memory, read and written
through the GDB stub."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from .debug_port import DPIDR_CM4_SWDP, ROM_TABLE_BASE, DebugPort, TransferFault, TransferTimeout
from .gdb_client import GdbClient, GdbError, GdbGone


# --- identification values (ARM DDI 0439 Cortex-M4 TRM, DDI 0314 CoreSight) ---
CPUIDS = {"cortex-m4": 0x410FC241, "cortex-m3": 0x412FC231, "cortex-m7": 0x411FC272, "cortex-m55": 0x410FD220}
# MVFR0/1 of a Cortex-M4F (single-precision FPU) and of a core without FPU.
MVFR_FPU = (0x10110021, 0x11000011)
MVFR_NONE = (0, 0)

# Component identification: (base, part number, CoreSight class).
_COMPONENTS = {
    "scs": (0xE000E000, 0x00C, 0xE),
    "dwt": (0xE0001000, 0x002, 0xE),
    "fpb": (0xE0002000, 0x003, 0xE),
    "rom": (ROM_TABLE_BASE, 0x4C4, 0x1),
}

# SCS
CPUID, AIRCR, DFSR = 0xE000ED00, 0xE000ED0C, 0xE000ED30
DHCSR, DCRSR, DCRDR, DEMCR = 0xE000EDF0, 0xE000EDF4, 0xE000EDF8, 0xE000EDFC
MVFR0, MVFR1 = 0xE000EF40, 0xE000EF44
DBGKEY = 0xA05F
C_DEBUGEN, C_HALT, C_STEP, C_MASKINTS = 1, 2, 4, 8
S_REGRDY, S_HALT, S_RETIRE_ST, S_RESET_ST = 1 << 16, 1 << 17, 1 << 24, 1 << 25
VC_CORERESET = 1
TRCENA = 1 << 24
DFSR_HALTED, DFSR_BKPT, DFSR_VCATCH = 1, 2, 8
# DWT / FPB
DWT_CTRL, DWT_CYCCNT = 0xE0001000, 0xE0001004
CYCCNTENA = 1
FP_CTRL, FP_REMAP, FP_COMP0 = 0xE0002000, 0xE0002004, 0xE0002008
FPB_CODE_COMPARATORS, FPB_LITERAL_COMPARATORS = 6, 2

# DCRSR REGSEL -> the stub's register name (ARMv7-M ARM C1.6.3).
_REGSEL = {**{i: f"r{i}" for i in range(13)}, 13: "sp", 14: "lr", 15: "pc", 16: "xpsr", 17: "msp", 18: "psp",
           33: "fpscr"}
_SPECIAL = 20   # CONTROL[31:24] FAULTMASK[23:16] BASEPRI[15:8] PRIMASK[7:0]


@dataclass
class Identity:
    """What the target says it is; a probe server told to lie changes these."""
    dpidr: int = DPIDR_CM4_SWDP
    cpuid: int = CPUIDS["cortex-m4"]
    idcode_address: int | None = None     # DBGMCU IDCODE, where the part has one
    idcode: int = 0
    fpu: bool = True


def _id_registers(base: int, part: int, cls: int) -> dict[int, int]:
    """PIDR0-4 and CIDR0-3 of a CoreSight component designed by ARM (JEP106 0x3B)."""
    pid = [part & 0xFF, 0xB0 | (part >> 8), 0x0B, 0x00, 0x04]
    cid = [0x0D, cls << 4, 0x05, 0xB1]
    regs = {base + 0xFE0 + 4 * i: v for i, v in enumerate(pid[:4])}
    regs[base + 0xFD0] = pid[4]
    regs.update({base + 0xFF0 + 4 * i: v for i, v in enumerate(cid)})
    return regs


class CortexMDebug(DebugPort):
    """DP, AP and the debug registers of one Cortex-M core behind a GDB stub.

    `instruction_clock()` returns the emulator's instruction count (mod 2**32):
    DWT CYCCNT counts it while enabled.  `reset()` resets the machine."""

    def __init__(self, gdb: GdbClient, identity: Identity, instruction_clock, reset_machine):
        self.gdb = gdb
        self.identity = identity
        self._clock = instruction_clock
        self._reset_machine = reset_machine
        self.lock = threading.RLock()
        self.dead = False              # the target stopped answering (told to misbehave)
        self.cyccnt_reads = 0
        self.silent_after_cyccnt_reads: int | None = None   # misbehave: go silent mid-measurement
        # DP
        self.ctrl_stat = 0
        self.select = 0
        self.rdbuff = 0
        # AP
        self.csw = 0x03000052          # DbgSwEnable, HPROT data, DeviceEn, 32-bit
        self.tar = 0
        # SCS
        self.debugen = False
        self.maskints = False
        self.dcrdr = 0
        self.demcr = 0
        self.dfsr = 0
        self.reset_seen = True         # S_RESET_ST reads 1 once after power-up and after each reset
        self.retired = False
        # DWT
        self.dwt_ctrl = 0
        self.cyccnt_base = 0           # CYCCNT = base + (clock - clock_at_start) while enabled
        self.cyccnt_clock0: int | None = None
        # FPB
        self.fp_ctrl = 0
        self.fp_comp = [0] * (FPB_CODE_COMPARATORS + FPB_LITERAL_COMPARATORS)
        self._armed: set[int] = set()
        self.dbgmcu = {}
        self._ids = {}
        for base, part, cls in _COMPONENTS.values():
            self._ids.update(_id_registers(base, part, cls))
        rom = [(_COMPONENTS[c][0] - ROM_TABLE_BASE) & 0xFFFFF000 | 3 for c in ("scs", "dwt", "fpb")]
        self._ids.update({ROM_TABLE_BASE + 4 * i: v for i, v in enumerate(rom + [0])})
        self._ids[ROM_TABLE_BASE + 0xFCC] = 1   # MEMTYPE: system memory is on the bus

    # --- the stub, with its failures as transfer errors -----------------------

    def _gdb(self, fn, *args):
        if self.dead:
            raise TransferTimeout("no response from the target (SWD ACK timeout)")
        try:
            return fn(*args)
        except GdbError as exc:
            raise TransferFault(str(exc)) from None
        except GdbGone as exc:
            raise TransferTimeout(f"the target stopped answering: {exc}") from None

    @property
    def halted(self) -> bool:
        return self._gdb(self.gdb.poll)

    # --- memory -----------------------------------------------------------------

    def read_sized(self, address: int, bits: int) -> int:
        word = self.read32(address & ~3)
        shift = (address & 3) * 8
        return (word >> shift) & ((1 << bits) - 1)

    def write_sized(self, address: int, value: int, bits: int) -> None:
        if bits == 32:
            self.write32(address, value)
        elif self._modelled(address & ~3):
            word = self.read32(address & ~3)
            shift, mask = (address & 3) * 8, (1 << bits) - 1
            self.write32(address & ~3, (word & ~(mask << shift)) | ((value & mask) << shift))
        else:
            self._gdb(self.gdb.write_memory, address, (value & ((1 << bits) - 1)).to_bytes(bits // 8, "little"))

    def _modelled(self, address: int) -> bool:
        return (address in self._ids or 0xE000EDF0 <= address <= 0xE000EDFC or address in (CPUID, AIRCR, DFSR, MVFR0, MVFR1)
                or 0xE0001000 <= address < 0xE0002000 or 0xE0002000 <= address < 0xE0003000
                or ROM_TABLE_BASE <= address < ROM_TABLE_BASE + 0x1000
                or (self.identity.idcode_address is not None
                    and self.identity.idcode_address <= address < self.identity.idcode_address + 0x10))

    def _touches_model(self, address: int, length: int) -> bool:
        end = address + length
        ida = self.identity.idcode_address
        return (address < 0xE0100000 and end > 0xE0000000) or (ida is not None and address < ida + 0x10 and end > ida)

    def read_block(self, address: int, length: int) -> bytes:
        """Bytes at [address, address + length): the emulator's memory, with
        the modelled debug registers laid over it."""
        if length <= 0:
            return b""
        if not self._touches_model(address, length):
            return self._gdb(self.gdb.read_memory, address, length)
        out = bytearray()
        for word_address in range(address & ~3, address + length, 4):
            out += self.read32(word_address).to_bytes(4, "little")
        skip = address & 3
        return bytes(out[skip:skip + length])

    def write_block(self, address: int, data: bytes) -> None:
        if not self._touches_model(address, len(data)):
            self._gdb(self.gdb.write_memory, address, bytes(data))
            return
        for i in range(0, len(data), 4):
            chunk = data[i:i + 4]
            if len(chunk) == 4 and (address + i) % 4 == 0:
                self.write32(address + i, int.from_bytes(chunk, "little"))
            else:
                for j, b in enumerate(chunk):
                    self.write_sized(address + i + j, b, 8)

    def read32(self, address: int) -> int:
        with self.lock:
            return self._read32(address & ~3)

    def _read32(self, a: int) -> int:
        if a in self._ids:
            return self._ids[a]
        if ROM_TABLE_BASE <= a < ROM_TABLE_BASE + 0x1000:
            return 0
        if a == DHCSR:
            return self._dhcsr()
        if a == DCRSR:
            return 0
        if a == DCRDR:
            return self.dcrdr
        if a == DEMCR:
            return self.demcr
        if a == DFSR:
            return self.dfsr
        if a == CPUID:
            return self.identity.cpuid
        if a in (MVFR0, MVFR1):
            return (MVFR_FPU if self.identity.fpu else MVFR_NONE)[a == MVFR1]
        if a == DWT_CTRL:
            return self.dwt_ctrl & CYCCNTENA      # NUMCOMP = 0: no watchpoint comparators
        if a == DWT_CYCCNT:
            self.cyccnt_reads += 1
            if self.silent_after_cyccnt_reads is not None and self.cyccnt_reads > self.silent_after_cyccnt_reads:
                self.dead = True
                try:
                    self.gdb.halt()   # the board stops: its UART goes quiet too
                except GdbGone:
                    pass
                raise TransferTimeout("no response from the target (SWD ACK timeout)")
            return self._cyccnt()
        if 0xE0001000 <= a < 0xE0002000:
            return 0
        if a == FP_CTRL:
            return self.fp_ctrl & 1 | (FPB_CODE_COMPARATORS << 4) | (FPB_LITERAL_COMPARATORS << 8)
        if a == FP_REMAP:
            return 0
        if FP_COMP0 <= a < FP_COMP0 + 4 * len(self.fp_comp):
            return self.fp_comp[(a - FP_COMP0) // 4]
        if 0xE0002000 <= a < 0xE0003000:
            return 0
        ida = self.identity.idcode_address
        if ida is not None and ida <= a < ida + 0x10:
            return self.identity.idcode if a == ida else self.dbgmcu.get(a, 0)
        return int.from_bytes(self._gdb(self.gdb.read_memory, a, 4), "little")

    def write32(self, address: int, value: int) -> None:
        with self.lock:
            self._write32(address & ~3, value & 0xFFFFFFFF)

    def _write32(self, a: int, v: int) -> None:
        if a in self._ids or ROM_TABLE_BASE <= a < ROM_TABLE_BASE + 0x1000 or a in (CPUID, MVFR0, MVFR1):
            return                                # read-only
        if a == DHCSR:
            self._write_dhcsr(v)
        elif a == DCRSR:
            self._write_dcrsr(v)
        elif a == DCRDR:
            self.dcrdr = v
        elif a == DEMCR:
            self.demcr = v
            self._cyccnt_enable_changed()
        elif a == DFSR:
            self.dfsr &= ~v                       # write one to clear
        elif a == AIRCR:
            if v >> 16 == 0x05FA and v & 0b101:   # SYSRESETREQ or VECTRESET
                self.reset()
            else:
                self._gdb(self.gdb.write_memory, a, v.to_bytes(4, "little"))
        elif a == DWT_CTRL:
            cyccnt = self._cyccnt()
            self.dwt_ctrl = v
            self._restart_cyccnt(cyccnt)
        elif a == DWT_CYCCNT:
            self._restart_cyccnt(v)
        elif 0xE0001000 <= a < 0xE0002000:
            pass
        elif a == FP_CTRL:
            if v & 2:                             # KEY must be written for ENABLE to change
                self.fp_ctrl = v & 1
                self._sync_breakpoints()
        elif FP_COMP0 <= a < FP_COMP0 + 4 * len(self.fp_comp):
            self.fp_comp[(a - FP_COMP0) // 4] = v
            self._sync_breakpoints()
        elif 0xE0002000 <= a < 0xE0003000:
            pass
        elif self.identity.idcode_address is not None and self.identity.idcode_address < a < self.identity.idcode_address + 0x10:
            self.dbgmcu[a] = v
        elif a == self.identity.idcode_address:
            pass
        else:
            self._gdb(self.gdb.write_memory, a, v.to_bytes(4, "little"))

    # --- DHCSR and core registers -------------------------------------------

    def _dhcsr(self) -> int:
        halted = self.halted
        if halted and self.gdb.last_stop.startswith("T05") and not self.dfsr & DFSR_HALTED:
            self.dfsr |= DFSR_BKPT if self._armed else DFSR_HALTED
        value = S_REGRDY | (S_HALT | C_HALT if halted else 0)
        value |= (C_DEBUGEN if self.debugen else 0) | (C_MASKINTS if self.maskints else 0)
        if not halted:
            self.retired = True
        if self.retired:
            value |= S_RETIRE_ST
            self.retired = False
        if self.reset_seen:
            value |= S_RESET_ST
            self.reset_seen = False
        return value

    def _write_dhcsr(self, v: int) -> None:
        if v >> 16 != DBGKEY:
            return                                  # ignored without the key, as on silicon
        self.debugen = bool(v & C_DEBUGEN)
        self.maskints = bool(v & C_MASKINTS)
        halted = self.halted
        if v & C_HALT and self.debugen:
            if not halted:
                self._gdb(self.gdb.halt)
                self.dfsr |= DFSR_HALTED
        elif halted:
            if v & C_STEP and self.debugen:
                self._gdb(self.gdb.step)
                self.dfsr |= DFSR_HALTED
            else:
                self._gdb(self.gdb.resume)
            self.retired = True

    def _write_dcrsr(self, v: int) -> None:
        regsel, write = v & 0x7F, bool(v & (1 << 16))
        if regsel == _SPECIAL:
            names = ("primask", "basepri", "faultmask", "control")
            if write:
                for i, name in enumerate(names):
                    self._gdb(self.gdb.write_register, name, (self.dcrdr >> (8 * i)) & 0xFF)
            else:
                self.dcrdr = sum((self._gdb(self.gdb.read_register, n) & 0xFF) << (8 * i) for i, n in enumerate(names))
            return
        if 64 <= regsel < 96:                       # S0-S31 live in the stub's D registers
            d, high = f"d{(regsel - 64) // 2}", (regsel - 64) % 2
            if d not in self.gdb.registers:
                raise TransferFault(f"register {regsel} (S{regsel - 64}): the core has no FPU")
            value = self._gdb(self.gdb.read_register, d)
            if write:
                mask = 0xFFFFFFFF << (32 * high)
                self._gdb(self.gdb.write_register, d, (value & ~mask) | (self.dcrdr << (32 * high)))
            else:
                self.dcrdr = (value >> (32 * high)) & 0xFFFFFFFF
            return
        name = _REGSEL.get(regsel)
        if name is None or name not in self.gdb.registers:
            self.dcrdr = 0 if not write else self.dcrdr
            return
        if write:
            self._gdb(self.gdb.write_register, name, self.dcrdr)
        else:
            self.dcrdr = self._gdb(self.gdb.read_register, name)

    # --- reset ------------------------------------------------------------------

    def reset(self) -> None:
        """A system reset: the machine restarts; with VC_CORERESET set (and
        debug enabled) the core stays halted on its first instruction."""
        with self.lock:
            if self.dead:
                raise TransferTimeout("no response from the target (SWD ACK timeout)")
            # Debug logic (DHCSR enables, DEMCR, DWT, FPB) is reset only at power-on,
            # not by a system reset: CYCCNT counts on across it.
            cyccnt = self._cyccnt()
            self._gdb(self._reset_machine)
            self.reset_seen = True
            self.dfsr = 0
            self._restart_cyccnt(cyccnt)
            if self.demcr & VC_CORERESET and self.debugen:
                self.dfsr |= DFSR_VCATCH
            else:
                self._gdb(self.gdb.resume)

    # --- DWT CYCCNT ---------------------------------------------------------------

    def _counting(self) -> bool:
        return bool(self.demcr & TRCENA and self.dwt_ctrl & CYCCNTENA)

    def _cyccnt(self) -> int:
        if self.cyccnt_clock0 is None:
            return self.cyccnt_base
        return (self.cyccnt_base + self._gdb(self._clock) - self.cyccnt_clock0) & 0xFFFFFFFF

    def _restart_cyccnt(self, value: int) -> None:
        self.cyccnt_base = value & 0xFFFFFFFF
        self.cyccnt_clock0 = self._gdb(self._clock) if self._counting() else None

    def _cyccnt_enable_changed(self) -> None:
        counting = self.cyccnt_clock0 is not None
        if counting != self._counting():
            self._restart_cyccnt(self._cyccnt())

    # --- FPB ----------------------------------------------------------------------

    def _sync_breakpoints(self) -> None:
        want: set[int] = set()
        if self.fp_ctrl & 1:
            for comp in self.fp_comp[:FPB_CODE_COMPARATORS]:
                if comp & 1:
                    replace = comp >> 30
                    base = comp & 0x1FFFFFFC
                    if replace in (1, 3):
                        want.add(base)
                    if replace in (2, 3):
                        want.add(base + 2)
        for address in self._armed - want:
            self._gdb(self.gdb.set_breakpoint, address, False)
        for address in want - self._armed:
            self._gdb(self.gdb.set_breakpoint, address, True)
        self._armed = want
