"""Tool (function) calling: the ToolCall value, parsing arguments, and assembling streamed calls.

Tools are given in OpenAI's format (``{"type": "function", "function": {"name", "description",
"parameters"}}``) and passed to litellm unchanged; litellm translates them for Anthropic. What
the model asks for comes back as :class:`ToolCall` values with the arguments already parsed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ttt.errors import ToolCallError

__all__ = ["ToolCall", "ToolCallAccumulator", "normalize_tool_choice", "normalize_tools", "tool_calls_of"]


@dataclass(frozen=True)
class ToolCall:
    """One call the model wants made: ``name`` with ``arguments`` (parsed from its JSON).

    ``id`` is the provider's call id; pass it back with the result
    (:meth:`ttt.ChatSession.add_tool_result`) so the model can match result to call.
    """

    id: str
    name: str
    arguments: dict[str, Any]

    def __hash__(self) -> int:  # arguments is a dict: hash its canonical JSON instead
        return hash((self.id, self.name, json.dumps(self.arguments, sort_keys=True, default=str)))

    def to_openai(self) -> dict[str, Any]:
        """The call in OpenAI's assistant-message format (arguments as a JSON string).

        Compact, key order preserved: the same call always serialises to the same bytes, so a
        conversation that sends it back produces a stable request body.
        """
        return {
            "id": self.id,
            "type": "function",
            "function": {
                "name": self.name,
                "arguments": json.dumps(self.arguments, ensure_ascii=False, separators=(",", ":")),
            },
        }


def parse_arguments(
    name: str, raw: Any, *, provider: str | None = None, model: str | None = None
) -> dict[str, Any]:
    """The arguments of a tool call as a dict; ToolCallError naming the tool when they are not
    a JSON object (a raw JSONDecodeError would not say which call of which model failed)."""
    if isinstance(raw, Mapping):
        return dict(raw)
    text = raw if isinstance(raw, str) else ""
    if not text.strip():
        return {}  # a call without parameters may arrive with no argument text at all
    where = f"tool call {name!r} from {provider or 'the model'}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolCallError(
            f"{where} has malformed JSON arguments ({exc.msg} at position {exc.pos}): {text[:200]!r}",
            tool=name,
            arguments=text,
            provider=provider,
            model=model,
        ) from exc
    if not isinstance(value, dict):
        raise ToolCallError(
            f"{where} has arguments that are not a JSON object: {text[:200]!r}",
            tool=name,
            arguments=text,
            provider=provider,
            model=model,
        )
    return value


def tool_calls_of(message: Any, *, provider: str | None, model: str | None) -> list[ToolCall]:
    """The ToolCalls of a litellm (non-streamed) response message; [] when it has none."""
    calls = []
    for raw in getattr(message, "tool_calls", None) or ():
        function = getattr(raw, "function", None)
        name = getattr(function, "name", None) or ""
        raw_arguments = getattr(function, "arguments", None)
        arguments = parse_arguments(name, raw_arguments, provider=provider, model=model)
        calls.append(ToolCall(id=getattr(raw, "id", None) or "", name=name, arguments=arguments))
    return calls


class ToolCallAccumulator:
    """Rebuilds tool calls from a stream's ``delta.tool_calls`` fragments.

    The first fragment of a call carries its ``index``, ``id`` and ``function.name``; later ones
    carry only the index and a piece of ``function.arguments``, to be concatenated in order.
    """

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def feed(self, fragments: Iterable[Any] | None) -> None:
        for fragment in fragments or ():
            index = getattr(fragment, "index", None)
            if not isinstance(index, int):
                # No index (some gateways): a fragment with an id starts a call, others continue the last.
                fresh = getattr(fragment, "id", None) or not self._calls
                index = len(self._calls) if fresh else max(self._calls)
            call = self._calls.setdefault(index, {"id": "", "name": "", "arguments": []})
            if getattr(fragment, "id", None):
                call["id"] = fragment.id
            function = getattr(fragment, "function", None)
            if getattr(function, "name", None):
                call["name"] = function.name
            piece = getattr(function, "arguments", None)
            if piece:
                call["arguments"].append(piece)

    def result(self, *, provider: str | None, model: str | None) -> list[ToolCall]:
        calls = []
        for index in sorted(self._calls):
            call = self._calls[index]
            raw = "".join(call["arguments"])
            arguments = parse_arguments(call["name"], raw, provider=provider, model=model)
            calls.append(ToolCall(id=call["id"], name=call["name"], arguments=arguments))
        return calls


def normalize_tools(tools: Iterable[Mapping[str, Any]] | None) -> tuple[dict[str, Any], ...] | None:
    """Tool definitions, checked and copied (a later change to the caller's dicts must not
    change what a call or a saved session sends). ValueError says which definition is bad."""
    if tools is None:
        return None
    if isinstance(tools, Mapping | str):
        raise ValueError("tools must be a list of tool definitions, not a single one")
    checked = []
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise ValueError(
                f"tools[{i}] must be an OpenAI-style definition: "
                '{"type": "function", "function": {"name": ..., "parameters": {...}}}'
            )
        checked.append(copy.deepcopy(dict(tool)))
    return tuple(checked)


def normalize_tool_choice(choice: Any, tools: tuple[dict[str, Any], ...] | None) -> Any:
    """``"auto"``, ``"none"``, ``"required"``, a bare tool name, or OpenAI's
    ``{"type": "function", "function": {"name": ...}}``; a bare name becomes the latter."""
    if choice is None:
        return None
    if not tools:
        raise ValueError("tool_choice needs tools=[...]")
    names = [t["function"]["name"] for t in tools]
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        if choice in names:
            return {"type": "function", "function": {"name": choice}}
        raise ValueError(f"tool_choice {choice!r} is not 'auto', 'none', 'required' or one of {names}")
    if isinstance(choice, Mapping):
        return copy.deepcopy(dict(choice))
    raise ValueError(f"tool_choice must be a string or a dict, not {type(choice).__name__}")
