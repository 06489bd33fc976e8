"""Turning what litellm returns (a response, or stream chunks) into an AIResponse, with its cost."""

from __future__ import annotations

import time
from typing import Any

from ttt import _litellm
from ttt.errors import ConnectionError
from ttt.response import AIResponse, Usage
from ttt.routing import Route

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


def to_response(raw: Any, route: Route, time_taken: float) -> AIResponse:
    choice = raw.choices[0]
    answered = getattr(raw, "model", None) or route.model
    usage = getattr(raw, "usage", None)
    return AIResponse(
        content=choice.message.content or "",
        model=answered,
        provider=route.provider,
        usage=Usage.from_litellm(usage),
        cost=cost_of(route, answered, usage, raw),
        time_taken=max(time_taken, 1e-9),
        finish_reason=getattr(choice, "finish_reason", None),
    )


# --------------------------------------------------------------------------- streams


class StreamState:
    """Accumulates one streamed attempt; turns the end of the stream into an AIResponse."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.parts: list[str] = []
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
        return AIResponse(
            content="".join(self.parts),
            model=answered,
            provider=route.provider,
            usage=Usage.from_litellm(self.usage),
            cost=cost_of(route, answered, self.usage),
            time_taken=max(time.perf_counter() - started, 1e-9),
            finish_reason=self.finish_reason,
        )
