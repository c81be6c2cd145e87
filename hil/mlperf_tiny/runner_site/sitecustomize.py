"""Put on the official MLPerf Tiny runner's Python path by hil.mlperf_tiny.official
(never imported by tinyhil itself): makes an emulated board's pty appear in
serial.tools.list_ports with the USB VID/PID of the runner's devices YAML,
since a pty has none.  This is the only change to how the unmodified runner
finds its device; everything it then does goes over that pty."""
import os

_PORT = os.environ.get("TINYHIL_MLPERF_PTY")
if _PORT:
    from serial.tools import list_ports, list_ports_common

    _vid = int(os.environ["TINYHIL_MLPERF_VID"], 0)
    _pid = int(os.environ["TINYHIL_MLPERF_PID"], 0)
    _real_comports = list_ports.comports

    def _comports(include_links=False):
        port = list_ports_common.ListPortInfo(_PORT, skip_link_detection=True)
        port.vid, port.pid = _vid, _pid
        port.description = "tinyhil emulated board (pty)"
        port.hwid = f"USB VID:PID={_vid:04X}:{_pid:04X} (emulated)"
        return [p for p in _real_comports(include_links) if p.device != _PORT] + [port]

    list_ports.comports = _comports
