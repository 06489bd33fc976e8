"""Drift in JSON bodies: key shape, value types, enum-like values, and tool calls.

Differences land in a :class:`Findings`: ``shape`` for what client code can notice, ``reworded`` for
content (text, ids, counts) that changes on every recording.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# JSON fields whose value is an enum the client branches on, not generated content.
_ENUM_KEYS = frozenset({"finish_reason", "stop_reason", "native_finish_reason", "type", "object", "role"})
_TOOL_BLOCK_TYPES = frozenset({"tool_use", "server_tool_use"})
# Fields that flip between null and a string without meaning anything to a client.
_NULLABLE_NOISE = frozenset({"system_fingerprint"})


@dataclass
class Findings:
    """Reasons collected while comparing one interaction, split by how much they matter."""

    shape: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)

    def absorb_as_reworded(self, other: Findings) -> None:
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


def _diff_json(old: Any, new: Any, path: str, out: Findings, ctx: _Ctx = _Ctx()) -> None:
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


def _diff_objects(old: dict[str, Any], new: dict[str, Any], path: str, out: Findings, ctx: _Ctx) -> None:
    out.shape.extend(f"{path}.{key}: removed" for key in old if key not in new)
    out.shape.extend(f"{path}.{key}: added" for key in new if key not in old)
    for key in old:
        if key in new:
            _diff_json(old[key], new[key], f"{path}.{key}", out, ctx.child(key, new))


def _diff_arrays(old: list[Any], new: list[Any], path: str, out: Findings, ctx: _Ctx) -> None:
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


def _diff_tool_calls(old: list[str], new: list[str], out: Findings) -> None:
    if old != new:
        out.shape.append(f"tool calls: {', '.join(old) or 'none'} → {', '.join(new) or 'none'}")
