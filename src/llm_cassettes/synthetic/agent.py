"""The emulated model's agent behaviour: when it calls tools, with what, and how it uses their results.

Pure functions of the request, so a request sequence always gets the same turns. Each provider's
request shape is first read into one :class:`Conversation` (``from_chat`` for OpenAI and OpenRouter
chat completions, ``from_messages`` for Anthropic, ``from_responses`` for the OpenAI Responses API);
:func:`plan` then decides the turn. The rules (also in the README):

1. The last message holds tool results and no tool is forced: answer in text that quotes them
   ("The result is 2869461."), ending the loop with stop / end_turn.
2. Tools are offered and ``tool_choice`` is not "none":
   - a named tool (OpenAI ``{"type": "function", ...}``, Anthropic ``{"type": "tool"}``): call it;
   - otherwise the tools the last user message *names* (``get_weather`` or "get weather"), in the
     order they are named: several are parallel calls, unless parallel calls are off;
   - otherwise the one tool with most words of its name in the message ("weather"; words of four
     letters or more; ties go to the first declared tool);
   - otherwise, when a tool is required (``"required"``, Anthropic ``{"type": "any"}``), the first
     tool; under ``"auto"`` no tool: the answer is text.
   Arguments come from the tool's JSON schema (:mod:`llm_cassettes.synthetic.arguments`), filled
   with the numbers and names of the last user message. A forced ``json_tool_call`` (how litellm
   asks Anthropic for ``response_format`` output) is filled like structured output (rule 3).
3. A JSON schema output format (``response_format`` json_schema, Responses ``text.format``,
   Anthropic ``output_format``): the text is a compact JSON value valid against the schema, filled
   from the default responder's answer, then the message. ``json_object``: ``{"answer": <answer>}``.
4. Otherwise the default responder answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .arguments import Hints, generate
from .responder import answer, message_text


@dataclass(frozen=True)
class Tool:
    name: str
    parameters: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class ToolResult:
    call_id: str
    name: str
    content: str


@dataclass(frozen=True)
class Conversation:
    """What any provider's request says, in one shape."""

    messages: tuple[dict[str, str], ...]  # {"role": "user"|"assistant"|"system", "content": text}
    tools: tuple[Tool, ...] = ()
    tool_choice: str = "auto"  # "auto" | "none" | "required"
    forced_tool: str | None = None
    parallel: bool = True
    results: tuple[ToolResult, ...] = ()  # tool results after the model's last turn
    output_schema: dict[str, Any] | None = None
    output_name: str = "output"
    json_object: bool = False
    thinking_budget: int | None = None  # Anthropic extended thinking
    reasoning_effort: str | None = None  # OpenAI reasoning models

    @property
    def last_user_text(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")


@dataclass(frozen=True)
class PlannedCall:
    name: str
    arguments: dict[str, Any]

    @property
    def arguments_json(self) -> str:
        """The arguments as OpenAI-style compact JSON (the form most wires carry)."""
        return json.dumps(self.arguments, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Plan:
    """One turn of the emulated model: text, tool calls (either may be empty) and its reasoning."""

    text: str
    calls: tuple[PlannedCall, ...] = ()
    thinking: str | None = None
    extras: dict[str, Any] = field(default_factory=dict, compare=False)


def plan(conversation: Conversation) -> Plan:
    """The turn the emulated model takes for this conversation (rules in the module docstring)."""
    text, calls = _decide(conversation)
    thinking = _thinking(conversation, calls) if conversation.thinking_budget else None
    return Plan(text=text, calls=calls, thinking=thinking)


def _decide(conv: Conversation) -> tuple[str, tuple[PlannedCall, ...]]:
    forced = conv.forced_tool is not None or conv.tool_choice == "required"
    if conv.results and not forced:
        return _use_results(conv.results), ()
    if conv.tools and conv.tool_choice != "none":
        chosen = _choose_tools(conv)
        if chosen:
            texts = [conv.last_user_text]
            if [tool.name for tool in chosen] == [STRUCTURED_OUTPUT_TOOL]:
                texts.insert(0, answer(list(conv.messages)))  # structured output through a tool
            hints = Hints.from_texts(texts)
            return "", tuple(
                PlannedCall(tool.name, generate(tool.parameters, owner=f"tool {tool.name!r}", hints=hints))
                for tool in chosen
            )
    reply = answer(list(conv.messages))
    if conv.output_schema is not None:
        hints = Hints.from_texts([reply, conv.last_user_text])
        value = generate(conv.output_schema, owner=f"output schema {conv.output_name!r}", hints=hints)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False), ()
    if conv.json_object:
        return json.dumps({"answer": reply}, separators=(",", ":"), ensure_ascii=False), ()
    return reply, ()


def _use_results(results: tuple[ToolResult, ...]) -> str:
    if len(results) == 1:
        return f"The result is {results[0].content}."
    return "The results are: " + "; ".join(f"{r.name}: {r.content}" for r in results) + "."


# The tool litellm (and others) force on Anthropic to get ``response_format`` output.
STRUCTURED_OUTPUT_TOOL = "json_tool_call"
_SPLIT_NAME = re.compile(r"[_\-\s.]+|(?<=[a-z])(?=[A-Z])")


def _choose_tools(conv: Conversation) -> list[Tool]:
    by_name = {tool.name: tool for tool in conv.tools}
    if conv.forced_tool is not None:
        return [by_name[conv.forced_tool]] if conv.forced_tool in by_name else []
    message = conv.last_user_text.lower()
    named = []
    for tool in conv.tools:
        spaced = " ".join(w.lower() for w in _SPLIT_NAME.split(tool.name) if w)
        positions = [m.start() for form in {tool.name.lower(), spaced} for m in _mentions(form, message)]
        if positions:
            named.append((min(positions), tool))
    chosen = [tool for _, tool in sorted(named, key=lambda pair: pair[0])]
    if not chosen:
        scores = [(_word_score(tool.name, message), -i, tool) for i, tool in enumerate(conv.tools)]
        best = max(scores, key=lambda s: (s[0], s[1]))
        if best[0] > 0:
            chosen = [best[2]]
    if not chosen and conv.tool_choice == "required":
        chosen = [conv.tools[0]]
    return chosen if conv.parallel else chosen[:1]


def _mentions(form: str, message: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"(?<![\w]){re.escape(form)}(?![\w])", message))


