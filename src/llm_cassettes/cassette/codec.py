"""How a cassette stores bodies and headers so that a review can read them and replay gets the exact bytes.

Bodies are stored decoded: ``{json: ..., style: indent2}`` for JSON (``style`` names the exact
serialisation, so replay sends the provider's original bytes), ``{sse: "data: ...\\n\\n"}`` for event
streams, ``{text: ...}`` for other text and ``{base64: ...}`` for anything else.

A streamed body also keeps how it arrived, next to its text: ``chunks: [[offset, ms], ...]``, where each
chunk starts in the body (bytes) and when it reached the client (ms after the request was sent).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# --------------------------------------------------------------------------------------------- bodies

# JSON serialisations seen from providers and HTTP clients, tried in order when storing a body.
_JSON_STYLES: dict[str, dict[str, Any]] = {
    "compact": {"separators": (",", ":"), "ensure_ascii": False},
    "spaced": {"ensure_ascii": False},
    "indent2": {"indent": 2, "ensure_ascii": False},
    "indent4": {"indent": 4, "ensure_ascii": False},
    "compact-ascii": {"separators": (",", ":")},
    "spaced-ascii": {},
    "indent2-ascii": {"indent": 2},
}


# One encoder per style: ``json.dumps`` with options builds a JSONEncoder on every call, and replay
# renders every recorded JSON body (a third of the cost of rendering a small one).
_ENCODERS = {style: json.JSONEncoder(**options).encode for style, options in _JSON_STYLES.items()}


def _dump_json(value: Any, style: str) -> bytes:
    base, _, newline = style.partition("+")
    text = _ENCODERS[base](value)
    return (text + ("\n" if newline == "newline" else "")).encode("utf-8")


def encode_body(raw: bytes, content_type: str = "") -> dict[str, Any]:
    """Turn raw body bytes into the readable YAML form that reproduces them exactly."""
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode("ascii")}
    if "event-stream" in content_type:
        return {"sse": text}
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if value is not None:
            for base in _JSON_STYLES:
                for style in (base, base + "+newline"):
                    if _dump_json(value, style) == raw:
                        return {"json": value, "style": style}
    return {"text": text}


def decode_body(doc: Mapping[str, Any]) -> bytes:
    """The exact bytes a body document stands for (inverse of :func:`encode_body`)."""
    if not doc:
        return b""
    if "json" in doc:
        return _dump_json(doc["json"], doc.get("style") or "compact")
    if "sse" in doc:
        return str(doc["sse"]).encode("utf-8")
    if "text" in doc:
        return str(doc["text"]).encode("utf-8")
    if "base64" in doc:
        return base64.b64decode(doc["base64"], validate=True)
    raise ValueError(f"unknown body form {sorted(doc)}; expected one of json, sse, text, base64")


# --------------------------------------------------------------------------------------- chunk timing

# Body forms that can carry chunk timing: their bytes are the text itself. A JSON body is re-serialised
# from its value, so byte offsets into it would mean nothing to a reader.
TIMED_FORMS = ("sse", "text", "base64")
Timing = list[list[int]]  # [[offset in bytes, ms after the request], ...], one entry per chunk


def with_chunks(doc: dict[str, Any], chunks: Sequence[Sequence[int]] | None) -> dict[str, Any]:
    """``doc`` with the arrival of its chunks, when its form can hold them and there are any."""
    if not chunks or not any(form in doc for form in TIMED_FORMS):
        return doc
    return {**doc, "chunks": [[int(offset), int(ms)] for offset, ms in chunks]}


def rebase_chunks(doc: Mapping[str, Any], form: str, new_text: str) -> dict[str, Any]:
    """``doc`` with its ``form`` text replaced by ``new_text`` (a scrubbed copy) and its chunk offsets
    moved to match: line by line, since scrubbing replaces values inside lines and keeps line breaks.

    An offset inside a changed line keeps its column, cut to the new line's length; chunks that come
    to start at the same place merge (the earlier arrival time stays), so the timing stays valid.
    """
    new = {**doc, form: new_text}
    chunks = doc.get("chunks")
    if chunks:
        new["chunks"] = rebase_offsets(chunks, str(doc[form]).encode("utf-8"), new_text.encode("utf-8"))
    return new


def rebase_offsets(chunks: Sequence[Sequence[int]], old: bytes, new_bytes: bytes) -> Timing:
    """Chunk offsets into ``old`` moved to ``new_bytes`` (the same body scrubbed), line by line."""
    old_lines = old.split(b"\n")
    new_lines = new_bytes.split(b"\n")
    rebased: Timing = []
    for offset, ms in chunks:
        if len(old_lines) == len(new_lines):
            moved = _moved_offset(int(offset), old_lines, new_lines)
        else:  # not expected from scrubbing; proportional, but valid
            moved = int(offset) * len(new_bytes) // max(1, sum(map(len, old_lines)) + len(old_lines) - 1)
        if rebased and moved <= rebased[-1][0]:
            continue
        if moved < len(new_bytes) or not rebased:
            rebased.append([min(moved, max(0, len(new_bytes) - 1)), int(ms)])
    return rebased


def _moved_offset(offset: int, old_lines: list[bytes], new_lines: list[bytes]) -> int:
    old_start = new_start = 0
    for old_line, new_line in zip(old_lines, new_lines, strict=True):
        if offset <= old_start + len(old_line):
            return new_start + min(offset - old_start, len(new_line))
        old_start += len(old_line) + 1
        new_start += len(new_line) + 1
    return new_start


# A multipart/form-data body starts with "--<boundary>" and ends with "--<boundary>--" (RFC 2046: 1-70
# characters of this set). The boundary is random per request, so it is read from the body itself.
_MULTIPART_START = re.compile(rb"--([0-9A-Za-z'()+_,./:=?-]{1,70})\r\n")


def multipart_boundary(body: bytes) -> bytes | None:
    """The boundary of a multipart body, or None when ``body`` is not one."""
    if not body.startswith(b"--"):
        return None
    m = _MULTIPART_START.match(body)
    if m is None:
        return None
    boundary = m.group(1)
    return boundary if body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--") else None


# ------------------------------------------------------------------------------------------- headers

Headers = list[tuple[str, str]]
HeaderDoc = str | dict[str, str]


class Latin1Value(str):
    """A header value whose bytes were not UTF-8 (Python servers send ISO-8859-1): its text decoded as
    Latin-1, one character per byte. Stored as ``{latin1: ...}`` and sent back as exactly those bytes."""


def header_value_from_wire(raw: bytes) -> str:
    """The stored text of a header value as it came off the wire; :func:`header_value_to_wire` inverts it."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Latin1Value(raw.decode("latin-1"))


def header_value_to_wire(value: str) -> bytes:
    return value.encode("latin-1") if isinstance(value, Latin1Value) else value.encode("utf-8")


def _value_doc(value: str) -> HeaderDoc:
    return {"latin1": str(value)} if isinstance(value, Latin1Value) else value


def headers_to_doc(headers: Headers) -> dict[str, HeaderDoc | list[HeaderDoc]]:
    """Headers as a readable mapping; repeated headers (set-cookie) become lists."""
    doc: dict[str, HeaderDoc | list[HeaderDoc]] = {}
    for name, value in headers:
        key = name.lower()
        if key in doc:
            previous = doc[key]
            doc[key] = (
                [*previous, _value_doc(value)]
                if isinstance(previous, list)
                else [previous, _value_doc(value)]
            )
        else:
            doc[key] = _value_doc(value)
    return doc


def headers_from_doc(doc: Mapping[str, Any]) -> Headers:
    pairs: Headers = []
    for name, value in doc.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend(
            (str(name), Latin1Value(v["latin1"]) if isinstance(v, Mapping) else str(v)) for v in values
        )
    return pairs


def header(headers: Headers, name: str, default: str = "") -> str:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return default
