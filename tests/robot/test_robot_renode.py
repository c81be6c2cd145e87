"""The Robot suites on Renode: the same suites, unchanged, pass on the Renode
targets (the model suites compare every output byte with TFLM's, as on QEMU).
Skipped with the reason where no Renode is found (hil.runners.renode.find_renode)."""
from __future__ import annotations

import pytest

from hil.runners.renode import NOT_INSTALLED, find_renode
from tests.conftest import needs_emulator
from tests.robot.test_robot import SUITES_DIR, assert_only_expected_skips, outcomes, run_robot

pytestmark = [pytest.mark.skipif(find_renode() is None, reason=NOT_INSTALLED), needs_emulator]

SUITES = {
    # Every suite on the main Renode target; on the second one the main job and the smoke suite.
    "renode-netduinoplus2": ["vww", "kws", "ic", "ad", "smoke", "robustness"],
    "renode-mps2-an386": ["vww", "smoke"],
}


@pytest.mark.parametrize("board", sorted(SUITES))
def test_suites_pass_on_renode(tmp_path, board):
    code, result, _ = run_robot(tmp_path, *[SUITES_DIR / f"{s}.robot" for s in SUITES[board]], BOARD=board)
    tests = outcomes(result)
    failed = {name: message for name, (status, message) in tests.items() if status == "FAIL"}
    assert code == 0 and not failed, failed
    # The baselines are the QEMU boards' (Renode's counts equal theirs: drivers/test_renode.py);
    # for renode-* the gates say so, visibly.  Nothing else may skip but the known skips.
    no_baseline = {name: f"no baseline for {board}/" for name, (status, message) in tests.items()
                   if status == "SKIP" and f"no baseline for {board}/" in message}
    assert_only_expected_skips(tests, no_baseline)
    assert {s.name.lower() for s in result.suite.suites} == set(SUITES[board])
    assert all(s.metadata["Board"] == board for s in result.suite.suites)
