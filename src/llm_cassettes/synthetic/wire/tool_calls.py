"""Tool calls and reasoning blocks on each chat wire, shaped as the reference recordings show them.

- OpenAI chat: ``message.tool_calls`` with compact JSON ``arguments`` and ``content: null``; streamed,
  the first delta of a call carries ``id``, ``type`` and ``name`` with ``arguments: ""``, then one delta
  per argument fragment (``{"``, ``a``, ``":``, ``123``, ``1`` …) with only ``index`` and
  ``function.arguments``; ``finish_reason: "tool_calls"``.
- OpenRouter: the same calls with ``index`` kept on non-streamed calls and ``content: ""``; streamed,
  every delta repeats ``"role": "assistant", "content": null``, and the arguments arrive whole in the
  call's second chunk, with ``type`` after ``function``.
- Anthropic: ``tool_use`` content blocks (``toolu_01…`` ids, ``input`` as an object), streamed as a
  ``content_block_start`` with ``input: {}`` and ``input_json_delta`` fragments whose first is ``""``
  (the JSON has a space after ``:`` and ``,``); ``thinking`` blocks carry a ``signature`` and stream
  as ``thinking_delta`` then one ``signature_delta``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from . import _common as common
from ._common import WireCall


def openai_call_id(seed: str, index: int) -> str:
    return "call_" + common.token(seed, f"call-{index}", 24)


def anthropic_tool_id(seed: str, index: int) -> str:
    return "toolu_01" + common.token(seed, f"toolu-{index}", 22)


def signature(seed: str) -> str:
    """An opaque, base64 thinking signature (real ones are a few hundred characters)."""
    raw = b"".join(hashlib.sha256(f"{seed}:signature:{i}".encode()).digest() for i in range(6))
    return base64.b64encode(raw).decode()


# OpenAI streams arguments in token-sized fragments: a quote-and-brace, a key, `":`, digits in threes.
_OPENAI_FRAGMENT = re.compile(r'\{"|,"|":|"[,}]|\d{1,3}|[^\W\d]+|\s+|.', re.DOTALL)
# Anthropic streams arguments in chunks of a few characters, cutting anywhere.
_ANTHROPIC_CHUNKS = (9, 12, 5)


def openai_fragments(arguments: str) -> list[str]:
    return _OPENAI_FRAGMENT.findall(arguments)


def anthropic_fragments(arguments: str) -> list[str]:
    pieces, start, turn = [""], 0, 0
    while start < len(arguments):
        size = _ANTHROPIC_CHUNKS[turn % len(_ANTHROPIC_CHUNKS)]
        pieces.append(arguments[start : start + size])
        start, turn = start + size, turn + 1
    return pieces


def completion_tokens(calls: Sequence[WireCall]) -> int:
    """What the calls cost in output tokens: their fragments plus a few per call for name and framing."""
    return sum(len(openai_fragments(call.compact)) + 5 for call in calls)


# --- OpenAI chat completions ---------------------------------------------------------------------


def openai_message(text: str, calls: Sequence[WireCall]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.compact}}
            for c in calls
        ]
    message.update({"refusal": None, "annotations": []})
    return message


def openai_deltas(calls: Sequence[WireCall]) -> list[dict[str, Any]]:
    """The deltas that stream the calls; the first one opens the assistant message."""
    deltas: list[dict[str, Any]] = []
    for index, call in enumerate(calls):
        opening = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        if index == 0:
            deltas.append({"role": "assistant", "content": None, "tool_calls": [opening], "refusal": None})
        else:
            deltas.append({"tool_calls": [opening]})
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
            for fragment in openai_fragments(call.compact)
        ]
    return deltas


# --- OpenRouter ------------------------------------------------------------------------------------


def openrouter_tool_calls(calls: Sequence[WireCall]) -> list[dict[str, Any]]:
    return [
        {"index": i, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.compact}}
        for i, c in enumerate(calls)
    ]


def openrouter_deltas(calls: Sequence[WireCall]) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = []
    for index, call in enumerate(calls):
        opening = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        whole = {"index": index, "function": {"arguments": call.compact}, "type": "function"}
        deltas.append({"role": "assistant", "content": None, "tool_calls": [opening]})
        deltas.append({"role": "assistant", "content": None, "tool_calls": [whole]})
    return deltas


# --- Anthropic messages ----------------------------------------------------------------------------


def anthropic_blocks(
    text: str, calls: Sequence[WireCall], thinking: str | None, thinking_signature: str
) -> list[dict[str, Any]]:
    """The message's content blocks: thinking, then text, then one tool_use per call."""
    blocks: list[dict[str, Any]] = []
    if thinking is not None:
        blocks.append({"type": "thinking", "thinking": thinking, "signature": thinking_signature})
    if text or not calls:
        blocks.append({"type": "text", "text": text})
    blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in calls]
    return blocks


def anthropic_block_events(
    text_pieces: Sequence[str], calls: Sequence[WireCall], thinking: str | None, thinking_signature: str
) -> list[tuple[str, dict[str, Any] | None]]:
    """(event name, data) for every content block, in order; ``("ping", None)`` marks the ping,
    which the API sends right after the first block opens."""
    events: list[tuple[str, dict[str, Any] | None]] = []
    index = 0

    def block(start: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        nonlocal index
        events.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
        )
        if index == 0:
            events.append(("ping", None))
        events.extend(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            for delta in deltas
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1

    if thinking is not None:
        pieces = _chunks(thinking, 24)
        block(
            {"type": "thinking", "thinking": "", "signature": ""},
            [{"type": "thinking_delta", "thinking": p} for p in pieces]
            + [{"type": "signature_delta", "signature": thinking_signature}],
        )
    if text_pieces or not calls:
        block({"type": "text", "text": ""}, [{"type": "text_delta", "text": p} for p in text_pieces])
    for call in calls:
        block(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": {}},
            [{"type": "input_json_delta", "partial_json": f} for f in anthropic_fragments(call.spaced)],
        )
    return events


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
