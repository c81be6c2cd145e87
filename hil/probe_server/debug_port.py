"""The ADIv5 layer of the emulated debug port: the SW-DP's registers and the one
AHB-AP's (CSW, TAR/DRW with auto-increment, the banked BD0-3, CFG, BASE, IDR).
Memory accesses through the AP go to the Cortex-M model (cortex_m.py)."""
from __future__ import annotations


class TransferFault(Exception):
    """The access got a bus fault (a real probe: the AP's FAULT response)."""


class TransferTimeout(Exception):
    """The target does not answer (a real probe: no ACK / WAIT until timeout)."""


# --- identification values (ARM DDI 0439 Cortex-M4 TRM, DDI 0314 CoreSight) ---
DPIDR_CM4_SWDP = 0x2BA01477
AHB_AP_IDR_CM4 = 0x24770011
ROM_TABLE_BASE = 0xE00FF000
CSYSPWRUPREQ, CSYSPWRUPACK = 1 << 30, 1 << 31
CDBGPWRUPREQ, CDBGPWRUPACK = 1 << 28, 1 << 29


class DebugPort:
    """DP and AP registers; the class using it provides `identity`, `dead`, the DP/AP
    state (ctrl_stat, select, rdbuff, csw, tar) and read32/write32/read_sized/write_sized."""

    # --- DP -------------------------------------------------------------------

    def read_dp(self, addr: int) -> int:
        if self.dead:
            raise TransferTimeout("no response from the target (SWD ACK timeout)")
        addr &= 0xF
        if addr == 0x0:
            return self.identity.dpidr
        if addr == 0x4:
            acks = (CSYSPWRUPACK if self.ctrl_stat & CSYSPWRUPREQ else 0) | \
                   (CDBGPWRUPACK if self.ctrl_stat & CDBGPWRUPREQ else 0)
            return (self.ctrl_stat & ~0xA0000000 & 0xFFFFFFFF) | acks
        if addr == 0xC:
            return self.rdbuff
        return 0

    def write_dp(self, addr: int, value: int) -> None:
        if self.dead:
            raise TransferTimeout("no response from the target (SWD ACK timeout)")
        addr &= 0xF
        if addr == 0x4:
            self.ctrl_stat = value & 0x5FFFFFFF
        elif addr == 0x8:
            self.select = value
        # ABORT (0x0): nothing is sticky here, so there is nothing to clear.

    # --- AP -------------------------------------------------------------------

    def _apsel(self, addr: int) -> int:
        return (addr >> 24) & 0xFF

    def read_ap(self, addr: int) -> int:
        if self.dead:
            raise TransferTimeout("no response from the target (SWD ACK timeout)")
        if self._apsel(addr) != 0:
            value = 0                  # no AP there: IDR reads 0, which ends a debugger's AP scan
        else:
            reg = addr & 0xFC
            if reg == 0x00:
                value = self.csw | (1 << 6)          # DeviceEn: the bus is always reachable
            elif reg == 0x04:
                value = self.tar
            elif reg == 0x0C:
                value = self._drw_read()
            elif 0x10 <= reg <= 0x1C:
                value = self.read32((self.tar & ~0xF) + (reg - 0x10))
            elif reg == 0xF4:
                value = 0                            # CFG: little-endian, 32-bit addresses
            elif reg == 0xF8:
                value = ROM_TABLE_BASE | 3           # BASE: ROM table present, ADIv5 format
            elif reg == 0xFC:
                value = AHB_AP_IDR_CM4
            else:
                value = 0
        self.rdbuff = value
        return value

    def write_ap(self, addr: int, value: int) -> None:
        if self.dead:
            raise TransferTimeout("no response from the target (SWD ACK timeout)")
        if self._apsel(addr) != 0:
            return
        reg = addr & 0xFC
        if reg == 0x00:
            size = value & 7
            self.csw = (value & ~7) | (size if size in (0, 1, 2) else 2)
        elif reg == 0x04:
            self.tar = value & 0xFFFFFFFF
        elif reg == 0x0C:
            self._drw_write(value)
        elif 0x10 <= reg <= 0x1C:
            self.write32((self.tar & ~0xF) + (reg - 0x10), value)

    def _size(self) -> int:
        return 1 << (self.csw & 7)

    def _advance(self, size: int) -> None:
        if (self.csw >> 4) & 3 == 1:   # single auto-increment: the Cortex-M4 AHB-AP wraps at 4 KiB
            self.tar = (self.tar & ~0xFFF) | ((self.tar + size) & 0xFFF)

    def _drw_read(self) -> int:
        size, address = self._size(), self.tar
        lane = (address & 3) * 8
        value = self.read_sized(address, size * 8) << lane
        self._advance(size)
        return value & 0xFFFFFFFF

    def _drw_write(self, value: int) -> None:
        size, address = self._size(), self.tar
        lane = (address & 3) * 8
        self.write_sized(address, (value >> lane) & ((1 << (size * 8)) - 1), size * 8)
        self._advance(size)
