"""How a passing test's recording becomes a cassette: host rewrite, provenance, scrubbing, atomic write.

Whether a test passed, and so is saved at all, is :mod:`.finish`'s decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from ..cassette import Cassette, Interaction, dumps, same_content, with_chunks
from ..cassette.persist import write_atomic
from ..drift import compare_cassettes, render
from ..engine.player import CassettePlayer
from ..errors import SecretLeftError
from ..modes import Mode
from ..providers import provider_of, provider_uri
from ..secrets import HeaderRules, scrub_cassette
from ..secrets.known import configured, from_headers
from ..secrets.scan import leftover_secrets
from ..settings import Settings
from ..synthetic.pacing import nominal_chunks, pacing_of
from ..synthetic.wire import provider_guess
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


def rewrite_to_provider_hosts(
    interactions: Sequence[Interaction], stand_in: str | None = None
) -> list[Interaction]:
    """Emulator URLs → the provider's real base URL, so the cassette reads as what production sends.

    ``stand_in`` is the emulator's own address: a path no provider serves that it answered (with the
    404 of the provider the path looks like) goes to that provider's host too, so it replays.
    """
    rewritten = []
    for interaction in interactions:
        request_headers = {name.lower() for name, _ in interaction.request.headers}
        uri = provider_uri(interaction.request.uri, anthropic_client="anthropic-version" in request_headers)
        if uri == interaction.request.uri and stand_in and uri.startswith(stand_in + "/"):
            path = uri[len(stand_in) :]
            uri = provider_guess(path).ORIGIN + path
        if uri == interaction.request.uri:
            rewritten.append(interaction)
            continue
        rewritten.append(replace(interaction, request=replace(interaction.request, uri=uri)))
    return rewritten


def with_nominal_timing(interactions: Sequence[Interaction]) -> list[Interaction]:
    """Synthetic streams timed at their provider's nominal pace (``synthetic.pacing``), not as measured:
    what a recording run measures varies, and the generator must write the same bytes every time.

    A fault that ended a stream comes one gap after its last chunk; a fault instead of a response (a
    reset, a timeout) keeps no moment, since that is the client's timeout rather than the provider's.
    """
    timed = []
    for interaction in interactions:
        response, fault = interaction.response, interaction.fault
        if response is not None and response.chunks is not None:
            provider = provider_of(interaction.request.uri)
            pacing = pacing_of(provider.name if provider else None)
            chunks = nominal_chunks(provider.name if provider else None, response.body)
            doc = with_chunks({k: v for k, v in response.body_doc.items() if k != "chunks"}, chunks)
            response = replace(response, body_doc=doc).knowing_body(response.body)
            if fault is not None:
                fault = replace(fault, ms=chunks[-1][1] + pacing.gap_ms if chunks else None)
        elif fault is not None:
            fault = replace(fault, ms=None)
        timed.append(replace(interaction, response=response, fault=fault))
    return timed


def build_cassette(
    spec: TestSpec,
    player: CassettePlayer,
    mode: Mode,
    secret_patterns: Sequence[str],
    headers: HeaderRules = _NO_HEADER_RULES,
    stand_in: str | None = None,
    settings: Settings | None = None,
) -> Cassette:
    interactions = player.recorded
    synthetic = mode is Mode.RECORD_SYNTHETIC
    if synthetic:
        interactions = with_nominal_timing(rewrite_to_provider_hosts(interactions, stand_in))
    meta: dict[str, Any] = {
        "origin": "synthetic" if synthetic else "recorded",
        "recorded_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "litellm": _litellm_version(),
        "test": spec.item.nodeid,
    }
    if synthetic:
        meta["scenario"] = spec.scenario.name
    # What the test sent is a secret wherever it comes back: the provider keys, the project's values and
    # every credential header of every request, whatever they look like.
    known = [*configured(settings), *from_headers(h for i in interactions for h in i.request.headers)]
    return scrub_cassette(Cassette(meta=meta, interactions=interactions), secret_patterns, headers, known)


def save(
    spec: TestSpec,
    player: CassettePlayer,
    mode: Mode,
    *,
    check: bool,
    secret_patterns: Sequence[str],
    headers: HeaderRules = _NO_HEADER_RULES,
    stand_in: str | None = None,
    settings: Settings | None = None,
) -> Saved:
    """Write a passing test's recording; returns what happened, for the run's outcome.

    Fail-closed: the scrubbed text is scanned as ``llm-cassettes scan`` would scan the file (and its
    name); if a secret is still found, nothing is written and the error names the field.
    """
    player.settle()
    if not player.recorded:
        return Saved(Result.EMPTY)
    cassette = build_cassette(spec, player, mode, secret_patterns, headers, stand_in, settings)
    previous = spec.existing
    if previous is not None and same_content(previous, cassette):
        return Saved(Result.UNCHANGED)
    if check:
        return Saved(Result.WOULD_CHANGE)
    text = dumps(cassette)
    known = [*configured(settings), *from_headers(h for i in player.recorded for h in i.request.headers)]
    left = leftover_secrets(text, spec.path.name, secret_patterns, known)
    if left:
        raise SecretLeftError(
            spec.relative_path(), [f"{f.field or f'line {f.line}'}: {f.kind}: {f.excerpt}" for f in left]
        )
    write_atomic(spec.path, text)
    if previous is not None and mode is not Mode.RECORD_SYNTHETIC:
        drift = compare_cassettes(previous, cassette, name=str(spec.relative_path()))
        return Saved(Result.WRITTEN, render([drift]), int(drift.drift))
    return Saved(Result.WRITTEN)
