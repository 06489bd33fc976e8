"""Drift in server-sent event streams: the sequence of (event name, key shape), with repeats collapsed."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .json_shape import Findings, _diff_json, _fmt, _signature, _type_name


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


def _diff_sse(old: list[_Event], new: list[_Event], out: Findings) -> None:
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


def _diff_event(old: _Event, new: _Event, out: Findings) -> None:
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
    out: Findings,
) -> None:
    if old_count != new_count:
        out.reworded.append(f"sse: {old_count} → {new_count} events")
    for (_, a), (_, b) in zip(old_runs, new_runs, strict=True):
        # Equal-length runs pair one for one; otherwise compare the ends, which hold ids and counts.
        pairs = zip(a, b, strict=True) if len(a) == len(b) else ((a[0], b[0]), (a[-1], b[-1]))
        for x, y in pairs:
            _diff_event(x, y, out)
