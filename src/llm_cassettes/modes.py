"""The one place that decides whether a run, and each test in it, replays or records.

Run modes come from the command line and the environment; the per-test action adds what only the test
knows: whether its scenario can be produced by a real API and whether it already has a cassette.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from .errors import ModeError

REAL_API_ENV = "REAL_API_TESTS"
_TRUE = frozenset({"1", "true", "yes", "on", "all"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
_MISSING = frozenset({"missing", "new"})


class Mode(enum.Enum):
    REPLAY = "replay"  # default: answer from cassettes, no network, no keys
    RECORD_REAL = "record-real"  # --real-api: real providers, rewrite cassettes of passing tests
    RECORD_MISSING = "record-missing"  # --real-api-missing: record only tests without a cassette
    RECORD_SYNTHETIC = "record-synthetic"  # the generator: the loopback emulator, origin: synthetic


class Action(enum.Enum):
    REPLAY = "replay"
    RECORD = "record"


def decide_mode(
    *,
    real_api: bool = False,
    real_api_missing: bool = False,
    synthetic: bool = False,
    env: Mapping[str, str] | None = None,
) -> Mode:
    """Run mode from the pytest options and the environment; options win over the environment."""
    if synthetic:
        return Mode.RECORD_SYNTHETIC
    if real_api_missing:
        return Mode.RECORD_MISSING
    if real_api:
        return Mode.RECORD_REAL
    raw = (env or {}).get(REAL_API_ENV, "")
    value = raw.strip().lower()
    if value in _FALSE:
        return Mode.REPLAY
    if value in _TRUE:
        return Mode.RECORD_REAL
    if value in _MISSING:
        return Mode.RECORD_MISSING
    raise ModeError(
        f"{REAL_API_ENV}={raw!r} is not understood; use 1/true/yes (record against the real APIs), "
        f"missing (record only tests without a cassette) or 0/false/no (replay)"
    )


def action_for_test(
    mode: Mode,
    *,
    real_api_can_produce: bool,
    has_cassette: bool,
    cassette_origin: str | None,
    force: bool = False,
) -> Action:
    """Replay or record one test, given the run mode and what the test and its cassette are."""
    if mode is Mode.REPLAY:
        return Action.REPLAY
    if mode is Mode.RECORD_SYNTHETIC:
        # The generator never overwrites a real recording unless told to.
        if has_cassette and cassette_origin == "recorded" and not force:
            return Action.REPLAY
        return Action.RECORD
    if not real_api_can_produce and has_cassette:
        return Action.REPLAY  # a 429 or a timeout cannot be recorded on demand: keep the synthetic one
    if mode is Mode.RECORD_MISSING and has_cassette:
        return Action.REPLAY
    return Action.RECORD
