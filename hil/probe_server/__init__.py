"""An emulated board behind pyOCD's remote-probe protocol: `hil probe-server`."""
from .server import Faults, ProbeServer, ProbeServerError

__all__ = ["Faults", "ProbeServer", "ProbeServerError"]
