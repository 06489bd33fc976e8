"""What became of each test's cassette, and the end-of-run report built from those outcomes.

Outcomes cross the process boundary under pytest-xdist as ``user_properties``: :meth:`Outcome.to_dict`
and :meth:`Outcome.from_dict` are the only places that see them as plain dicts (the same dicts are the
JSON report that ``llm-cassettes generate`` reads).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..modes import Mode


class Result(enum.StrEnum):
    REPLAYED = "replayed"  # replayed, and the test passed every phase
    FAILED = "failed"  # replayed, but the test failed (or erred in setup or teardown)
    SKIPPED = "skipped"  # replayed, and the test skipped or xfailed
    KEPT_RECORDED = "kept-recorded"  # generator run: a real recording is not overwritten
    KEPT_SYNTHETIC = "kept-synthetic"  # real-API run: the scenario cannot be produced on demand
    NOT_SAVED = "not-saved"  # the test did not pass every phase: the previous cassette stays
    EMPTY = "empty"  # the test sent no request
    UNCHANGED = "unchanged"
    WOULD_CHANGE = "would-change"  # --llm-check
    WRITTEN = "written"


@dataclass
class Outcome:
    test: str
    cassette: str
    action: str
    mode: str
    scenario: str
    result: Result
    drift: str | None = None  # rendered drift against the previous recording
    drift_level: int | None = None
    # Generator runs: what the emulator could not serve for this test ("POST /v1/files"), and the
    # tool or output schemas it could not satisfy (its words).
    unknown_routes: list[str] | None = None
    scenario_errors: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "test": self.test,
            "cassette": self.cassette,
            "action": self.action,
            "mode": self.mode,
            "scenario": self.scenario,
            "result": self.result.value,
        }
        if self.drift is not None:
            doc["drift"] = self.drift
            doc["drift_level"] = self.drift_level
        if self.unknown_routes:
            doc["unknown_routes"] = list(self.unknown_routes)
        if self.scenario_errors:
            doc["scenario_errors"] = list(self.scenario_errors)
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Outcome:
        return cls(
            doc["test"],
            doc["cassette"],
            doc["action"],
            doc["mode"],
            doc["scenario"],
            Result(doc["result"]),
            doc.get("drift"),
            doc.get("drift_level"),
            doc.get("unknown_routes"),
            doc.get("scenario_errors"),
        )


def summary(mode: Mode, outcomes: Sequence[Outcome]) -> str:
    """The end-of-run report: what was recorded, what stayed synthetic, how recordings drifted."""
    if not outcomes:
        return ""
    counts = Counter(o.result.value for o in outcomes)
    lines = [f"mode {mode.value}: " + ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))]
    kept = [o for o in outcomes if o.result is Result.KEPT_SYNTHETIC]
    if kept:
        lines.append("kept synthetic (a real API cannot produce their scenario on demand):")
        lines += [f"  {o.test}  [{o.scenario}]" for o in kept]
    not_saved = [o for o in outcomes if o.result is Result.NOT_SAVED]
    if not_saved:
        lines.append(
            "not saved (the test did not pass setup, call and teardown; previous cassette left unchanged):"
        )
        lines += [f"  {o.test}" for o in not_saved]
    drifts = [o for o in outcomes if o.drift]
    if drifts:
        lines.append("drift against the previous recordings:")
        lines += [(o.drift or "").rstrip() for o in drifts]
    return "\n".join(lines)
