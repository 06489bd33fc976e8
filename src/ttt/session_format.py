"""The JSON format of a saved chat session, and its validation.

Version 1 holds user/assistant text turns. Version 2 adds tool use: assistant turns carrying
``tool_calls`` (OpenAI's format, arguments as a JSON string), ``tool`` turns with results, and
the session's ``tools`` / ``tool_choice``. A session is written as version 1 whenever it uses
nothing of version 2, so files of text-only chats stay readable by older ttt releases; both
versions load.
"""

from __future__ import annotations

import json
from typing import Any

from ttt.errors import SessionFileError
from ttt.options import DEFAULT_TIMEOUT, CallOptions, Message

__all__ = ["FORMAT_VERSION", "dump", "parse"]

FORMAT_VERSION = 2  # the newest version written; see the module docstring
_TEXT_ROLES = ("user", "assistant")


def _uses_tools(options: CallOptions, messages: list[Message]) -> bool:
    return bool(options.tools) or any(m.get("role") == "tool" or "tool_calls" in m for m in messages)


def dump(options: CallOptions, messages: list[Message]) -> dict[str, Any]:
    """The session as JSON data. Runtime-only settings (retry policy, rate limiter, mock
    response, schema) are not persisted."""
    data: dict[str, Any] = {
        "version": 2 if _uses_tools(options, messages) else 1,
        "model": options.model,
        "system": options.system,
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
        "timeout": options.timeout,
        "fallbacks": None if options.fallbacks is None else list(options.fallbacks),
        "messages": [_copy(m) for m in messages],
    }
    if options.tools:
        data["tools"] = [_copy(t) for t in options.tools]
        data["tool_choice"] = options.tool_choice
    return data


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def _text_turn(m: Any) -> bool:
    return isinstance(m, dict) and m.get("role") in _TEXT_ROLES and isinstance(m.get("content"), str)


def _tool_call(c: Any) -> bool:
    function = c.get("function") if isinstance(c, dict) else None
    return (
        isinstance(function, dict)
        and isinstance(c.get("id"), str)
        and isinstance(function.get("name"), str)
        and isinstance(function.get("arguments"), str)
        and _json_object(function["arguments"])
    )


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def _v2_turn(m: Any) -> Message | None:
    """The message as it is kept in memory, or None when it is not a valid version-2 turn."""
    if not isinstance(m, dict):
        return None
    role = m.get("role")
    if role == "tool":
        if isinstance(m.get("tool_call_id"), str) and isinstance(m.get("content"), str):
            return {"role": "tool", "tool_call_id": m["tool_call_id"], "content": m["content"]}
        return None
    if role == "assistant" and "tool_calls" in m:
        calls = m["tool_calls"]
        content = m.get("content")
        if (
            isinstance(calls, list)
            and calls
            and all(_tool_call(c) for c in calls)
            and (content is None or isinstance(content, str))
        ):
            return {"role": "assistant", "content": content, "tool_calls": _copy(calls)}
        return None
    return {"role": m["role"], "content": m["content"]} if _text_turn(m) else None


def parse(data: Any, source: str) -> tuple[dict[str, Any], list[Message]]:
    """(CallOptions keywords, messages) from saved JSON data; SessionFileError naming ``source``."""
    if not isinstance(data, dict):
        raise SessionFileError(f"{source}: not a ttt chat session (expected a JSON object)")
    version = data.get("version")
    if version not in (1, 2) or isinstance(version, bool):
        raise SessionFileError(f"{source}: unsupported session version {version!r}")
    raw = data.get("messages")
    if not isinstance(raw, list):
        raise SessionFileError(f"{source}: 'messages' must be a list of turns")
    if version == 1:
        if not all(_text_turn(m) for m in raw):
            raise SessionFileError(f"{source}: 'messages' must be a list of user/assistant text turns")
        messages: list[Message] = [{"role": m["role"], "content": m["content"]} for m in raw]
    else:
        turns = [_v2_turn(m) for m in raw]
        bad = next((i for i, t in enumerate(turns) if t is None), None)
        if bad is not None:
            raise SessionFileError(
                f"{source}: messages[{bad}] is not a user/assistant text turn, an assistant turn with "
                "tool_calls, or a tool result"
            )
        messages = [t for t in turns if t is not None]
    model = data.get("model")
    if not isinstance(model, str) or not model:
        raise SessionFileError(f"{source}: missing 'model'")
    settings: dict[str, Any] = {
        "model": model,
        "system": data.get("system"),
        "temperature": data.get("temperature"),
        "max_tokens": data.get("max_tokens"),
        "timeout": data.get("timeout", DEFAULT_TIMEOUT),
        "fallbacks": data.get("fallbacks"),
    }
    if version == 2 and data.get("tools") is not None:
        settings["tools"] = data["tools"]
        settings["tool_choice"] = data.get("tool_choice")
    return settings, messages
