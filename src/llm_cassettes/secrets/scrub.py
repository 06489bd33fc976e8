"""Remove secrets (and volatile noise) from cassettes before anything touches the disk.

:func:`scrub_cassette` returns a scrubbed copy of a :class:`Cassette`; the recorder calls it on every
recording. Every body form is scrubbed: JSON (values, credential-named keys), text, event streams (line
by line, then the text their events carry joined, see :mod:`.streams`), and binary (``base64:``)
bodies byte for byte, multipart uploads part by part. :mod:`.live` applies the same functions to the
live request in replay, so that what was redacted still matches.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

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
from ..cassette.codec import multipart_boundary, rebase_offsets
from .known import KnownValue, byte_forms
from .matcher import _Matcher, matcher_for
from .multipart import scrub_parts
from .patterns import REDACTED, _is_credential_key, _redact_value, is_noise_header, is_secret_header
from .streams import scrub_stream

# ------------------------------------------------------------------------------------------- scrubbing


def _scrub_json(value: Any, matcher: _Matcher, gates: tuple[str, ...] | None = None) -> Any:
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


def _scrub_plain_bytes(data: bytes, matcher: _Matcher) -> bytes:
    # Latin-1 maps each byte to one character and back: patterns and known values find ASCII secrets
    # among any bytes, and every byte that is not part of a secret comes back unchanged.
    text = data.decode("latin-1")
    new = matcher.scrub(text)
    out = data if new is text else new.encode("latin-1")
    for known in matcher.known:
        for form, replacement in byte_forms(known.value):
            if form in out:
                out = out.replace(form, replacement)
    return out


def scrub_bytes(data: bytes, matcher: _Matcher) -> bytes:
    """A binary body with its secrets replaced; a multipart body part by part (a part named like a
    credential, ``api_key``, loses its whole content). The same object when nothing changed."""
    boundary = multipart_boundary(data)
    if boundary is None:
        return _scrub_plain_bytes(data, matcher)
    new = scrub_parts(
        data,
        boundary,
        lambda chunk: _scrub_plain_bytes(chunk, matcher),
        _is_credential_key,
        REDACTED.encode(),
    )
    return data if new == data else new


def _scrub_stream_text(sse: str, matcher: _Matcher) -> str:
    text = matcher.scrub(sse)
    for _ in range(3):  # like substitute(): a redaction can leave a remainder another rule matches
        joined = scrub_stream(text, matcher.spans)
        if joined is text:
            break
        text = joined
    return text


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
    if isinstance(doc.get("sse"), str):
        new_text = _scrub_stream_text(doc["sse"], matcher)
        # A redaction changes lengths: the chunk offsets of a streamed body move with the text.
        return doc if new_text is doc["sse"] else rebase_chunks(doc, "sse", new_text)
    if isinstance(doc.get("text"), str):
        text = doc["text"]
        if not text.startswith("--") or multipart_boundary(text.encode("utf-8")) is None:
            new_text = matcher.scrub(text)
            return doc if new_text is text else rebase_chunks(doc, "text", new_text)
        data = text.encode("utf-8")
        new_bytes = scrub_bytes(data, matcher)
        if new_bytes is data:
            return doc
        try:
            return rebase_chunks(doc, "text", new_bytes.decode("utf-8"))
        except UnicodeDecodeError:  # a redaction cut a multi-byte character: keep the bytes exactly
            return _with_bytes({k: v for k, v in doc.items() if k != "text"}, data, new_bytes)
    if isinstance(doc.get("base64"), str):
        data = decode_body(doc)
        new_bytes = scrub_bytes(data, matcher)
        return doc if new_bytes is data else _with_bytes(doc, data, new_bytes)
    return doc


def _with_bytes(doc: dict[str, Any], old: bytes, new: bytes) -> dict[str, Any]:
    out = {**doc, "base64": base64.b64encode(new).decode("ascii")}
    if doc.get("chunks"):
        out["chunks"] = rebase_offsets(doc["chunks"], old, new)
    return out


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
        out.append((matcher.scrub(name), matcher.scrub(value, gates)))
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


_Scrubbed = TypeVar("_Scrubbed", RecordedRequest, RecordedResponse)


def _scrubbed_parts(
    item: RecordedRequest | RecordedResponse,
    matcher: _Matcher,
    rules: HeaderRules,
    *,
    keep_secret_names: bool,
) -> tuple[list[tuple[str, str]], dict]:
    """Headers and body of a request or response, scrubbed; content-length follows a changed body."""
    body_doc = _scrub_body(item.body_doc, matcher)
    headers = _scrub_headers(item.headers, matcher, keep_secret_names=keep_secret_names, rules=rules)
    if body_doc is not item.body_doc:
        headers = _fix_length(headers, decode_body(body_doc))
    return headers, body_doc


def _with_known_body(new: _Scrubbed, old: _Scrubbed, body_doc: dict) -> _Scrubbed:
    if body_doc is old.body_doc and "body" in old.__dict__:
        new.knowing_body(old.body)  # unchanged body: keep the bytes already decoded
    return new


def _scrub_request(request: RecordedRequest, matcher: _Matcher, rules: HeaderRules) -> RecordedRequest:
    headers, body_doc = _scrubbed_parts(request, matcher, rules, keep_secret_names=False)
    new = RecordedRequest(request.method, matcher.scrub(request.uri), headers, dict(body_doc))
    return _with_known_body(new, request, body_doc)


def _scrub_response(response: RecordedResponse, matcher: _Matcher, rules: HeaderRules) -> RecordedResponse:
    headers, body_doc = _scrubbed_parts(response, matcher, rules, keep_secret_names=True)
    new = RecordedResponse(response.status, matcher.scrub(response.reason), headers, dict(body_doc))
    return _with_known_body(new, response, body_doc)


def scrub_cassette(
    cassette: Cassette,
    extra_patterns: Sequence[str] = (),
    headers: HeaderRules = _DEFAULT_HEADER_RULES,
    known: Iterable[KnownValue] = (),
) -> Cassette:
    """A scrubbed copy of ``cassette``, safe to publish; the input is not modified.

    Request: secret and noise headers dropped, credential query parameters and secret-shaped strings in
    the uri, headers and body replaced by ``REDACTED``. Response: noise headers dropped, secret headers
    kept with a ``REDACTED`` value (``set-cookie: name=REDACTED``), bodies scrubbed like requests.
    ``headers`` adds a project's keep/drop header names to the defaults; ``known`` values (see
    :mod:`.known`) are removed wherever they occur, in every encoding, whatever they look like.
    Unchanged bodies keep their exact bytes; changed JSON bodies are re-serialised in their own style.
    """
    matcher = matcher_for(extra_patterns, known)
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
