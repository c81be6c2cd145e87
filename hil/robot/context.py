"""What the keyword modules share: harness errors as Robot failures, Robot variables
with defaults outside Robot, the output directory."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from hil.errors import HilError


class HilFailure(Exception):
    """A harness error shown in Robot as its message alone (it already says what went wrong)."""

    ROBOT_SUPPRESS_NAME = True


@contextmanager
def as_failure():
    """Report harness errors as Robot failures carrying just their message."""
    try:
        yield
    except HilError as exc:
        raise HilFailure(str(exc)) from None


def variable(name: str, default):
    try:
        return BuiltIn().get_variable_value(name, default)
    except RobotNotRunningError:   # used from plain Python
        return default


def output_dir() -> Path:
    path = Path(variable("${OUTPUT DIR}", None) or Path.cwd())
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_output(name: str, data: bytes) -> str:
    path = output_dir() / name
    path.write_bytes(data)
    return str(path)


def suite_name() -> str:
    name = variable("${SUITE NAME}", None) or "python"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def set_suite_metadata(name: str, value: str) -> None:
    try:
        BuiltIn().set_suite_metadata(name, value)
    except RobotNotRunningError:
        pass
