"""A debug probe server speaking pyOCD's remote-probe protocol (one JSON
request per line, `pyocd/probe/tcp_client_probe.py`), in front of an emulated
board: QEMU runs the firmware, its GDB stub is the wire, and `CortexMDebug`
is what a Cortex-M4's debug port would answer.  Unmodified pyOCD connects
with `-u remote:HOST:PORT`; the board's console UART is a TCP socket
(`console_url`, a pyserial URL).

    server = ProbeServer("qemu-netduinoplus2", port=5555).start()
    ...  # pyocd commander -u remote:127.0.0.1:5555 -t cortex_m
    server.stop()

Misbehaving on purpose (for the bench safety checks): `Faults` makes the
target report another IDCODE or CPUID, or stop answering after some number
of requests (every access then fails as a real probe's would: no ACK)."""
from __future__ import annotations

import collections
import json
import os
import signal
import socketserver
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from ..runners.registry import parse_board_name
from ..errors import HilError
from ..boards.firmware import build_firmware
from ..runners.process import default_run_dir, die_with_parent, free_ports
from ..runners.qemu import QemuTarget
from .cortex_m import CPUIDS, CortexMDebug, Identity
from .debug_port import TransferFault, TransferTimeout
from .gdb_client import GdbClient, GdbGone

PROTOCOL_VERSION = 1
VENDOR = "tinyhil"
PRODUCT = "emulated SWD probe"
# pyOCD's status codes (tcp_client_probe.TCPClientProbe.StatusCode).
GENERAL_ERROR, PROBE_ERROR, TRANSFER_ERROR, TRANSFER_TIMEOUT, TRANSFER_FAULT = 1, 3, 10, 11, 12
# Where the emulated boards' instruction clock is (see instruction_clock_address).
_TIMER_CNT_OFFSET = 0x24


class ProbeServerError(HilError):
    pass


@dataclass
class Faults:
    """How the emulated target misbehaves when told to."""
    idcode: int | None = None          # DBGMCU IDCODE to report instead of the board file's
    cpuid: int | None = None           # CPUID to report instead of the board core's
    stop_answering_after: int | None = None   # requests served before the target goes silent


def instruction_clock_address(board) -> int:
    """The timer that counts one per executed instruction under QEMU -icount
    shift=0 (the board file's counter with unit "instructions"): its counter
    register is the emulator's exact instruction count, mod 2**32."""
    for counter in board.counters:
        if counter.unit == "instructions" and counter.kind == "stm32_timer32":
            return counter.base + _TIMER_CNT_OFFSET
    raise ProbeServerError(f"board '{board.name}' has no instruction-counting timer "
                           f"(a [[counters]] entry of kind stm32_timer32, unit instructions) for DWT CYCCNT")


def idle_image(board) -> bytes:
    """A vector table (initial SP, reset vector) and a branch-to-self."""
    loop = board.code.origin + 8
    return ((board.ram.origin + board.ram.size).to_bytes(4, "little") + (loop | 1).to_bytes(4, "little")
            + bytes([0xFE, 0xE7]))


