"""How a passing test's recording becomes a cassette: host rewrite, provenance, scrubbing, atomic write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from ..cassette import Cassette, Interaction, dumps, same_content
from ..cassette.persist import write_atomic
from ..drift import compare_cassettes, render
from ..engine.player import CassettePlayer
from ..modes import Mode
from ..providers import provider_uri
from ..secrets import HeaderRules, scrub_cassette
from .outcome import Result
from .spec import TestSpec

_NO_HEADER_RULES = HeaderRules()


class Saved(NamedTuple):
    result: Result
    drift: str | None = None  # rendered drift against the previous recording, when there was one
    drift_level: int | None = None


def _litellm_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litellm")
    except PackageNotFoundError:
        return "unknown"


def rewrite_to_provider_hosts(interactions: Sequence[Interaction]) -> list[Interaction]:
    """Emulator URLs → the provider's real base URL, so the cassette reads as what production sends."""
    rewritten = []
    for interaction in interactions:
        uri = provider_uri(interaction.request.uri)
        if uri == interaction.request.uri:
            rewritten.append(interaction)
            continue
        rewritten.append(replace(interaction, request=replace(interaction.request, uri=uri)))
    return rewritten


def build_cassette(
    spec: TestSpec,
    player: CassettePlayer,
    mode: Mode,
    secret_patterns: Sequence[str],
    headers: HeaderRules = _NO_HEADER_RULES,
) -> Cassette:
    interactions = player.recorded
    synthetic = mode is Mode.RECORD_SYNTHETIC
    if synthetic:
        interactions = rewrite_to_provider_hosts(interactions)
    meta: dict[str, Any] = {
        "origin": "synthetic" if synthetic else "recorded",
        "recorded_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "litellm": _litellm_version(),
        "test": spec.item.nodeid,
    }
    if synthetic:
        meta["scenario"] = spec.scenario.name
    return scrub_cassette(Cassette(meta=meta, interactions=interactions), secret_patterns, headers)


def save(
    spec: TestSpec,
    player: CassettePlayer,
    mode: Mode,
    *,
    check: bool,
    secret_patterns: Sequence[str],
    headers: HeaderRules = _NO_HEADER_RULES,
) -> Saved:
    """Write a passing test's recording; returns what happened, for the run's outcome."""
    if not player.recorded:
        return Saved(Result.EMPTY)
    cassette = build_cassette(spec, player, mode, secret_patterns, headers)
    previous = spec.existing
    if previous is not None and same_content(previous, cassette):
        return Saved(Result.UNCHANGED)
    if check:
        return Saved(Result.WOULD_CHANGE)
    write_atomic(spec.path, dumps(cassette))
    if previous is not None and mode is not Mode.RECORD_SYNTHETIC:
        drift = compare_cassettes(previous, cassette, name=str(spec.relative_path()))
        return Saved(Result.WRITTEN, render([drift]), int(drift.drift))
    return Saved(Result.WRITTEN)
