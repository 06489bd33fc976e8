"""Which recorded interaction answers a request.

A request is reduced once to a canonical key: method, host + path, the query (minus credentials) and the
JSON body with volatile fields removed and keys sorted (a multipart upload: its parts, not the random
boundary between them). Lookup is a dict access plus a per-key counter,
so identical requests replay in recorded order and the cost does not grow with the cassette. The
field-by-field comparison that explains a miss runs only on a miss.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..cassette import Interaction
from ..cassette.target import CREDENTIAL_QUERY_PARAMS, canonical_target
from ..settings import VOLATILE_BODY_PATHS, Matcher, MatchKey, Settings
from .multipart import multipart_parts

__all__ = [
    "CREDENTIAL_QUERY_PARAMS",
    "VOLATILE_BODY_PATHS",
    "FieldDiff",
    "MatchRules",
    "NearestMatch",
    "RequestIndex",
    "canonical_body",
    "canonical_target",
    "field_diffs",
    "interaction_key",
    "nearest",
    "parse_json",
    "request_key",
]


@dataclass(frozen=True)
class MatchRules:
    """The run's matching rules, frozen from :class:`Settings` (hashable, so key caches can use them)."""

    volatile_body_paths: tuple[tuple[str, ...], ...] = VOLATILE_BODY_PATHS
    host_aliases: tuple[tuple[str, str], ...] = ()
    matcher: Matcher | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> MatchRules:
        return cls(
            tuple(tuple(p) for p in settings.volatile_body_paths),
            tuple(sorted((host.lower(), origin) for host, origin in settings.host_aliases.items())),
            settings.matcher,
        )


DEFAULT_RULES = MatchRules()


def _drop_volatile(body: Any, paths: Sequence[tuple[str, ...]]) -> Any:
    if not isinstance(body, dict):
        return body
    if "metadata" not in body and not any(path[0] in body for path in paths):
        return body  # nothing to drop: no copy (the index builds one key per recorded request)
    body = dict(body)
    for path in paths:
        parent = body
        for part in path[:-1]:
            child = parent.get(part)
            if not isinstance(child, dict):
                parent = None
                break
            child = dict(child)
            parent[part] = child
            parent = child
        if parent is not None:
            parent.pop(path[-1], None)
    if body.get("metadata") == {}:
        del body["metadata"]
    return body


def canonical_body(body: Any, rules: MatchRules = DEFAULT_RULES) -> Any:
    return _drop_volatile(body, rules.volatile_body_paths)


def _canonical(body_json: Any, body_bytes: bytes, rules: MatchRules) -> Any:
    """What a body is matched on: the JSON without volatile fields, a multipart's parts, or the text."""
    if body_json is not None:
        return canonical_body(body_json, rules)
    parts = multipart_parts(body_bytes)
    if parts is not None:
        return {"multipart": parts}
    return body_bytes.decode("utf-8", "replace")


# One encoder for every key: ``json.dumps`` with non-default options builds a JSONEncoder per call
# (measured on a chat request body: 6.1-8.9 us -> 3.8-6.5 us per encoding).
_encode_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def request_key(
    method: str, uri: str, body_json: Any, body_bytes: bytes = b"", rules: MatchRules = DEFAULT_RULES
) -> str:
    """The canonical key two requests share exactly when they match."""
    target = canonical_target(method, uri, rules.host_aliases)
    body = _canonical(body_json, body_bytes, rules)
    if rules.matcher is not None:
        key = rules.matcher(MatchKey(method.upper(), target, body))
        target, body = key.target, key.body
    elif body_json is not None:  # JSON, even a bare JSON string, is always encoded
        return target + "\n" + _encode_canonical(body)
    return target + "\n" + (body if isinstance(body, str) else _encode_canonical(body))


def parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def interaction_key(interaction: Interaction, rules: MatchRules = DEFAULT_RULES) -> str:
    request = interaction.request
    body_json = request.json
    body_bytes = b"" if body_json is not None else request.body
    return request_key(request.method, request.uri, body_json, body_bytes, rules)