class ProbeServer:
    def __init__(self, board: str = "qemu-netduinoplus2", port: int = 5555, host: str = "127.0.0.1",
                 elf: Path | None = None, app: str = "link", run_dir: Path | None = None,
                 faults: Faults | None = None, plugin: bool = True, blank: bool = False,
                 memory_interface: bool = True):
        self.board = parse_board_name(board)
        name = self.board.name
        if self.board.qemu is None:
            raise ProbeServerError(f"board '{name}' has no [qemu] table: the probe server runs it in QEMU")
        self.host, self.port = host, port
        self.faults = faults or Faults()
        self.run_dir = Path(run_dir) if run_dir else default_run_dir(f"probe-server-{name}")
        # blank: power up holding only an idle loop (QEMU stops on a core that
        # locks up on empty flash), so whatever runs later is what a debugger wrote.
        self.blank = blank
        # Offer pyOCD a memory interface of its own (as an ST-LINK does), or make it
        # go through AP register accesses, TAR and DRW (as with a CMSIS-DAP probe).
        self.memory_interface = memory_interface
        self.elf = None if blank else (Path(elf) if elf else build_firmware(self.board, app))
        self._clock_address = instruction_clock_address(self.board)
        self._qemu = QemuTarget(self.board, elf=self.elf or Path("/dev/null"), run_dir=self.run_dir,
                                plugin=plugin and not blank, start=False)
        self._proc: subprocess.Popen | None = None
        self._server: socketserver.ThreadingTCPServer | None = None
        self.gdb: GdbClient | None = None
        self.model: CortexMDebug | None = None
        self.console_url = ""
        self.requests = 0
        self.request_counts: collections.Counter = collections.Counter()   # by request name
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """What pyOCD's -u / the harness's --probe takes."""
        return f"remote:{self.host}:{self.port}"

    @property
    def unique_id(self) -> str:
        return f"{self.host}:{self.port}"

    # --- lifetime ---------------------------------------------------------

    def start(self) -> "ProbeServer":
        try:
            self._start_qemu()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_qemu(self) -> None:
        serial_port, gdb_port = free_ports(2)
        plugin_args = None
        if self._qemu.use_plugin:
            from ..runners.marks import MarkLog
            from ..runners.qemu_plugin import plugin_arguments
            counts = self.run_dir / "icount-1.log"
            plugin_args = plugin_arguments(self.elf, counts, self.run_dir / "ranges.txt")
            self.plugin_log = MarkLog(counts)
        # Without wait: the board runs from power-up whether or not anyone listens to its UART.
        cmd = [a.replace(",wait=on", ",wait=off") for a in self._qemu.command_line(serial_port, gdb_port, plugin_args)]
        if self.blank:
            at = cmd.index("-kernel")
            cmd[at:at + 2] = ["-S"]   # held until the idle loop is in place
        (self.run_dir / "qemu.cmd").write_text(" ".join(cmd) + "\n")
        self._log = open(self.run_dir / "qemu.log", "ab")
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True, preexec_fn=die_with_parent)
        try:
            self.gdb = GdbClient("127.0.0.1", gdb_port, connect_timeout=10.0)
        except GdbGone as exc:
            raise ProbeServerError(f"probe server: QEMU did not start ({exc}); see {self.run_dir / 'qemu.log'}") from None
        self.console_url = f"socket://127.0.0.1:{serial_port}"
        identity = Identity(cpuid=CPUIDS.get(self.board.cpu.core, CPUIDS["cortex-m4"]), fpu=self.board.cpu.fpu)
        if self.board.pyocd is not None and self.board.pyocd.idcode is not None:
            identity.idcode_address, identity.idcode = self.board.pyocd.idcode_address, self.board.pyocd.idcode
        if self.faults.idcode is not None:
            identity.idcode = self.faults.idcode
        if self.faults.cpuid is not None:
            identity.cpuid = self.faults.cpuid
        self.model = CortexMDebug(self.gdb, identity, self._instruction_clock, self._reset_machine)
        if self.blank:
            self.gdb.write_memory(self.board.code.origin, idle_image(self.board))
            self._reset_machine()
        self.gdb.resume()   # attaching stopped it; a board on the bench runs until a debugger halts it

    def _instruction_clock(self) -> int:
        return int.from_bytes(self.gdb.read_memory(self._clock_address, 4), "little")

    def _reset_machine(self) -> None:
        self.gdb.monitor("system_reset")
        self.gdb.halt()          # the reset leaves the core at its reset vector, stopped

    def _start_server(self) -> None:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                connection = _Connection(server)
                for line in self.rfile:
                    self.wfile.write(connection.reply(line).encode() + b"\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        try:
            self._server = Server((self.host, self.port), Handler)
        except OSError as exc:
            raise ProbeServerError(f"probe server: cannot listen on {self.host}:{self.port}: {exc}") from None
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="probe-server", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.gdb is not None:
            self.gdb.close()
            self.gdb = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "ProbeServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def qemu_pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop_answering(self) -> None:
        """From now on the target answers nothing (as a board that lost power would)."""
        with self.model.lock:
            self.model.dead = True
            try:
                self.gdb.halt()       # its UART goes quiet too
            except GdbGone:
                pass

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1
            limit = self.faults.stop_answering_after
            if limit is not None and self.requests > limit and not self.model.dead:
                self.stop_answering()


class _Connection:
    """One client's requests (pyOCD opens one connection per probe)."""

    def __init__(self, server: ProbeServer):
        self.server = server
        self.model = server.model
        self.protocol = None

    def reply(self, line: bytes) -> str:
        rid = -1
        try:
            request = json.loads(line)
            rid = request["id"]
            name, args = request["request"], request.get("arguments", [])
            handler = getattr(self, "_rq_" + name, None)
            if handler is None:
                return json.dumps({"id": rid, "status": GENERAL_ERROR, "error": f"unknown request type '{name}'"})
            self.server.count_request()
            self.server.request_counts[name] += 1
            with self.model.lock:
                result = handler(*args)
            out = {"id": rid, "status": 0}
            if result is not None:
                out["result"] = result
            return json.dumps(out)
        except TransferTimeout as exc:
            return json.dumps({"id": rid, "status": TRANSFER_TIMEOUT, "error": str(exc)})
        except TransferFault as exc:
            return json.dumps({"id": rid, "status": TRANSFER_FAULT, "error": str(exc)})
        except (ValueError, KeyError, TypeError) as exc:
            return json.dumps({"id": rid, "status": GENERAL_ERROR, "error": f"malformed request: {exc}"})

    # --- probe ------------------------------------------------------------

    def _rq_hello(self, version):
        if version != PROTOCOL_VERSION:
            raise ValueError(f"protocol version {version} not supported (this server speaks {PROTOCOL_VERSION})")

    def _rq_readprop(self, name):
        props = {"vendor_name": VENDOR, "product_name": PRODUCT, "supported_wire_protocols": ["DEFAULT", "SWD"],
                 "wire_protocol": self.protocol, "capabilities": [], "unique_id": self.server.unique_id,
                 "description": f"{VENDOR} {PRODUCT}",
                 # Not pyOCD's: what the harness asks a probe server it started (see
                 # hil.runners.pyocd_bench.ask_probe_server).
                 "console_url": self.server.console_url, "emulated_board": self.server.board.name}
        if name not in props:
            raise KeyError(f"unknown property '{name}'")
        return props[name]

    def _rq_open(self):
        pass

    def _rq_close(self):
        pass

    def _rq_lock(self):
        pass

    def _rq_unlock(self):
        pass

    def _rq_connect(self, protocol):
        if protocol not in ("DEFAULT", "SWD"):
            raise ValueError(f"wire protocol {protocol} not supported (SWD only)")
        self.protocol = "SWD"

    def _rq_disconnect(self):
        self.protocol = None

    def _rq_swj_sequence(self, length, bits):
        pass

    def _rq_set_clock(self, frequency):
        pass

    def _rq_flush(self):
        pass

    def _rq_reset(self):
        self.model.reset()

    def _rq_assert_reset(self, asserted):
        # nRST: the machine restarts when it is released.
        if not asserted:
            self.model.reset()

    def _rq_is_reset_asserted(self):
        return False

    def _rq_has_swo(self):
        return False

    # --- DAP --------------------------------------------------------------

    def _rq_read_dp(self, addr):
        return self.model.read_dp(addr)

    def _rq_write_dp(self, addr, data):
        self.model.write_dp(addr, data)

    def _rq_read_ap(self, addr):
        return self.model.read_ap(addr)

    def _rq_write_ap(self, addr, data):
        self.model.write_ap(addr, data)

    def _rq_read_ap_multiple(self, addr, count):
        return [self.model.read_ap(addr) for _ in range(count)]

    def _rq_write_ap_multiple(self, addr, values):
        for v in values:
            self.model.write_ap(addr, v)

    def _rq_get_memory_interface_for_ap(self, version, nominal_address):
        # One AHB-AP, APSEL 0 (APv1 nominal address = APSEL << 24); handle 0.
        if not self.server.memory_interface:
            return None
        return 0 if version == 1 and nominal_address == 0 else None

    # --- memory (the AHB-AP, accelerated) ---------------------------------

    def _check(self, handle):
        if handle != 0:
            raise KeyError(f"invalid memory interface handle {handle}")

    def _rq_read_mem(self, handle, addr, size):
        self._check(handle)
        if size == 32:
            return self.model.read32(addr) if addr % 4 == 0 else int.from_bytes(self.model.read_block(addr, 4), "little")
        return int.from_bytes(self.model.read_block(addr, size // 8), "little")

    def _rq_write_mem(self, handle, addr, value, size):
        self._check(handle)
        if size == 32 and addr % 4 == 0:
            self.model.write32(addr, value)
        else:
            self.model.write_block(addr, (value & ((1 << size) - 1)).to_bytes(size // 8, "little"))

    def _rq_read_block32(self, handle, addr, count):
        self._check(handle)
        data = self.model.read_block(addr, 4 * count)
        return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]

    def _rq_write_block32(self, handle, addr, words):
        self._check(handle)
        self.model.write_block(addr, b"".join((w & 0xFFFFFFFF).to_bytes(4, "little") for w in words))

    def _rq_read_block8(self, handle, addr, count):
        self._check(handle)
        return list(self.model.read_block(addr, count))

    def _rq_write_block8(self, handle, addr, data):
        self._check(handle)
        self.model.write_block(addr, bytes(data))
