"""Robot Framework keywords for `hil probe-server`: an emulated board behind
pyOCD's remote-probe protocol, for suites that rehearse the bench path.

| *** Settings ***
| Library        hil.robot.ProbeServerLibrary
| Resource       resources/common.resource
| Suite Setup    Run Keywords    Start Probe Server    AND    Open Board And Load Model    kws
| Suite Teardown    Run Keywords    Close Board    AND    Stop Probe Server

`Start Probe Server` sets the suite variable ``${PROBE}``, which `Open Board`
of ``hil.robot.HilLibrary`` passes to ``pyocd-*`` boards, and ``${BOARD}`` to
the matching ``pyocd-*`` board unless told otherwise."""
from __future__ import annotations

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn


class ProbeServerLibrary:
    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(self):
        self._server = None

    def start_probe_server(self, board: str = "qemu-netduinoplus2", set_board: bool = True, **faults) -> str:
        """Start a probe server for ``board`` on a free port; returns its ``remote:HOST:PORT``.

        ``faults`` (for safety-check suites): ``idcode=0x...``, ``cpuid=0x...``,
        ``stop_answering_after=N``.  With ``set_board`` (default) ``${BOARD}`` becomes
        ``pyocd-<board>``."""
        from hil.probe_server import Faults, ProbeServer

        self.stop_probe_server()
        parsed = {k: int(str(v), 0) for k, v in faults.items()}
        try:
            server = ProbeServer(board, port=0, faults=Faults(**parsed))
        except TypeError as exc:
            raise AssertionError(f"Start Probe Server: unknown fault: {exc}") from None
        self._server = server.start()
        builtin = BuiltIn()
        builtin.set_suite_variable("${PROBE}", server.url)
        if set_board:
            builtin.set_suite_variable("${BOARD}", f"pyocd-{server.board.name}")
        logger.info(f"probe server {server.url}, console {server.console_url}, logs {server.run_dir}")
        return server.url

    def stop_probe_server(self) -> None:
        """Stop the probe server and its QEMU.  Safe to call when none runs."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
