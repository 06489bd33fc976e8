"""Turning what litellm returns (a response, or stream chunks) into an AIResponse, with its cost."""

from __future__ import annotations

import time
from typing import Any

from ttt import _litellm
from ttt.errors import ConnectionError
from ttt.response import AIResponse, Usage
from ttt.routing import Route
from ttt.structured import Schema, parse_answer
from ttt.tools import ToolCall, ToolCallAccumulator, tool_calls_of

__all__ = ["StreamState", "cost_of", "to_response"]


# --------------------------------------------------------------------------- cost


def _vendor_equivalents(route: Route, answered: str | None) -> list[str]:
    """Model names to price a response by, most specific first."""
    names: list[str] = []
    if answered:
        names.append(answered if route.provider == "openrouter" else f"{route.provider}/{answered}")
    names.append(route.litellm_model)
    if route.provider == "openrouter":
        # OpenRouter models are missing from litellm's bundled cost map (1.110.2); OpenRouter
        # passes vendor prices through, so the vendor's own entry is a fair estimate.
        bare = route.model.split("/", 1)[-1]
        names += [bare, bare.replace(".", "-")]
    return names


def cost_of(route: Route, answered: str | None, usage: Any, raw: Any = None) -> float | None:
    """USD cost of one exchange from litellm's cost data, or None when it is not known."""
    hidden = getattr(raw, "_hidden_params", None) or {}
    if isinstance(hidden.get("response_cost"), int | float):
        return float(hidden["response_cost"])
    reported = getattr(usage, "cost", None)  # OpenRouter's own figure (litellm asks for it)
    if isinstance(reported, int | float) and not isinstance(reported, bool):
        return float(reported)
    if usage is None:
        return None
    litellm = _litellm.get()
    for name in _vendor_equivalents(route, answered):
        try:
            prompt, completion = litellm.cost_per_token(
                model=name,
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            )
        except Exception:  # litellm raises several types for unmapped models; try the next name
            continue
        return float(prompt + completion)
    return None


def _parsed(
    schema: Schema | None,
    content: str,
    tool_calls: list[ToolCall],
    route: Route,
    finish_reason: str | None,
    refusal: str | None = None,
) -> Any:
    if schema is None:
        return None
    if tool_calls and not content.strip():
        return None  # the model is calling tools first; its structured answer comes later
    where = {"provider": route.provider, "model": route.model}
    return parse_answer(schema, content, finish_reason=finish_reason, refusal=refusal, **where)


def to_response(raw: Any, route: Route, time_taken: float, schema: Schema | None = None) -> AIResponse:
    """The AIResponse of a non-streamed litellm response (tool calls and ``schema`` parsed)."""
    choice = raw.choices[0]
    message = choice.message
    answered = getattr(raw, "model", None) or route.model
    usage = getattr(raw, "usage", None)
    content = message.content or ""
    finish_reason = getattr(choice, "finish_reason", None)
    tool_calls = tool_calls_of(message, provider=route.provider, model=route.model)
    refusal = getattr(message, "refusal", None)
    refusal = refusal if isinstance(refusal, str) else None  # OpenAI's structured-output refusal
    return AIResponse(
        content=content,
        model=answered,
        provider=route.provider,
        usage=Usage.from_litellm(usage),
        cost=cost_of(route, answered, usage, raw),
        time_taken=max(time_taken, 1e-9),
        finish_reason=finish_reason,
        tool_calls=tool_calls,
        parsed=_parsed(schema, content, tool_calls, route, finish_reason, refusal),
    )


# --------------------------------------------------------------------------- streams


class StreamState:
    """Accumulates one streamed attempt; turns the end of the stream into an AIResponse.

    Text deltas are handed straight back to be yielded; tool-call fragments are only collected,
    since a call is usable only once its arguments are complete.
    """

    def __init__(self, route: Route, schema: Schema | None = None) -> None:
        self.route = route
        self.schema = schema
        self.parts: list[str] = []
        self.tool_calls = ToolCallAccumulator()
        self.model: str | None = None
        self.usage: Any = None
        self.finish_reason: str | None = None

    def feed(self, chunk: Any) -> str:
        # litellm rewrites chunk.model to the requested name; the provider's own id (e.g.
        # gpt-4o-mini-2024-07-18) survives in the hidden params.
        hidden = getattr(chunk, "_hidden_params", None) or {}
        self.model = hidden.get("provider_response_model") or self.model or getattr(chunk, "model", None)
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = usage
        choices = getattr(chunk, "choices", None) or []
        if not choices:
            return ""
        choice = choices[0]
        if getattr(choice, "finish_reason", None):
            self.finish_reason = choice.finish_reason
        delta = getattr(choice, "delta", None)
        self.tool_calls.feed(getattr(delta, "tool_calls", None))
        text = getattr(delta, "content", None) or ""
        if text:
            self.parts.append(text)
        return text

    def finish(self, started: float) -> AIResponse:
        route = self.route
        if self.finish_reason is None:
            # litellm 1.110 raises this itself; the check stays in case a wrapper does not.
            raise ConnectionError(
                f"stream from {route.provider} ended before its finish reason (truncated response)",
                provider=route.provider,
                model=route.model,
            )
        answered = self.model or route.model
        content = "".join(self.parts)
        tool_calls = self.tool_calls.result(provider=route.provider, model=route.model)
        return AIResponse(
            content=content,
            model=answered,
            provider=route.provider,
            usage=Usage.from_litellm(self.usage),
            cost=cost_of(route, answered, self.usage),
            time_taken=max(time.perf_counter() - started, 1e-9),
            finish_reason=self.finish_reason,
            tool_calls=tool_calls,
            parsed=_parsed(self.schema, content, tool_calls, route, self.finish_reason),
        )
