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

``llm-cassettes diff OLD NEW`` prints :func:`.render.render` and exits 0 / 1 / 2 (identical / reworded
only / any shape change) and 3 for unusable input, so CI can gate on it.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cassette import FORMAT_VERSION, Cassette, Fault, Interaction, RecordedResponse, header, load
from ..cassette.target import canonical_target
from ..errors import CassetteError, DriftError
from .json_shape import Findings, _diff_json, _diff_tool_calls, _tool_calls
from .sse import _diff_sse, _parse_sse

# Headers whose *value* changes what a client does (retry timing, whether to retry at all).
_RETRY_HEADERS = frozenset({"retry-after", "retry-after-ms", "x-should-retry"})
# Rate-limit headers: clients read them, but their values (remaining counts, reset times) change on
# every recording, so only their presence and the kind of value they hold count as shape.
_RATELIMIT_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-")


class Drift(enum.IntEnum):
    IDENTICAL = 0
    REWORDED = 1
    SHAPE_CHANGED = 2


class Change(enum.StrEnum):
    """What happened to one interaction (or, with COMPARED, to a whole cassette) between two recordings.

    A StrEnum: the JSON report and the rendered summary use the values as they are."""

    IDENTICAL = "identical"
    REWORDED = "reworded"
    SHAPE_CHANGED = "shape_changed"
    ADDED = "added"
    REMOVED = "removed"
    COMPARED = "compared"  # a cassette present on both sides, judged interaction by interaction


_KIND_DRIFT = {
    Change.IDENTICAL: Drift.IDENTICAL,
    Change.REWORDED: Drift.REWORDED,
    Change.SHAPE_CHANGED: Drift.SHAPE_CHANGED,
    Change.ADDED: Drift.SHAPE_CHANGED,
    Change.REMOVED: Drift.SHAPE_CHANGED,
}


@dataclass
class InteractionDrift:
    index: int
    kind: Change
    reasons: list[str] = field(default_factory=list)
    drift: Drift = Drift.IDENTICAL


@dataclass
class CassetteDrift:
    name: str
    interactions: list[InteractionDrift] = field(default_factory=list)
    drift: Drift = Drift.IDENTICAL
    kind: Change = Change.COMPARED  # or ADDED / REMOVED: the whole cassette, directory mode


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


def _diff_bodies(old: RecordedResponse, new: RecordedResponse, out: Findings) -> None:
    if old.body == new.body:
        return
    (old_kind, a), (new_kind, b) = _body_view(old), _body_view(new)
    if old_kind != new_kind:
        out.shape.append(f"body: {old_kind} → {new_kind}")
        return
    inner = Findings()
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


def _diff_headers(old: RecordedResponse, new: RecordedResponse, out: Findings) -> None:
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


def _diff_content_type(old: str, new: str, out: Findings) -> None:
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


def _diff_requests(old: Interaction, new: Interaction, out: Findings) -> None:
    # Compared as the matcher sees them: the same provider path on two loopback ports is one target.
    a_target = canonical_target(old.request.method, old.request.uri)
    if a_target != canonical_target(new.request.method, new.request.uri):
        out.shape.append(f"request: {_request_line(old)} → {_request_line(new)}")
    a, b = old.request, new.request
    if a.body == b.body:
        return
    # The request is ours, not the provider's: a changed prompt is worth seeing, never "shape".
    inner = Findings()
    if a.json is not None and b.json is not None:
        _diff_json(a.json, b.json, "request.body", inner)
    out.absorb_as_reworded(inner)
    if not inner.shape and not inner.reworded:
        out.reworded.append("request.body")


def _diff_faults(old: Fault | None, new: Fault | None, out: Findings) -> None:
    if old is None and new is None:
        return
    if old is None or new is None or old.error != new.error:
        out.shape.append(f"fault: {old.error if old else 'none'} → {new.error if new else 'none'}")
    elif old.message != new.message:
        out.reworded.append("fault.message")


def _diff_responses(old: RecordedResponse | None, new: RecordedResponse | None, out: Findings) -> None:
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
    out = Findings()
    _diff_requests(old, new, out)
    _diff_faults(old.fault, new.fault, out)
    _diff_responses(old.response, new.response, out)
    if out.shape:
        return InteractionDrift(index, Change.SHAPE_CHANGED, _unique(out.shape), Drift.SHAPE_CHANGED)
    if out.reworded:
        return InteractionDrift(index, Change.REWORDED, _unique(out.reworded), Drift.REWORDED)
    return InteractionDrift(index, Change.IDENTICAL, [], Drift.IDENTICAL)


def _unique(reasons: list[str]) -> list[str]:
    return list(dict.fromkeys(reasons))


def _one_sided(interaction: Interaction, index: int, kind: Change) -> InteractionDrift:
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
            drifts.append(_one_sided(old.interactions[index], index, Change.REMOVED))
        elif index >= len(old):
            drifts.append(_one_sided(new.interactions[index], index, Change.ADDED))
        else:
            drifts.append(compare_interactions(old.interactions[index], new.interactions[index], index))
    return CassetteDrift(name, drifts, max((d.drift for d in drifts), default=Drift.IDENTICAL))


def _whole(cassette: Cassette, name: str, kind: Change) -> CassetteDrift:
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
            drifts.append(_whole(_load(old_files[name]), name, Change.REMOVED))
        elif name not in old_files:
            drifts.append(_whole(_load(new_files[name]), name, Change.ADDED))
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
