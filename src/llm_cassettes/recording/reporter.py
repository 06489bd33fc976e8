"""Each test's cassette outcome, gathered where the run reports (the xdist controller or the only process)."""

from __future__ import annotations

from typing import Any

import pytest

from .outcome import Outcome
from .state import RunState

# user_properties key carrying a test's cassette outcome from xdist workers to the controller.
OUTCOME_PROPERTY = "llm_cassettes"


class OutcomeReporter:
    """Per-run collector of test outcomes, on the process that reports (the xdist controller or the only one).

    Registered per config rather than using module globals, so nested pytest runs (pytester, a
    collection inside a test) keep their own outcomes.
    """

    def __init__(self, config: pytest.Config, state: RunState) -> None:
        self.config = config
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == OUTCOME_PROPERTY:
                outcome = Outcome.from_dict(value)
                self.state.outcomes.append(outcome)
                if self.config.getoption("--llm-progress"):
                    total = getattr(self.config, "_llm_total", None) or "?"
                    done = len(self.state.outcomes)
                    print(f"[{done}/{total}] {outcome.result.value:<13} {outcome.cassette}", flush=True)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.config._llm_total = len(session.items)  # type: ignore[attr-defined]

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.config._llm_total = len(ids)  # type: ignore[attr-defined]
