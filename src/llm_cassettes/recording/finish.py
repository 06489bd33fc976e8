"""The end of one test: did it pass in every phase, and so is its recording saved; what its outcome is.

Decided from the test's setup, call and teardown reports, once the teardown phase is over: a fixture
whose teardown fails after the cassette fixture's own teardown has run still keeps the recording out.
Only a test that passed all three phases is saved. An expected failure (xfail), an unexpected pass
(xpass), a skip, and an interrupted run (``pytest.exit``, Ctrl-C: no teardown report at all) never save.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from ..engine.player import CassettePlayer
from ..errors import CassetteError
from ..modes import Action, Mode
from .outcome import Outcome, Result
from .save import save
from .spec import TestSpec
from .state import RunState


class UnusedInteractionsWarning(UserWarning):
    """A replayed cassette holds recordings the test never requested."""


@dataclass
class PendingTest:
    """What the cassette fixture leaves for the end of the test's teardown phase."""

    spec: TestSpec
    player: CassettePlayer
    action: Action


def check_unused(test_id: str, state: RunState, spec: TestSpec, player: CassettePlayer) -> None:
    """Warn (or fail, with ``--llm-strict-unused``) when a passing replay left recordings unrequested."""
    unused = player.unused()
    if not unused:
        return
    message = (
        f"{spec.relative_path()}: interactions {unused} were recorded but not requested by "
        f"{test_id}; re-record with `{spec.record_command()}` if the test changed"
    )
    if state.strict_unused:
        pytest.fail(message, pytrace=False)
    warnings.warn(UnusedInteractionsWarning(message), stacklevel=1)


def passed_every_phase(reports: Sequence[pytest.TestReport | None]) -> bool:
    """Setup, call and teardown all passed, and none of them is an xfail or xpass."""
    return len(reports) == 3 and all(
        report is not None and report.passed and not hasattr(report, "wasxfail") for report in reports
    )


def _failed(reports: Sequence[pytest.TestReport | None]) -> bool:
    return any(report is not None and report.failed for report in reports)


def finish_test(
    pending: PendingTest, state: RunState, reports: Sequence[pytest.TestReport | None]
) -> tuple[Outcome, str | None]:
    """The test's outcome, saving its recording if it passed every phase; and the error to report, if any.

    ``reports`` are the setup, call and teardown reports (None for a phase that did not run).
    """
    spec, player, action = pending.spec, pending.player, pending.action
    passed = passed_every_phase(reports) and not player.misses
    outcome = Outcome(
        test=player.test_id or spec.item.nodeid,  # the node id, as the fixture read it
        cassette=str(spec.relative_path()),
        action=action.value,
        mode=state.mode.value,
        scenario=spec.scenario.name,
        result=Result.REPLAYED,
    )
    emulator = state.emulator
    if action is not Action.REPLAY and state.mode is Mode.RECORD_SYNTHETIC and emulator is not None:
        outcome.unknown_routes = list(emulator.unknown_routes) or None
        outcome.scenario_errors = list(emulator.scenario_errors) or None
    if action is Action.REPLAY:
        if not passed:
            outcome.result = Result.FAILED if _failed(reports) or player.misses else Result.SKIPPED
        elif state.mode is Mode.RECORD_SYNTHETIC:
            outcome.result = Result.KEPT_RECORDED
        elif state.mode is not Mode.REPLAY and not spec.scenario.real_api_can_produce:
            outcome.result = Result.KEPT_SYNTHETIC
        return outcome, None
    if not passed:
        outcome.result = Result.NOT_SAVED
        return outcome, None
    try:
        saved = save(
            spec,
            player,
            state.mode,
            check=state.check,
            secret_patterns=state.settings.secret_patterns,
            headers=state.header_rules,
            stand_in=emulator.url if state.mode is Mode.RECORD_SYNTHETIC and emulator is not None else None,
            settings=state.settings,
        )
    except CassetteError as exc:  # e.g. a read-only cassette directory: say which and how to fix it
        outcome.result = Result.NOT_SAVED
        return outcome, f"recording not saved: {exc}"
    outcome.result, outcome.drift, outcome.drift_level = saved
    return outcome, None