def _word_score(name: str, message: str) -> int:
    words = {w.lower() for w in _SPLIT_NAME.split(name) if len(w) >= 4}
    return sum(1 for word in words if _mentions(word, message))


def _thinking(conv: Conversation, calls: tuple[PlannedCall, ...]) -> str:
    question = conv.last_user_text.strip() or "the conversation"
    if calls:
        return f"The user asks: {question} I should call {', '.join(c.name for c in calls)}."
    if conv.results:
        return f"The tool returned its result; I will report it to the user. The user asked: {question}"
    return f"The user asks: {question} I will answer directly."


# --- request shapes -----------------------------------------------------------------------------


def _text(content: Any) -> str:
    return message_text(content)


def from_chat(body: dict[str, Any]) -> Conversation:
    """An OpenAI (or OpenRouter) chat completions request."""
    messages: list[dict[str, str]] = []
    names: dict[str, str] = {}
    results: list[ToolResult] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            call_id = str(message.get("tool_call_id", ""))
            results.append(ToolResult(call_id, names.get(call_id, "tool"), _text(message.get("content"))))
            continue
        results = []  # only results after the model's last turn are pending
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                names[str(call.get("id"))] = str((call.get("function") or {}).get("name", "tool"))
        if role in ("user", "assistant", "system", "developer"):
            messages.append(
                {"role": "system" if role == "developer" else role, "content": _text(message.get("content"))}
            )
    tools = tuple(
        Tool(
            str(fn.get("name")),
            fn.get("parameters") or {"type": "object", "properties": {}},
            str(fn.get("description") or ""),
        )
        for tool in body.get("tools") or []
        if isinstance(tool, dict) and isinstance(fn := tool.get("function"), dict)
    )
    choice, forced = _openai_choice(body.get("tool_choice"), tools)
    schema, name, json_object = _openai_format(body.get("response_format"))
    return Conversation(
        messages=tuple(messages),
        tools=tools,
        tool_choice=choice,
        forced_tool=forced,
        parallel=body.get("parallel_tool_calls") is not False,
        results=tuple(results),
        output_schema=schema,
        output_name=name,
        json_object=json_object,
        reasoning_effort=body.get("reasoning_effort")
        if isinstance(body.get("reasoning_effort"), str)
        else None,
    )


