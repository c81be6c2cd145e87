"""`hil probe-server`: serve an emulated board to pyOCD until interrupted."""
from __future__ import annotations

import signal
import threading


def _int(text: str) -> int:
    return int(text, 0)


def register(sub) -> None:
    p = sub.add_parser("probe-server", help="an emulated board behind pyOCD's remote probe protocol "
                                            "(pyocd ... -u remote:127.0.0.1:PORT)")
    p.add_argument("--board", default="qemu-netduinoplus2", help="emulated board (default qemu-netduinoplus2)")
    p.add_argument("--port", type=int, default=5555, help="TCP port (default 5555, pyOCD's; 0: any free)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--elf", help="image the board holds at power-up (default: the board's link firmware)")
    p.add_argument("--app", default="link", help="firmware app to build for power-up when --elf is not given")
    p.add_argument("--blank", action="store_true", help="power up holding only an idle loop")
    p.add_argument("--ap-registers-only", action="store_true",
                   help="offer no memory interface: pyOCD then goes through AP registers (TAR/DRW), as over CMSIS-DAP")
    p.add_argument("--fake-idcode", type=_int, help="misbehave: report this DBGMCU IDCODE")
    p.add_argument("--fake-cpuid", type=_int, help="misbehave: report this CPUID")
    p.add_argument("--stop-answering-after", type=int, metavar="N",
                   help="misbehave: after N requests the target answers nothing")
    p.set_defaults(func=_cmd_probe_server)


def _cmd_probe_server(args) -> int:
    from .server import Faults, ProbeServer

    faults = Faults(idcode=args.fake_idcode, cpuid=args.fake_cpuid, stop_answering_after=args.stop_answering_after)
    server = ProbeServer(args.board, port=args.port, host=args.host, elf=args.elf, app=args.app, faults=faults,
                         blank=args.blank, memory_interface=not args.ap_registers_only)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        server.start()
        print(f"probe {server.url} ({server.board.name} in QEMU, pid {server.qemu_pid})", flush=True)
        print(f"console {server.console_url}", flush=True)
        print(f"logs {server.run_dir}", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return 0
