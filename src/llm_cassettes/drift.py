"""Drift report: what changed between two recordings of the same tests, and does it matter?

After a re-record with real keys the YAML diff shows every new id, timestamp and sentence. What a
maintainer needs to know is whether the provider only *worded* the answer differently, or whether the
response changed *shape* in a way client code (litellm, the SDKs, our own parsers) can notice.

Each pair of interactions (paired by position) is classified as

* ``identical``: status, client-read headers, body and fault are equal. Headers that no client reads
  (date, cf-ray, request ids, cookies, processing times) are noise and are not compared.
* ``reworded``: same structure; only generated text, ids, timestamps, fingerprints, token counts, cost
  numbers, rate-limit counters, the reason phrase or the request body differ.
* ``shape_changed``: the status code; a client-read header (retry-after, retry-after-ms,
  x-should-retry, x-ratelimit-*, anthropic-ratelimit-*) appearing or disappearing; a retry-after,
  retry-after-ms or x-should-retry value; the kind of a rate-limit value (count, duration, timestamp);
  the content-type media type; JSON keys added or removed or value types changed at any depth; the
  value of an enum-like field (finish_reason, stop_reason, native_finish_reason, type, object, role,
  error code, tool name); tool calls appearing, disappearing or changing; the sequence of SSE
  (event name, JSON key-shape) with consecutive repeats collapsed and ``ping`` keep-alives dropped;
  a fault appearing, disappearing or changing type; the request method or URL.
* ``added`` / ``removed``: an interaction (or in directory mode a whole cassette) only on one side;
  reported as :attr:`Drift.SHAPE_CHANGED`.

``llm-cassettes diff OLD NEW`` prints :func:`render` and exits 0 / 1 / 2 (identical / reworded only /
any shape change) and 3 for unusable input, so CI can gate on it.
"""

from __future__ import annotations

import argparse
import difflib
import enum
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cassette_format import (
    FORMAT_VERSION,
    Cassette,
    CassetteError,
    Fault,
    Interaction,
    RecordedResponse,
    header,
    load,
)
from .matching import canonical_target

EXIT_ERROR = 3  # 0/1/2 carry the verdict, so bad input (and bad usage) must not reuse them

# Headers whose *value* changes what a client does (retry timing, whether to retry at all).
_RETRY_HEADERS = frozenset({"retry-after", "retry-after-ms", "x-should-retry"})
# Rate-limit headers: clients read them, but their values (remaining counts, reset times) change on
# every recording, so only their presence and the kind of value they hold count as shape.
_RATELIMIT_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-")

# JSON fields whose value is an enum the client branches on, not generated content.
_ENUM_KEYS = frozenset({"finish_reason", "stop_reason", "native_finish_reason", "type", "object", "role"})
_TOOL_BLOCK_TYPES = frozenset({"tool_use", "server_tool_use"})
# Fields that flip between null and a string without meaning anything to a client.
_NULLABLE_NOISE = frozenset({"system_fingerprint"})

_MAX_RENDERED_REASONS = 6


class Drift(enum.IntEnum):
    IDENTICAL = 0
    REWORDED = 1
    SHAPE_CHANGED = 2


_KIND_DRIFT = {
    "identical": Drift.IDENTICAL,
    "reworded": Drift.REWORDED,
    "shape_changed": Drift.SHAPE_CHANGED,
    "added": Drift.SHAPE_CHANGED,
    "removed": Drift.SHAPE_CHANGED,
}


@dataclass
class InteractionDrift:
    index: int
    kind: str  # identical | reworded | shape_changed | added | removed
    reasons: list[str] = field(default_factory=list)
    drift: Drift = Drift.IDENTICAL


@dataclass
class CassetteDrift:
    name: str
    interactions: list[InteractionDrift] = field(default_factory=list)
    drift: Drift = Drift.IDENTICAL
    kind: str = "compared"  # compared | added | removed (the whole cassette, directory mode)


class DriftError(Exception):
    """Input that cannot be compared; the message names the file."""


# ------------------------------------------------------------------------------------------ findings


@dataclass
class _Findings:
    """Reasons collected while comparing one interaction, split by how much they matter."""

    shape: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)

    def absorb_as_reworded(self, other: _Findings) -> None:
        self.reworded.extend(other.shape + other.reworded)


