"""The driver registry: which boards each driver takes, and its typed options."""
from __future__ import annotations


import pytest

from hil.boards import all_boards, get_board
from hil.runners import TargetError, open_target, target_names

def test_registry_lists_boards_with_the_tables():
    names = set(target_names())
    assert {"renode-netduinoplus2", "pyocd-netduinoplus2"} <= names
    for board in all_boards():
        assert (f"renode-{board.name}" in names) == (board.renode is not None)
        assert (f"pyocd-{board.name}" in names) == (board.pyocd is not None)
    without = [b.name for b in all_boards() if b.renode is None]
    assert without, "every board has a [renode] table now: pick another board for this check"
    with pytest.raises(TargetError, match=rf"cannot run board '{without[0]}' \(its board file has no \[renode\]"):
        open_target(f"renode-{without[0]}")


def test_board_file_names_the_renode_uart():
    spec = get_board("netduinoplus2").renode
    assert (spec.platform, spec.uart, spec.cpu) == ("stm32f4_discovery", "usart2", "cpu")


def test_unknown_options_are_named():
    with pytest.raises(TargetError, match=r"renode-netduinoplus2: unknown option\(s\) serial"):
        open_target("renode-netduinoplus2", serial="/dev/null")
    with pytest.raises(TargetError, match=r"pyocd-netduinoplus2: unknown option\(s\) plugin"):
        open_target("pyocd-netduinoplus2", plugin=True)