class RequestIndex:
    """Precomputed keys of a cassette's interactions; ``take`` hands them out in recorded order."""

    def __init__(self, interactions: Sequence[Interaction], rules: MatchRules = DEFAULT_RULES) -> None:
        self.interactions = interactions
        self._slots: dict[str, list[int]] = {}
        # Like loading, building keys allocates many small objects and no garbage: with a big cassette
        # alive, every collection the allocations trigger would walk all of it (4x the build time).
        collecting = gc.isenabled() and len(interactions) > 256
        if collecting:
            gc.disable()
        try:
            for position, interaction in enumerate(interactions):
                self._slots.setdefault(interaction_key(interaction, rules), []).append(position)
        finally:
            if collecting:
                gc.enable()
        self._next: dict[str, int] = {}
        self.used: set[int] = set()
        self.lookups = 0  # dict lookups made; tests use it to prove no scan happens

    def take(self, key: str) -> int | None:
        """Position of the next unplayed interaction for ``key``, or None."""
        self.lookups += 1
        slots = self._slots.get(key)
        if not slots:
            return None
        turn = self._next.get(key, 0)
        if turn >= len(slots):
            return None
        self._next[key] = turn + 1
        self.used.add(slots[turn])
        return slots[turn]

    def recorded_count(self, key: str) -> int:
        return len(self._slots.get(key, ()))

    def unused(self) -> list[int]:
        return [i for i in range(len(self.interactions)) if i not in self.used]


# ------------------------------------------------------------------------------------ explaining misses


@dataclass(frozen=True)
class FieldDiff:
    path: str
    recorded: Any
    requested: Any

    def render(self) -> str:
        return f"{self.path}: recorded {_short(self.recorded)}, requested {_short(self.requested)}"


_MISSING = object()


def _short(value: Any, limit: int = 120) -> str:
    if value is _MISSING:
        return "(absent)"
    text = (
        json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else repr(value)
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_diffs(recorded: Any, requested: Any, path: str = "body") -> list[FieldDiff]:
    """Leaf-level differences between two JSON values, with dotted paths."""
    if isinstance(recorded, dict) and isinstance(requested, dict):
        diffs: list[FieldDiff] = []
        for key in sorted(set(recorded) | set(requested), key=str):
            diffs += field_diffs(recorded.get(key, _MISSING), requested.get(key, _MISSING), f"{path}.{key}")
        return diffs
    if isinstance(recorded, list) and isinstance(requested, list):
        diffs = []
        for i in range(max(len(recorded), len(requested))):
            a = recorded[i] if i < len(recorded) else _MISSING
            b = requested[i] if i < len(requested) else _MISSING
            diffs += field_diffs(a, b, f"{path}[{i}]")
        return diffs
    if recorded == requested and type(recorded) is type(requested):
        return []
    return [FieldDiff(path, recorded, requested)]


@dataclass(frozen=True)
class NearestMatch:
    position: int
    interaction: Interaction
    diffs: list[FieldDiff]


def nearest(
    method: str,
    uri: str,
    body_json: Any,
    interactions: Iterable[Interaction],
    body_bytes: bytes = b"",
    rules: MatchRules = DEFAULT_RULES,
) -> NearestMatch | None:
    """The recorded request closest to this one, with the fields that differ."""
    target = canonical_target(method, uri, rules.host_aliases)
    requested = _canonical(body_json, body_bytes, rules)
    # One cheap score per candidate (target equal? how many top-level fields differ?) picks the winner;
    # the leaf-level diff runs once, for the winner only, so a miss in a 10,000-interaction cassette
    # costs one pass of cheap comparisons. Ties keep the earliest recording.
    best: tuple[int, str, Any, Interaction] | None = None
    best_score: tuple[int, int] | None = None
    for position, interaction in enumerate(interactions):
        recorded_request = interaction.request
        recorded_target = canonical_target(recorded_request.method, recorded_request.uri, rules.host_aliases)
        recorded_json = recorded_request.json
        recorded_body = _canonical(
            recorded_json, b"" if recorded_json is not None else recorded_request.body, rules
        )
        score = (0 if recorded_target == target else 1, _rough_distance(recorded_body, requested))
        if best_score is None or score < best_score:
            best, best_score = (position, recorded_target, recorded_body, interaction), score
    if best is None:
        return None
    position, recorded_target, recorded_body, interaction = best
    target_diffs = [] if recorded_target == target else [FieldDiff("request", recorded_target, target)]
    return NearestMatch(position, interaction, target_diffs + field_diffs(recorded_body, requested))


def _rough_distance(a: Any, b: Any) -> int:
    if isinstance(a, dict) and isinstance(b, dict):
        return sum(1 for k in set(a) | set(b) if a.get(k, _MISSING) != b.get(k, _MISSING))
    return 0 if a == b else 1