def _fmt(value: Any) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) and value.strip() == value and value else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"  # token counts are ints, costs floats; 0 vs 0.0001 is not a type change
    return {str: "string", dict: "object", list: "array"}.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------- JSON shape


@dataclass(frozen=True)
class _Ctx:
    """Where a JSON value sits: its key, its parent's key and the parent object."""

    key: str | None = None
    parent_key: str | None = None
    parent: Mapping[str, Any] | None = None

    def child(self, key: str, parent: Mapping[str, Any]) -> _Ctx:
        return _Ctx(key, self.key, parent)

    def item(self) -> _Ctx:
        return _Ctx(None, self.key, None)


def _in_tool_block(ctx: _Ctx) -> bool:
    return ctx.parent is not None and ctx.parent.get("type") in _TOOL_BLOCK_TYPES


def _is_enum(ctx: _Ctx) -> bool:
    if ctx.key in _ENUM_KEYS:
        return True
    if ctx.key == "code":
        return ctx.parent_key == "error"
    if ctx.key == "name":
        return ctx.parent_key == "function" or _in_tool_block(ctx)
    return False


def _is_opaque(ctx: _Ctx) -> bool:
    # A tool_use block's input holds the model's generated arguments: content, not structure.
    return ctx.key == "input" and _in_tool_block(ctx)


def _collapse(items: Iterator[Any] | Sequence[Any]) -> tuple[Any, ...]:
    out: list[Any] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return tuple(out)


def _signature(value: Any, ctx: _Ctx = _Ctx()) -> Any:
    """A hashable key-shape of a JSON value: keys, value types, enum values; list repeats collapsed."""
    if _is_opaque(ctx):
        return "opaque"
    if isinstance(value, dict):
        return ("object", tuple(sorted((k, _signature(v, ctx.child(k, value))) for k, v in value.items())))
    if isinstance(value, list):
        return ("array", _collapse(_signature(v, ctx.item()) for v in value))
    if _is_enum(ctx) and isinstance(value, (str, int)):
        return ("enum", value)
    if ctx.key in _NULLABLE_NOISE:
        return "noise"
    return _type_name(value)


def _item_label(value: Any) -> str:
    if isinstance(value, dict):
        return str(value["type"]) if isinstance(value.get("type"), str) else "object"
    return _type_name(value)


def _diff_json(old: Any, new: Any, path: str, out: _Findings, ctx: _Ctx = _Ctx()) -> None:
    """Compare two JSON values, adding a reason per difference to ``out``."""
    if old == new:
        return
    if _is_opaque(ctx):
        out.reworded.append(path)
    elif isinstance(old, dict) and isinstance(new, dict):
        _diff_objects(old, new, path, out, ctx)
    elif isinstance(old, list) and isinstance(new, list):
        _diff_arrays(old, new, path, out, ctx)
    elif _is_enum(ctx) and not isinstance(old, (dict, list)) and not isinstance(new, (dict, list)):
        out.shape.append(f"{path}: {_fmt(old)} → {_fmt(new)}")
    elif _type_name(old) != _type_name(new) and ctx.key not in _NULLABLE_NOISE:
        out.shape.append(f"{path}: {_type_name(old)} → {_type_name(new)}")
    else:
        out.reworded.append(path)


def _diff_objects(old: dict[str, Any], new: dict[str, Any], path: str, out: _Findings, ctx: _Ctx) -> None:
    out.shape.extend(f"{path}.{key}: removed" for key in old if key not in new)
    out.shape.extend(f"{path}.{key}: added" for key in new if key not in old)
    for key in old:
        if key in new:
            _diff_json(old[key], new[key], f"{path}.{key}", out, ctx.child(key, new))


def _diff_arrays(old: list[Any], new: list[Any], path: str, out: _Findings, ctx: _Ctx) -> None:
    if len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff_json(a, b, f"{path}[{i}]", out, ctx.item())
        return
    old_runs, new_runs = _runs(old, ctx.item()), _runs(new, ctx.item())
    if [sig for sig, _ in old_runs] != [sig for sig, _ in new_runs]:
        # A list that grew a different kind of element (a tool_use block next to text) is structure;
        # without equal run shapes there is no sound way to pair elements, so report the list.
        before = ", ".join(_item_label(first[0]) for _, first in old_runs)
        after = ", ".join(_item_label(first[0]) for _, first in new_runs)
        out.shape.append(f"{path}: [{before}] → [{after}]")
        return
    # Same kinds of element, only more or fewer of them (logprobs of a longer answer): content.
    out.reworded.append(f"{path}: {len(old)} → {len(new)} items")
    for (_, a), (_, b) in zip(old_runs, new_runs, strict=True):
        _diff_json(a[0], b[0], f"{path}[]", out, ctx.item())


