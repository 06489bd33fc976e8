"""Remove secrets (and volatile noise) from cassettes before anything touches the disk.

:func:`scrub_cassette` returns a scrubbed copy of a :class:`Cassette`; the recorder calls it on every
recording, and the live request is not scrubbed here but matched on what survives scrubbing.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ..cassette import (
    Cassette,
    Fault,
    Headers,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    decode_body,
    rebase_chunks,
)
from .matcher import _ALL_GATES, _Matcher, _matcher
from .patterns import REDACTED, _is_credential_key, _redact_value, is_noise_header, is_secret_header

# ------------------------------------------------------------------------------------------- scrubbing


def _scrub_json(value: Any, matcher: _Matcher, gates: tuple[str, ...] = _ALL_GATES) -> Any:
    """Scrubbed copy of a JSON value; returns the very same object when nothing changed."""
    if isinstance(value, str):
        return matcher.scrub(value, gates)
    if isinstance(value, list):
        items = [_scrub_json(item, matcher, gates) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        changed = False
        # A logprobs entry {"token": "Hello", "logprob": -0.1} holds a text token, not a credential.
        logprobs_entry = "logprob" in value
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key = matcher.scrub(key, gates) if isinstance(key, str) else key
            credential = (
                isinstance(key, str) and _is_credential_key(key) and not (logprobs_entry and key == "token")
            )
            if credential and isinstance(item, str) and item not in ("", REDACTED):
                new_item: Any = _redact_value(key, item)
            elif credential and isinstance(item, list) and any(isinstance(v, str) for v in item):
                # {"set-cookie": ["a=1", "b=2"]}: every string in the list is a credential too.
                new_item = [_redact_value(key, v) if isinstance(v, str) and v else v for v in item]
                new_item = item if new_item == item else new_item
            else:
                new_item = _scrub_json(item, matcher, gates)
            changed = changed or new_key is not key or new_item is not item
            out[new_key] = new_item
        return out if changed else value
    return value


def _scrub_body(doc: dict[str, Any], matcher: _Matcher) -> dict[str, Any]:
    """Scrubbed body document; the same dict when nothing changed, so its bytes stay identical."""
    if "json" in doc:
        # Every gate literal and credential key of the body shows in its serialisation (JSON escaping
        # never splits one), so one check of the whole body spares a search per string.
        gates = matcher.present(json.dumps(doc["json"], ensure_ascii=False))
        if not gates and matcher.extras is None:
            return doc
        new = _scrub_json(doc["json"], matcher, gates)
        return doc if new is doc["json"] else {**doc, "json": new}
    for form in ("sse", "text"):
        if form in doc and isinstance(doc[form], str):
            new_text = matcher.scrub(doc[form])
            # A redaction changes lengths: the chunk offsets of a streamed body move with the text.
            return doc if new_text is doc[form] else rebase_chunks(doc, form, new_text)
    return doc  # base64 (binary) bodies and empty bodies are left alone


@dataclass(frozen=True)
class HeaderRules:
    """A project's additions to the default header lists (see ``Settings.keep_headers``/``drop_headers``)."""

    keep: frozenset[str] = frozenset()  # noise headers to keep; never overrides a credential header
    drop: frozenset[str] = frozenset()  # headers always removed

    @classmethod
    def of(cls, keep: Collection[str] = (), drop: Collection[str] = ()) -> HeaderRules:
        return cls(frozenset(n.lower() for n in keep), frozenset(n.lower() for n in drop))


_DEFAULT_HEADER_RULES = HeaderRules()


def _scrub_headers(
    headers: Headers, matcher: _Matcher, keep_secret_names: bool, rules: HeaderRules = _DEFAULT_HEADER_RULES
) -> Headers:
    gates = matcher.present("\n".join(value for _, value in headers))  # one gate check for all values
    dated = _waits_until(headers)
    out: Headers = []
    for name, value in headers:
        lowered = name.lower()
        noise = is_noise_header(name) and lowered not in rules.keep and not (dated and lowered == "date")
        if lowered in rules.drop or noise:
            continue
        if is_secret_header(name):
            # Request credentials are simply dropped (matching never uses request headers); a response
            # keeps the header name so a reader sees the provider sent it.
            if keep_secret_names:
                out.append((name, _redact_value(name, value)))
            continue
        out.append((name, matcher.scrub(value, gates)))
    return out


def _waits_until(headers: Headers) -> bool:
    """True when the headers advertise an absolute time to wait for (OpenRouter's X-RateLimit-Reset,
    a retry-after HTTP date): clients measure it against the response's own Date, so that Date stays,
    or a replay would wait as if the reset were long past."""
    for name, value in headers:
        lowered = name.lower()
        if lowered == "x-ratelimit-reset" or (lowered == "retry-after" and not value.strip().isdigit()):
            return True
    return False


def _fix_length(headers: Headers, body: bytes) -> Headers:
    # Redaction changes the body length; a stale content-length would make clients truncate or hang.
    return [(n, str(len(body)) if n.lower() == "content-length" else v) for n, v in headers]


def _scrub_request(request: RecordedRequest, matcher: _Matcher, rules: HeaderRules) -> RecordedRequest:
    body_doc = _scrub_body(request.body_doc, matcher)
    headers = _scrub_headers(request.headers, matcher, keep_secret_names=False, rules=rules)
    if body_doc is not request.body_doc:
        headers = _fix_length(headers, decode_body(body_doc))
    new = RecordedRequest(request.method, matcher.scrub(request.uri), headers, dict(body_doc))
    if body_doc is request.body_doc and "body" in request.__dict__:
        new.knowing_body(request.body)  # unchanged body: keep the bytes already decoded
    return new


def _scrub_response(response: RecordedResponse, matcher: _Matcher, rules: HeaderRules) -> RecordedResponse:
    body_doc = _scrub_body(response.body_doc, matcher)
    headers = _scrub_headers(response.headers, matcher, keep_secret_names=True, rules=rules)
    if body_doc is not response.body_doc:
        headers = _fix_length(headers, decode_body(body_doc))
    new = RecordedResponse(response.status, matcher.scrub(response.reason), headers, dict(body_doc))
    if body_doc is response.body_doc and "body" in response.__dict__:
        new.knowing_body(response.body)  # unchanged body: keep the bytes already decoded
    return new


def scrub_cassette(
    cassette: Cassette, extra_patterns: Sequence[str] = (), headers: HeaderRules = _DEFAULT_HEADER_RULES
) -> Cassette:
    """A scrubbed copy of ``cassette``, safe to publish; the input is not modified.

    Request: secret and noise headers dropped, credential query parameters and secret-shaped strings in
    the uri, headers and body replaced by ``REDACTED``. Response: noise headers dropped, secret headers
    kept with a ``REDACTED`` value (``set-cookie: name=REDACTED``), bodies scrubbed like requests.
    ``headers`` adds a project's keep/drop header names to the defaults.
    Unchanged bodies keep their exact bytes; changed JSON bodies are re-serialised in their own style.
    """
    matcher = _matcher(tuple(extra_patterns))
    interactions = []
    for interaction in cassette.interactions:
        fault = interaction.fault
        interactions.append(
            Interaction(
                request=_scrub_request(interaction.request, matcher, headers),
                response=(
                    _scrub_response(interaction.response, matcher, headers) if interaction.response else None
                ),
                fault=Fault(fault.error, matcher.scrub(fault.message), fault.ms) if fault else None,
            )
        )
    meta = _scrub_json(dict(cassette.meta), matcher)
    return Cassette(meta=dict(meta), interactions=interactions, path=cassette.path)