def _openai_choice(choice: Any, tools: tuple[Tool, ...]) -> tuple[str, str | None]:
    if isinstance(choice, dict):
        function = choice.get("function") if isinstance(choice.get("function"), dict) else choice
        return "required", str(function.get("name"))
    if choice in ("none", "required", "auto"):
        return choice, None
    return "auto", None


def _openai_format(fmt: Any) -> tuple[dict[str, Any] | None, str, bool]:
    if not isinstance(fmt, dict):
        return None, "output", False
    if fmt.get("type") == "json_object":
        return None, "output", True
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") if isinstance(fmt.get("json_schema"), dict) else fmt
        return spec.get("schema") or {}, str(spec.get("name") or "output"), False
    return None, "output", False


def from_messages(body: dict[str, Any]) -> Conversation:
    """An Anthropic messages request."""
    messages: list[dict[str, str]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _text(system)})
    names: dict[str, str] = {}
    results: list[ToolResult] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        for block in blocks:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                names[str(block.get("id"))] = str(block.get("name"))
        found = [
            ToolResult(
                str(b.get("tool_use_id")),
                names.get(str(b.get("tool_use_id")), "tool"),
                _text(b.get("content")),
            )
            for b in blocks
            if isinstance(b, dict) and b.get("type") == "tool_result"
        ]
        results = found
        text = (
            _text([b for b in blocks if not (isinstance(b, dict) and b.get("type") == "tool_result")])
            if blocks
            else _text(content)
        )
        if message.get("role") in ("user", "assistant") and (text or not found):
            messages.append({"role": str(message["role"]), "content": text})
    tools = tuple(
        Tool(str(t.get("name")), t.get("input_schema") or {"type": "object"}, str(t.get("description") or ""))
        for t in body.get("tools") or []
        if isinstance(t, dict) and "input_schema" in t  # server tools (web search, ...) have none
    )
    choice = body.get("tool_choice") if isinstance(body.get("tool_choice"), dict) else {}
    kind = choice.get("type", "auto")
    thinking = body.get("thinking") if isinstance(body.get("thinking"), dict) else {}
    output = body.get("output_format") if isinstance(body.get("output_format"), dict) else {}
    return Conversation(
        messages=tuple(messages),
        tools=tools,
        tool_choice={"any": "required", "tool": "required", "none": "none"}.get(kind, "auto"),
        forced_tool=str(choice.get("name")) if kind == "tool" else None,
        parallel=not choice.get("disable_parallel_tool_use", False),
        results=tuple(results),
        output_schema=output.get("schema") if output.get("type") == "json_schema" else None,
        thinking_budget=int(thinking.get("budget_tokens") or 0)
        if thinking.get("type") == "enabled"
        else None,
    )


def from_responses(body: dict[str, Any]) -> Conversation:
    """An OpenAI Responses API request (``input`` items, ``instructions``, flat function tools)."""
    messages: list[dict[str, str]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": _text(body["instructions"])})
    items = body.get("input")
    items = [{"role": "user", "content": items}] if isinstance(items, str) else items or []
    names: dict[str, str] = {}
    results: list[ToolResult] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "function_call":
            names[str(item.get("call_id"))] = str(item.get("name"))
            results = []
        elif kind == "function_call_output":
            call_id = str(item.get("call_id"))
            output = item.get("output")
            results.append(
                ToolResult(
                    call_id, names.get(call_id, "tool"), output if isinstance(output, str) else _text(output)
                )
            )
        elif kind == "message" and item.get("role") in ("user", "assistant", "system", "developer"):
            results = []
            role = "system" if item["role"] == "developer" else str(item["role"])
            messages.append({"role": role, "content": _text(item.get("content"))})
    tools = tuple(
        Tool(
            str(t.get("name")),
            t.get("parameters") or {"type": "object", "properties": {}},
            str(t.get("description") or ""),
        )
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function"
    )
    choice, forced = _openai_choice(body.get("tool_choice"), tools)
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    schema, name, json_object = _openai_format(text.get("format"))
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    return Conversation(
        messages=tuple(messages),
        tools=tools,
        tool_choice=choice,
        forced_tool=forced,
        parallel=body.get("parallel_tool_calls") is not False,
        results=tuple(results),
        output_schema=schema,
        output_name=name,
        json_object=json_object,
        reasoning_effort=reasoning.get("effort") if isinstance(reasoning.get("effort"), str) else None,
    )