def _runs(values: Sequence[Any], ctx: _Ctx) -> list[tuple[Any, list[Any]]]:
    """Consecutive values grouped by equal signature."""
    runs: list[tuple[Any, list[Any]]] = []
    for value in values:
        sig = _signature(value, ctx)
        if runs and runs[-1][0] == sig:
            runs[-1][1].append(value)
        else:
            runs.append((sig, [value]))
    return runs


# --------------------------------------------------------------------------------------- tool calls


def _tool_calls(value: Any) -> list[str]:
    """Names of the tool calls a response body starts (JSON message or stream chunks)."""
    names: list[str] = []
    if isinstance(value, dict):
        if value.get("type") in _TOOL_BLOCK_TYPES:
            names.append(str(value.get("name")))
        calls = value.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, dict) else None
            # Streamed OpenAI tool calls repeat the entry for every argument fragment; only the
            # first fragment carries the name.
            if isinstance(function, dict) and function.get("name"):
                names.append(str(function["name"]))
        for key, item in value.items():
            if key != "tool_calls" and key != "input":
                names.extend(_tool_calls(item))
    elif isinstance(value, list):
        for item in value:
            names.extend(_tool_calls(item))
    return names


def _diff_tool_calls(old: list[str], new: list[str], out: _Findings) -> None:
    if old != new:
        out.shape.append(f"tool calls: {', '.join(old) or 'none'} → {', '.join(new) or 'none'}")


# ----------------------------------------------------------------------------------------------- SSE


@dataclass
class _Event:
    name: str | None
    data: Any  # parsed JSON, or the raw text ("[DONE]")
    is_json: bool

    def signature(self) -> Any:
        return (self.name, _signature(self.data) if self.is_json else ("literal", self.data[:20]))

    def label(self) -> str:
        if not self.is_json:
            return self.data if self.data == "[DONE]" else "text"
        data = self.data if isinstance(self.data, dict) else {}
        name = self.name or (data.get("type") if isinstance(data.get("type"), str) else None)
        if name:
            return name + _anthropic_detail(data)
        if "choices" in data or "usage" in data:
            return "chunk(" + ",".join(_chunk_parts(data)) + ")"
        return _type_name(self.data)


def _anthropic_detail(data: Mapping[str, Any]) -> str:
    for key in ("content_block", "delta"):
        part = data.get(key)
        if isinstance(part, dict) and isinstance(part.get("type"), str):
            return f":{part['type']}"
        if isinstance(part, dict) and part.get("stop_reason"):
            return f":{part['stop_reason']}"
    return ""


def _chunk_parts(data: Mapping[str, Any]) -> list[str]:
    """What an OpenAI-style chunk carries, e.g. ``content``, ``tool_calls``, ``finish=stop``, ``usage``."""
    parts: list[str] = []
    for choice in data.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict):
            parts.extend(k for k, v in delta.items() if v not in (None, "") and k not in parts)
        if choice.get("finish_reason"):
            parts.append(f"finish={choice['finish_reason']}")
    parts.extend(k for k in ("usage", "error") if data.get(k))
    return parts


def _parse_sse(text: str) -> list[_Event]:
    """Events of a stream; comments (`: OPENROUTER PROCESSING`) and `ping` keep-alives are timing noise."""
    events: list[_Event] = []
    for block in re.split(r"\r?\n\r?\n", text.replace("\r\n", "\n")):
        name: str | None = None
        data_lines: list[str] = []
        for line in block.split("\n"):
            field_name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field_name == "event":
                name = value
            elif field_name == "data":
                data_lines.append(value)
        if name == "ping" or (name is None and not data_lines):
            continue
        events.append(_json_event(name, "\n".join(data_lines)))
    return events


def _json_event(name: str | None, data: str) -> _Event:
    try:
        return _Event(name, json.loads(data), True)
    except ValueError:
        return _Event(name, data.strip(), False)


