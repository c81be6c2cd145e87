"""Keywords that record runs and gate them against the checked-in baselines."""
from __future__ import annotations

from robot.api import SkipExecution, logger

from hil.robot.context import as_failure, variable


class GateKeywords:
    """Mixed into HilLibrary; uses its latest run."""

    def record_result(self) -> int:
        """Record the latest run in the results store (``${RESULTS_DB}``, else the default store);
        returns the run's id."""
        from hil.results import ResultsStore, render_report

        run = self._require_run()
        path = variable("${RESULTS_DB}", None) or None
        with as_failure(), ResultsStore(path) as store:
            record = store.record_result(run)
            where = store.path
        logger.info(f"recorded run {record.id} in {where}\n{render_report([record])}")
        return record.id

    def metrics_should_not_regress(self, baselines: str | None = None) -> None:
        """Gate the latest run against the baselines file (``baselines``, else ``${BASELINES}``, else
        ``robot_suites/baselines.json``): fails with each regressed metric's old and new value and
        change in percent.  A board and model without a baseline skip with that reason: the gate
        did not apply, which must not look like a pass."""
        from hil.results import BaselineFile

        path = baselines or variable("${BASELINES}", None) or None
        with as_failure():
            baselines_file = BaselineFile(path)
            gate = baselines_file.check(self._require_run())
        if not gate.gated:
            raise SkipExecution(f"{gate.summary()}: {baselines_file.path} has no baseline for it "
                                "(record a run and move the baselines with `hil baseline update`)")
        if not gate.passed:
            raise AssertionError(gate.summary())
        logger.info(gate.summary())

    def instructions_should_be_within_baseline(self, baselines: str | None = None) -> None:
        """`Instructions Should Be Below` with the budget of this board and model taken from the
        baselines file (as `Metrics Should Not Regress` reads it): the baseline's instructions per
        inference plus its tolerance.  Skips, saying why, where the board does not count
        instructions or the board and model have no baseline."""
        from hil.results import BaselineFile
        from hil.results.budget import NoBudget, metric_budget

        run = self._require_run()
        self._skip_unless_counting()
        path = baselines or variable("${BASELINES}", None) or None
        with as_failure():
            try:
                budget = metric_budget(BaselineFile(path), "instructions_per_inference", run.board, run.model)
            except NoBudget as exc:
                raise SkipExecution(str(exc)) from None
        logger.info(budget.describe())
        self.instructions_should_be_below(budget.limit)
