"""Secrets a stream carries in pieces: join the text of the events, find secrets, redact every piece.

A provider streams its reply a few characters per event (OpenAI and OpenRouter ``delta.content`` and
tool-call ``function.arguments``, Anthropic ``text_delta`` / ``input_json_delta`` / ``thinking_delta``,
the Responses API's ``delta`` strings). A key the model repeats back is whole only once the pieces are
joined, so a line-by-line scrub never sees it. Here every ``data:`` line that holds JSON contributes
its text fields to a *channel* (one per choice, tool call or content block: the JSON path of the
field, list positions replaced by the item's own ``index``); each channel's joined text is searched,
and a secret found is cut out of every piece that carried part of it: the first such piece gets
``REDACTED`` where the secret began, the others lose their share. The joined text then reads as the
original with the secret redacted, and every event stays valid JSON in its original serialisation:
only the changed string literals are rewritten, byte for byte the rest stays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

REDACTED = "REDACTED"

# Keys whose string values are pieces of streamed text.
STREAM_FIELDS = frozenset(
    {
        "content",
        "text",
        "partial_json",
        "arguments",
        "thinking",
        "reasoning",
        "reasoning_content",
        "refusal",
        "delta",
    }
)

Finder = Callable[[str], list[tuple[int, int]]]

# A JSON text as string literals and everything between them: enough to find a value's exact bytes.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^"]+', re.DOTALL)


@dataclass
class Piece:
    line: int  # index of the data line in the stream's lines
    ordinal: int  # which stream field of that line, in document order
    start: int  # offset of this piece in its channel's joined text
    text: str


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(channel, text) of every stream field of a decoded event, in document order."""
    if isinstance(value, dict):
        index = value.get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            path = (*path, ("#", index))
        for key, item in value.items():
            if key in STREAM_FIELDS and isinstance(item, str):
                yield (*path, key), item
            elif isinstance(item, (dict, list)):
                yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            has_index = isinstance(item, dict) and isinstance(item.get("index"), int)
            yield from _leaves(item, path if has_index else (*path, position))


def _data_payload(line: str) -> tuple[int, str] | None:
    """(offset of the payload in the line, payload) for a ``data:`` line, else None."""
    if not line.startswith("data:"):
        return None
    offset = 6 if line.startswith("data: ") else 5
    return offset, line[offset:].rstrip("\r\n")


def _decode(payload: str) -> Any:
    if not payload.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def channels(sse: str) -> tuple[list[str], dict[tuple[Any, ...], list[Piece]]]:
    """The stream's lines (with their endings) and the pieces of text of each channel."""
    lines = sse.splitlines(keepends=True)
    found: dict[tuple[Any, ...], list[Piece]] = {}
    lengths: dict[tuple[Any, ...], int] = {}
    for number, line in enumerate(lines):
        data = _data_payload(line)
        if data is None:
            continue
        event = _decode(data[1])
        if event is None:
            continue
        for ordinal, (channel, text) in enumerate(_leaves(event)):
            start = lengths.get(channel, 0)
            found.setdefault(channel, []).append(Piece(number, ordinal, start, text))
            lengths[channel] = start + len(text)
    return lines, found


def joined_texts(sse: str) -> list[tuple[tuple[Any, ...], str]]:
    """Each channel's reassembled text, as the client sees it once the stream is done."""
    return [(channel, "".join(p.text for p in pieces)) for channel, pieces in channels(sse)[1].items()]


def _field_values(payload: str) -> list[tuple[int, int]]:
    """Spans of the string values of stream fields in a JSON text, in document order."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(payload)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        start, end = tokens[i]
        if payload[start] == '"' and i + 2 < len(tokens):
            between = payload[tokens[i + 1][0] : tokens[i + 1][1]]
            value_start, value_end = tokens[i + 2]
            if between.strip() == ":" and payload[value_start] == '"':
                if json.loads(payload[start:end]) in STREAM_FIELDS:
                    spans.append((value_start, value_end))
                i += 3
                continue
        i += 1
    return spans


def _literal(text: str, like: str) -> str:
    """``text`` as a JSON string literal, escaping non-ASCII only if the literal it replaces did."""
    ascii_only = all(ord(c) < 128 for c in like) and any(ord(c) >= 128 for c in json.loads(like))
    return json.dumps(text, ensure_ascii=ascii_only)


def _cut(pieces: list[Piece], start: int, end: int, edits: dict[int, list[tuple[int, int, str]]]) -> None:
    """Record, per piece, the edit that removes [start, end) of the joined text."""
    first = True
    for position, piece in enumerate(pieces):
        lo, hi = max(start, piece.start), min(end, piece.start + len(piece.text))
        if lo >= hi:
            continue
        edits.setdefault(position, []).append((lo - piece.start, hi - piece.start, REDACTED if first else ""))
        first = False


def scrub_stream(sse: str, find: Finder) -> str:
    """``sse`` with every secret ``find`` reports in a channel's joined text cut out of its pieces.

    Returns the very same string when nothing was found. A data line whose fields cannot be located
    exactly (duplicate keys, a split ``data:`` event) is left as it is; the write-time scan still
    reports the secret, so the cassette is not written.
    """
    lines, by_channel = channels(sse)
    new_text: dict[tuple[int, int], str] = {}  # (line, ordinal) -> the piece's scrubbed text
    for pieces in by_channel.values():
        joined = "".join(p.text for p in pieces)
        spans = find(joined)
        if not spans:
            continue
        edits: dict[int, list[tuple[int, int, str]]] = {}
        for start, end in spans:
            _cut(pieces, start, end, edits)
        for position, piece_edits in edits.items():
            piece = pieces[position]
            text = piece.text
            for lo, hi, replacement in sorted(piece_edits, reverse=True):
                text = text[:lo] + replacement + text[hi:]
            new_text[(piece.line, piece.ordinal)] = text
    if not new_text:
        return sse
    for number in sorted({line for line, _ in new_text}):
        line = lines[number]
        data = _data_payload(line)
        assert data is not None
        offset, payload = data
        spans = _field_values(payload)
        event = _decode(payload)
        if len(spans) != sum(1 for _ in _leaves(event)):
            continue  # cannot tell which literal is which: leave it to the fail-closed scan
        for ordinal in sorted((o for n, o in new_text if n == number), reverse=True):
            lo, hi = spans[ordinal]
            payload = payload[:lo] + _literal(new_text[(number, ordinal)], payload[lo:hi]) + payload[hi:]
        ending = line[len(line.rstrip("\r\n")) :]
        lines[number] = line[:offset] + payload + ending
    return "".join(lines)
