"""The human drift summary: a line per cassette, an indented line per changed interaction, a total."""

from __future__ import annotations

from collections.abc import Sequence

from .verdicts import CassetteDrift, Change, Drift, InteractionDrift

_MAX_RENDERED_REASONS = 6
_LABEL = {Drift.IDENTICAL: "identical", Drift.REWORDED: "reworded", Drift.SHAPE_CHANGED: "shape changed"}


def _counts(kinds: Sequence[str]) -> str:
    order = (Change.IDENTICAL, Change.REWORDED, Change.SHAPE_CHANGED, Change.ADDED, Change.REMOVED)
    parts = [f"{kinds.count(k)} {k.replace('_', ' ')}" for k in order if kinds.count(k)]
    return ", ".join(parts) or "none"


def _interaction_line(item: InteractionDrift) -> str:
    shown = item.reasons[:_MAX_RENDERED_REASONS]
    more = len(item.reasons) - len(shown)
    text = "; ".join(shown) + (f"; (+{more} more)" if more > 0 else "")
    return f"  #{item.index} {item.kind.replace('_', ' ')}: {text}"


def _cassette_lines(drift: CassetteDrift) -> list[str]:
    n = len(drift.interactions)
    if drift.kind != Change.COMPARED:
        return [f"{drift.name}: cassette {drift.kind} ({n} interaction{'s' * (n != 1)})"]
    kinds = [i.kind for i in drift.interactions]
    lines = [f"{drift.name}: {_LABEL[drift.drift]} — {n} interaction{'s' * (n != 1)}: {_counts(kinds)}"]
    lines += [_interaction_line(i) for i in drift.interactions if i.kind != Change.IDENTICAL]
    return lines


def overall(drifts: Sequence[CassetteDrift]) -> Drift:
    return max((d.drift for d in drifts), default=Drift.IDENTICAL)


def render(drifts: Sequence[CassetteDrift]) -> str:
    """The human summary: a line per cassette, an indented line per changed interaction, a total."""
    lines: list[str] = []
    for drift in drifts:
        lines += _cassette_lines(drift)
    per_cassette = [d.kind if d.kind != Change.COMPARED else d.drift.name.lower() for d in drifts]
    interactions = [i.kind for d in drifts if d.kind == Change.COMPARED for i in d.interactions]
    lines.append(
        f"total: {len(drifts)} cassette{'s' * (len(drifts) != 1)} ({_counts(per_cassette)}); "
        f"{len(interactions)} interaction{'s' * (len(interactions) != 1)} compared ({_counts(interactions)})"
        f" → {_LABEL[overall(drifts)]}"
    )
    return "\n".join(lines)