def _diff_sse(old: list[_Event], new: list[_Event], out: _Findings) -> None:
    found_before = len(out.shape)
    old_sigs = [e.signature() for e in old]
    new_sigs = [e.signature() for e in new]
    old_runs, new_runs = _event_runs(old, old_sigs), _event_runs(new, new_sigs)
    if [sig for sig, _ in old_runs] == [sig for sig, _ in new_runs]:
        _reworded_sse(old_runs, new_runs, len(old), len(new), out)
        return
    old_labels = [events[0].label() for _, events in old_runs]
    new_labels = [events[0].label() for _, events in new_runs]
    if old_labels != new_labels:
        out.shape.append(f"sse events: [{', '.join(old_labels)}] → [{', '.join(new_labels)}]")
    # Where runs were replaced one for one, say which keys changed inside the event.
    old_shapes, new_shapes = [s for s, _ in old_runs], [s for s, _ in new_runs]
    matcher = difflib.SequenceMatcher(None, old_shapes, new_shapes, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            for (_, a), (_, b) in zip(old_runs[i1:i2], new_runs[j1:j2], strict=True):
                _diff_event(a[0], b[0], out)
    if len(out.shape) == found_before:
        out.shape.append("sse events: event shapes differ")


def _diff_event(old: _Event, new: _Event, out: _Findings) -> None:
    where = f"sse[{old.label()}]"
    if old.name != new.name:
        out.shape.append(f"{where}: event {old.name} → {new.name}")
    elif old.is_json and new.is_json:
        _diff_json(old.data, new.data, where, out)
    elif old.data != new.data:
        out.shape.append(f"{where}: {_fmt(old.data)} → {_fmt(new.data)}")


def _event_runs(events: list[_Event], sigs: list[Any]) -> list[tuple[Any, list[_Event]]]:
    runs: list[tuple[Any, list[_Event]]] = []
    for event, sig in zip(events, sigs, strict=True):
        if runs and runs[-1][0] == sig:
            runs[-1][1].append(event)
        else:
            runs.append((sig, [event]))
    return runs


def _reworded_sse(
    old_runs: list[tuple[Any, list[_Event]]],
    new_runs: list[tuple[Any, list[_Event]]],
    old_count: int,
    new_count: int,
    out: _Findings,
) -> None:
    if old_count != new_count:
        out.reworded.append(f"sse: {old_count} → {new_count} events")
    for (_, a), (_, b) in zip(old_runs, new_runs, strict=True):
        # Equal-length runs pair one for one; otherwise compare the ends, which hold ids and counts.
        pairs = zip(a, b, strict=True) if len(a) == len(b) else ((a[0], b[0]), (a[-1], b[-1]))
        for x, y in pairs:
            _diff_event(x, y, out)


# ---------------------------------------------------------------------------------------------- bodies


def _body_view(response: RecordedResponse) -> tuple[str, Any]:
    """The body as (kind, comparable value): json, sse, text, bytes or empty."""
    doc = response.body_doc
    if not doc:
        return "empty", None
    if "json" in doc:
        return "json", doc["json"]
    if "base64" in doc:
        return "bytes", response.body
    text = response.body.decode("utf-8")
    if "sse" in doc or "event-stream" in header(response.headers, "content-type"):
        return "sse", _parse_sse(text)
    if text.strip()[:1] in ("{", "["):
        # OpenRouter pads JSON with leading whitespace, so it is stored as text; compare it as JSON.
        try:
            return "json", json.loads(text)
        except ValueError:
            pass
    return "text", text


def _diff_bodies(old: RecordedResponse, new: RecordedResponse, out: _Findings) -> None:
    if old.body == new.body:
        return
    (old_kind, a), (new_kind, b) = _body_view(old), _body_view(new)
    if old_kind != new_kind:
        out.shape.append(f"body: {old_kind} → {new_kind}")
        return
    inner = _Findings()
    # Tool calls first: of all the body reasons they say most about what the test will now see.
    if old_kind == "json":
        _diff_tool_calls(_tool_calls(a), _tool_calls(b), inner)
        _diff_json(a, b, "body", inner)
    elif old_kind == "sse":
        _diff_tool_calls(_tool_calls([e.data for e in a]), _tool_calls([e.data for e in b]), inner)
        _diff_sse(a, b, inner)
    out.shape += inner.shape
    # Bytes differ but nothing above saw it: serialisation, stream framing, or opaque text/bytes.
    out.reworded += inner.reworded or [f"body: {old_kind} differs"]


# --------------------------------------------------------------------------------------------- headers


def _header_map(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.lower(), []).append(value.strip())
    return {name: ", ".join(values) for name, values in merged.items()}


def _is_client_header(name: str) -> bool:
    return name in _RETRY_HEADERS or name.startswith(_RATELIMIT_PREFIXES)


def _value_kind(value: str) -> str:
    if re.fullmatch(r"-?\d+", value):
        return "integer"
    if re.fullmatch(r"-?\d+\.\d*", value):
        return "number"
    if re.fullmatch(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+", value):
        return "duration"
    if re.match(r"\d{4}-\d\d-\d\dT", value):
        return "timestamp"
    return "text"


def _diff_headers(old: RecordedResponse, new: RecordedResponse, out: _Findings) -> None:
    a, b = _header_map(old.headers), _header_map(new.headers)
    client = sorted(n for n in {*a, *b} if _is_client_header(n))
    out.shape += _presence_reasons([n for n in client if n not in b], "removed")
    out.shape += _presence_reasons([n for n in client if n not in a], "added")
    for name in client:
        where = f"response.headers.{name}"
        if name not in a or name not in b or a[name] == b[name]:
            continue
        if name in _RETRY_HEADERS:
            out.shape.append(f"{where}: {a[name]} → {b[name]}")
        elif _value_kind(a[name]) != _value_kind(b[name]):
            kinds = f"{_value_kind(a[name])} → {_value_kind(b[name])}"
            out.shape.append(f"{where}: {a[name]} → {b[name]} ({kinds})")
        else:
            out.reworded.append(where)
    _diff_content_type(a.get("content-type", ""), b.get("content-type", ""), out)


def _presence_reasons(names: list[str], change: str) -> list[str]:
    """One reason per header, except a rate-limit family (six or twelve headers) reads as one line."""
    reasons: list[str] = []
    for prefix in _RATELIMIT_PREFIXES:
        family = [n[len(prefix) :] for n in names if n.startswith(prefix)]
        if len(family) > 1:
            reasons.append(f"response.headers.{prefix}{{{','.join(family)}}}: {change}")
            names = [n for n in names if not n.startswith(prefix)]
    return [f"response.headers.{n}: {change}" for n in names] + reasons


def _diff_content_type(old: str, new: str, out: _Findings) -> None:
    if old == new:
        return
    media_old, media_new = (v.split(";")[0].strip().lower() for v in (old, new))
    if media_old != media_new:
        out.shape.append(f"response.headers.content-type: {media_old or 'none'} → {media_new or 'none'}")
    else:
        out.reworded.append("response.headers.content-type parameters")


# ------------------------------------------------------------------------------------------ interactions


def _request_line(interaction: Interaction) -> str:
    return f"{interaction.request.method} {interaction.request.uri}"


def _outcome(interaction: Interaction) -> str:
    if interaction.response is not None:
        return str(interaction.response.status)
    return f"fault {interaction.fault.error}" if interaction.fault else "nothing"


def _diff_requests(old: Interaction, new: Interaction, out: _Findings) -> None:
    # Compared as the matcher sees them: the same provider path on two loopback ports is one target.
    a_target = canonical_target(old.request.method, old.request.uri)
    if a_target != canonical_target(new.request.method, new.request.uri):
        out.shape.append(f"request: {_request_line(old)} → {_request_line(new)}")
    a, b = old.request, new.request
    if a.body == b.body:
        return
    # The request is ours, not the provider's: a changed prompt is worth seeing, never "shape".
    inner = _Findings()
    if a.json is not None and b.json is not None:
        _diff_json(a.json, b.json, "request.body", inner)
    out.absorb_as_reworded(inner)
    if not inner.shape and not inner.reworded:
        out.reworded.append("request.body")


def _diff_faults(old: Fault | None, new: Fault | None, out: _Findings) -> None:
    if old is None and new is None:
        return
    if old is None or new is None or old.error != new.error:
        out.shape.append(f"fault: {old.error if old else 'none'} → {new.error if new else 'none'}")
    elif old.message != new.message:
        out.reworded.append("fault.message")


def _diff_responses(old: RecordedResponse | None, new: RecordedResponse | None, out: _Findings) -> None:
    if old is None or new is None:
        if old is not new:
            before = old.status if old else "absent"
            after = new.status if new else "absent"
            out.shape.append(f"response: {before} → {after}")
        return
    if old.status != new.status:
        out.shape.append(f"response.status: {old.status} → {new.status}")
    elif old.reason != new.reason:
        out.reworded.append("response.reason")
    _diff_headers(old, new, out)
    _diff_bodies(old, new, out)


def compare_interactions(old: Interaction, new: Interaction, index: int = 0) -> InteractionDrift:
    """Classify one pair of interactions."""
    out = _Findings()
    _diff_requests(old, new, out)
    _diff_faults(old.fault, new.fault, out)
    _diff_responses(old.response, new.response, out)
    if out.shape:
        return InteractionDrift(index, "shape_changed", _unique(out.shape), Drift.SHAPE_CHANGED)
    if out.reworded:
        return InteractionDrift(index, "reworded", _unique(out.reworded), Drift.REWORDED)
    return InteractionDrift(index, "identical", [], Drift.IDENTICAL)


def _unique(reasons: list[str]) -> list[str]:
    return list(dict.fromkeys(reasons))


def _one_sided(interaction: Interaction, index: int, kind: str) -> InteractionDrift:
    reason = f"{_request_line(interaction)} → {_outcome(interaction)}"
    return InteractionDrift(index, kind, [reason], _KIND_DRIFT[kind])


# -------------------------------------------------------------------------------------------- cassettes


def _format_of(cassette: Cassette) -> Any:
    return cassette.meta.get("format", FORMAT_VERSION)


def compare_cassettes(old: Cassette, new: Cassette, name: str = "") -> CassetteDrift:
    """Compare two cassettes interaction by interaction (paired by position)."""
    name = name or str(new.path or old.path or "<cassette>")
    if _format_of(old) != _format_of(new):
        raise DriftError(
            f"{old.path or 'OLD'} is cassette format {_format_of(old)!r} but {new.path or 'NEW'} is format "
            f"{_format_of(new)!r}; re-record or convert one of them before comparing"
        )
    drifts: list[InteractionDrift] = []
    for index in range(max(len(old), len(new))):
        if index >= len(new):
            drifts.append(_one_sided(old.interactions[index], index, "removed"))
        elif index >= len(old):
            drifts.append(_one_sided(new.interactions[index], index, "added"))
        else:
            drifts.append(compare_interactions(old.interactions[index], new.interactions[index], index))
    return CassetteDrift(name, drifts, max((d.drift for d in drifts), default=Drift.IDENTICAL))


def _whole(cassette: Cassette, name: str, kind: str) -> CassetteDrift:
    interactions = [_one_sided(item, i, kind) for i, item in enumerate(cassette.interactions)]
    return CassetteDrift(name, interactions, Drift.SHAPE_CHANGED, kind)


def _load(path: Path) -> Cassette:
    try:
        return load(path)
    except CassetteError as exc:
        raise DriftError(str(exc)) from None


def _cassette_files(root: Path) -> dict[str, Path]:
    """Cassettes under a directory by relative path; dot-directories (.git, .venv) are skipped."""
    try:
        files = [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    except OSError as exc:
        raise DriftError(f"{root}: cannot be listed: {exc.strerror or exc}") from None
    found = {}
    for path in files:
        relative = path.relative_to(root)
        if not any(part.startswith(".") for part in relative.parts):
            found[relative.as_posix()] = path
    return found


def _compare_directories(old: Path, new: Path) -> list[CassetteDrift]:
    old_files, new_files = _cassette_files(old), _cassette_files(new)
    drifts: list[CassetteDrift] = []
    for name in sorted({*old_files, *new_files}):
        if name not in new_files:
            drifts.append(_whole(_load(old_files[name]), name, "removed"))
        elif name not in old_files:
            drifts.append(_whole(_load(new_files[name]), name, "added"))
        else:
            drifts.append(compare_cassettes(_load(old_files[name]), _load(new_files[name]), name))
    return drifts


def compare_paths(old: Path, new: Path) -> list[CassetteDrift]:
    """Compare two cassette files, or two directories of cassettes paired by relative path."""
    old, new = Path(old), Path(new)
    for path in (old, new):
        if not path.exists():
            raise DriftError(f"{path}: no such file or directory")
    if old.is_dir() and new.is_dir():
        return _compare_directories(old, new)
    if old.is_dir() or new.is_dir():
        directory, other = (old, new) if old.is_dir() else (new, old)
        raise DriftError(
            f"{directory} is a directory but {other} is a file; compare two files or two directories"
        )
    return [compare_cassettes(_load(old), _load(new), str(new))]


# ------------------------------------------------------------------------------------------- rendering

_LABEL = {Drift.IDENTICAL: "identical", Drift.REWORDED: "reworded", Drift.SHAPE_CHANGED: "shape changed"}


def _counts(kinds: Sequence[str]) -> str:
    order = ("identical", "reworded", "shape_changed", "added", "removed")
    parts = [f"{kinds.count(k)} {k.replace('_', ' ')}" for k in order if kinds.count(k)]
    return ", ".join(parts) or "none"


def _interaction_line(item: InteractionDrift) -> str:
    shown = item.reasons[:_MAX_RENDERED_REASONS]
    more = len(item.reasons) - len(shown)
    text = "; ".join(shown) + (f"; (+{more} more)" if more > 0 else "")
    return f"  #{item.index} {item.kind.replace('_', ' ')}: {text}"


def _cassette_lines(drift: CassetteDrift) -> list[str]:
    n = len(drift.interactions)
    if drift.kind != "compared":
        return [f"{drift.name}: cassette {drift.kind} ({n} interaction{'s' * (n != 1)})"]
    kinds = [i.kind for i in drift.interactions]
    lines = [f"{drift.name}: {_LABEL[drift.drift]} — {n} interaction{'s' * (n != 1)}: {_counts(kinds)}"]
    lines += [_interaction_line(i) for i in drift.interactions if i.kind != "identical"]
    return lines


def overall(drifts: Sequence[CassetteDrift]) -> Drift:
    return max((d.drift for d in drifts), default=Drift.IDENTICAL)


def render(drifts: Sequence[CassetteDrift]) -> str:
    """The human summary: a line per cassette, an indented line per changed interaction, a total."""
    lines: list[str] = []
    for drift in drifts:
        lines += _cassette_lines(drift)
    per_cassette = [d.kind if d.kind != "compared" else d.drift.name.lower() for d in drifts]
    interactions = [i.kind for d in drifts if d.kind == "compared" for i in d.interactions]
    lines.append(
        f"total: {len(drifts)} cassette{'s' * (len(drifts) != 1)} ({_counts(per_cassette)}); "
        f"{len(interactions)} interaction{'s' * (len(interactions) != 1)} compared ({_counts(interactions)})"
        f" → {_LABEL[overall(drifts)]}"
    )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- CLI

_EPILOG = f"""\
classification (per interaction, paired by position):
  identical      status, client-read headers, body and fault are equal
  reworded       same structure; only text, ids, timestamps, fingerprints, token counts,
                 costs or rate-limit counters differ
  shape changed  status, retry/rate-limit header presence, retry-after / x-should-retry value,
                 content-type, JSON keys or value types, finish/stop reasons, error type/code,
                 tool calls, SSE event sequence, fault type; or an interaction/cassette
                 added or removed

exit status:
  0  identical
  1  reworded only
  2  any shape change (including added or removed interactions or cassettes)
  {EXIT_ERROR}  error: missing path, not a cassette, unsupported or mismatched format, bad usage
"""


class _UsageError(Exception):
    pass


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, which here means "shape changed"; report usage errors as 3."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise _UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:  # type: ignore[override]
        if message:
            print(message, file=sys.stderr, end="")
        raise _Exit(status)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="llm-cassettes diff",
        description="Classify the drift between two cassettes, or two directories of cassettes "
        "(paired by relative path), e.g. a git revision checked out elsewhere and the work tree.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", type=Path, help="the earlier cassette file or directory")
    parser.add_argument("new", type=Path, help="the later cassette file or directory")
    return parser


def diff_command(argv: list[str]) -> int:
    """`llm-cassettes diff OLD NEW`: print the drift summary; exit 0/1/2 by verdict, 3 on error."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _Exit as exc:
        return exc.status if exc.status == 0 else EXIT_ERROR
    except _UsageError as exc:
        print(f"{parser.format_usage()}llm-cassettes diff: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        drifts = compare_paths(args.old, args.new)
    except DriftError as exc:
        print(f"llm-cassettes diff: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(render(drifts))
    return int(overall(drifts))
