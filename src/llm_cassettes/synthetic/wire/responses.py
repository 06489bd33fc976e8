"""OpenAI Responses API wire format (api.openai.com/v1/responses), as recorded in 2025-26.

The body is the ``response`` object, pretty-printed like every OpenAI body, echoing the request's
settings (instructions, tools, tool_choice, text format, temperature, ...). Its ``output`` lists a
``reasoning`` item (reasoning models), a ``message`` with one ``output_text`` part, and one
``function_call`` item per call (``fc_`` item id, ``call_`` call id, compact JSON ``arguments``).

Streamed, it is typed SSE: ``event: <type>`` + ``data: <compact json>`` whose keys are ``type`` then
the rest in alphabetical order, numbered by ``sequence_number`` from 0 and without ``[DONE]``:
response.created, response.in_progress, then per item response.output_item.added … done (with
content_part.added, output_text.delta*, output_text.done, content_part.done for a message, and
function_call_arguments.delta*, function_call_arguments.done for a call), then response.completed
(response.incomplete when max_output_tokens cut the text). Deltas carry ``obfuscation`` padding.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _common as common
from .tool_calls import WireCall, openai_fragments

PATH = "/v1/responses"
_HEX = "0123456789abcdef"


@dataclass(frozen=True)
class ResponsesTurn:
    """One Responses API answer, ready to render."""

    seed: str
    model: str  # the dated model id the API reports
    request: dict[str, Any]
    pieces: tuple[str, ...]  # the output text, as streamed
    calls: tuple[WireCall, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    reasoning_model: bool = False
    cut: bool = False  # max_output_tokens ended the text
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def _id(turn: ResponsesTurn, prefix: str, label: str) -> str:
    return prefix + common.token(turn.seed, label, 50, _HEX)


def response_id(turn: ResponsesTurn) -> str:
    return _id(turn, "resp_", "response")


def call_id(seed: str, index: int) -> str:
    return "call_" + common.token(seed, f"call-{index}", 24)


def _items(turn: ResponsesTurn, *, done: bool) -> list[dict[str, Any]]:
    """The output items; ``done`` gives their final state, else the state they are added in."""
    status = "completed" if done else "in_progress"
    items: list[dict[str, Any]] = []
    if turn.reasoning_model:
        items.append({"id": _id(turn, "rs_", "reasoning"), "type": "reasoning", "summary": []})
    if turn.text or not turn.calls:
        content = [_text_part(turn.text)] if done else []
        message_status = "incomplete" if done and turn.cut else status
        items.append(
            {
                "id": _id(turn, "msg_", "message"),
                "type": "message",
                "status": message_status,
                "content": content,
                "role": "assistant",
            }
        )
    for index, call in enumerate(turn.calls):
        items.append(
            {
                "id": _id(turn, "fc_", f"function-call-{index}"),
                "type": "function_call",
                "status": status,
                "arguments": call.compact if done else "",
                "call_id": call.id,
                "name": call.name,
            }
        )
    return items


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def _echo_tools(request: dict[str, Any]) -> list[dict[str, Any]]:
    tools = []
    for tool in request.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "function":
            tools.append(
                {
                    "type": "function",
                    "description": tool.get("description"),
                    "name": tool.get("name"),
                    "parameters": tool.get("parameters"),
                    "strict": tool.get("strict", True),
                }
            )
        elif isinstance(tool, dict):
            tools.append(tool)
    return tools


def _usage(turn: ResponsesTurn) -> dict[str, Any]:
    return {
        "input_tokens": turn.input_tokens,
        # cache_write_tokens: newer than the 2026-01 recordings, required by the current SDK's types.
        "input_tokens_details": {"cached_tokens": turn.cached_tokens, "cache_write_tokens": 0},
        "output_tokens": turn.output_tokens,
        "output_tokens_details": {"reasoning_tokens": turn.reasoning_tokens},
        "total_tokens": turn.input_tokens + turn.output_tokens,
    }


def response_object(turn: ResponsesTurn, *, final: bool, service_tier: str = "default") -> dict[str, Any]:
    request = turn.request
    text = request.get("text") if isinstance(request.get("text"), dict) else {}
    reasoning = request.get("reasoning") if isinstance(request.get("reasoning"), dict) else {}
    effort = reasoning.get("effort") or ("medium" if turn.reasoning_model else None)
    status = ("incomplete" if turn.cut else "completed") if final else "in_progress"
    return {
        "id": response_id(turn),
        "object": "response",
        "created_at": common.CREATED,
        "status": status,
        "background": bool(request.get("background", False)),
        "completed_at": common.CREATED + 1 if final else None,
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": {"reason": "max_output_tokens"} if final and turn.cut else None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "max_tool_calls": request.get("max_tool_calls"),
        "model": turn.model,
        "output": _items(turn, done=True) if final else [],
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "presence_penalty": 0.0,
        "previous_response_id": request.get("previous_response_id"),
        "prompt_cache_key": request.get("prompt_cache_key"),
        "prompt_cache_retention": None,
        "reasoning": {"effort": effort, "summary": reasoning.get("summary")},
        "safety_identifier": request.get("safety_identifier"),
        "service_tier": service_tier,
        "store": request.get("store", True),
        "temperature": float(request.get("temperature", 1.0)),
        "text": {
            "format": text.get("format") or {"type": "text"},
            "verbosity": text.get("verbosity", "medium"),
        },
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": _echo_tools(request),
        "top_logprobs": request.get("top_logprobs", 0),
        "top_p": float(request.get("top_p", 1.0)),
        "truncation": request.get("truncation", "disabled"),
        "usage": _usage(turn) if final else None,
        "user": request.get("user"),
        "metadata": request.get("metadata") or {},
    }


def body(turn: ResponsesTurn) -> bytes:
    return common.indented_json(response_object(turn, final=True), 2)


def _event(kind: str, sequence: int, **fields: Any) -> dict[str, Any]:
    """Real events list ``type`` first and every other key alphabetically."""
    fields["sequence_number"] = sequence
    return {"type": kind, **dict(sorted(fields.items()))}


def _obfuscated(turn: ResponsesTurn, event: dict[str, Any]) -> dict[str, Any]:
    fingerprint = json.dumps(event, sort_keys=True)
    padding = common.token(turn.seed + fingerprint, "obfuscation", 1 + len(fingerprint) % 11)
    rest = {key: value for key, value in event.items() if key != "type"}
    rest["obfuscation"] = padding
    return {"type": event["type"], **dict(sorted(rest.items()))}


def events(turn: ResponsesTurn) -> list[dict[str, Any]]:
    """Every event of the stream, in order, as JSON objects."""
    out: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> dict[str, Any]:
        event = _event(kind, len(out), **fields)
        out.append(event)
        return event

    emit("response.created", response=response_object(turn, final=False, service_tier="auto"))
    emit("response.in_progress", response=response_object(turn, final=False, service_tier="auto"))
    for index, (added, done) in enumerate(
        zip(_items(turn, done=False), _items(turn, done=True), strict=True)
    ):
        emit("response.output_item.added", item=added, output_index=index)
        if added["type"] == "message":
            item_id = added["id"]
            where = {"content_index": 0, "item_id": item_id, "output_index": index}
            emit("response.content_part.added", part=_text_part(""), **where)
            for piece in turn.pieces:
                event = _event("response.output_text.delta", len(out), delta=piece, logprobs=[], **where)
                out.append(_obfuscated(turn, event))
            emit("response.output_text.done", text=turn.text, logprobs=[], **where)
            emit("response.content_part.done", part=_text_part(turn.text), **where)
        elif added["type"] == "function_call":
            where = {"item_id": added["id"], "output_index": index}
            for fragment in openai_fragments(done["arguments"]):
                event = _event("response.function_call_arguments.delta", len(out), delta=fragment, **where)
                out.append(_obfuscated(turn, event))
            emit("response.function_call_arguments.done", arguments=done["arguments"], **where)
        emit("response.output_item.done", item=done, output_index=index)
    final = "response.incomplete" if turn.cut else "response.completed"
    emit(final, response=response_object(turn, final=True))
    return out


def sse(event: dict[str, Any]) -> bytes:
    return b"event: " + event["type"].encode() + b"\ndata: " + common.compact_json(event) + b"\n\n"


def stream_chunks(turn: ResponsesTurn) -> list[bytes]:
    return [sse(event) for event in events(turn)]


def event_types(chunks: Sequence[bytes]) -> list[str]:
    """The ``event:`` names of a rendered stream (for tests and truncation)."""
    return [chunk.split(b"\n", 1)[0].removeprefix(b"event: ").decode() for chunk in chunks]
