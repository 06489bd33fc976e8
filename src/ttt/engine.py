"""The single place where ttt calls litellm: request building, fallbacks, retries, responses.

Everything public (``ttt.ask``, sessions, the CLI) funnels into :func:`complete`,
:func:`acomplete`, :func:`stream_text` and :func:`astream_text`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ttt import _litellm
from ttt.errors import AuthenticationError, ConnectionError, TTTError, from_exception
from ttt.response import AIResponse, Usage
from ttt.retry import RateLimiter, RetryPolicy, get_default_policy, get_default_rate_limiter
from ttt.routing import Route, api_base, candidates, credentials

Message = dict[str, str]

DEFAULT_TIMEOUT = 60.0
DEFAULT_ANTHROPIC_MAX_TOKENS = 4096


@dataclass(frozen=True)
class CallOptions:
    """Everything about a call except the messages."""

    model: str = "fast"
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    fallbacks: tuple[str, ...] | None = None  # None: the alias's own fallbacks
    retry: RetryPolicy | None = None
    rate_limiter: RateLimiter | None = None
    mock_response: str | None = None  # answer via litellm's mock (offline, no key needed)

    @property
    def policy(self) -> RetryPolicy:
        return self.retry or get_default_policy()

    @property
    def limiter(self) -> RateLimiter | None:
        return self.rate_limiter or get_default_rate_limiter()


def request_kwargs(
    route: Route, messages: list[Message], opts: CallOptions, *, stream: bool
) -> dict[str, Any]:
    """The litellm.completion keyword arguments for one route. Deterministic by construction:
    nothing random or time-based goes into the request body (record/replay matches on it)."""
    if opts.mock_response is not None:
        # Offline: no key is needed, but a present one is harmless (never sent anywhere).
        try:
            key, base = credentials(route)
        except AuthenticationError:
            key, base = "offline-mock-key", api_base(route)
    else:
        key, base = credentials(route)
    kw: dict[str, Any] = {
        "model": route.litellm_model,
        "messages": messages,
        "api_key": key,
        "api_base": base,
        # ttt.retry is the only retry layer: no hidden SDK retries (and no real sleeps) below us.
        "max_retries": 0,
    }
    if opts.timeout is not None:
        kw["timeout"] = opts.timeout
    if opts.temperature is not None:
        kw["temperature"] = opts.temperature
    if opts.max_tokens is not None:
        kw["max_tokens"] = opts.max_tokens
    elif route.provider == "anthropic":
        # Anthropic requires max_tokens; litellm would fill in the model's maximum from its
        # cost map (64000 for Sonnet 4.5), which changes with litellm versions and would make
        # recorded request bodies drift. A fixed default keeps them stable.
        kw["max_tokens"] = DEFAULT_ANTHROPIC_MAX_TOKENS
    if stream:
        kw["stream"] = True
        # Without this, OpenAI-style streams carry no token usage at all. For Anthropic litellm
        # does not forward it (the body is unchanged) but then reports the usage Anthropic sent.
        kw["stream_options"] = {"include_usage": True}
    if opts.mock_response is not None:
        kw["mock_response"] = opts.mock_response
    return kw


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


# --------------------------------------------------------------------------- fallbacks


def _routes_with_kwargs(
    messages: list[Message], opts: CallOptions, *, stream: bool
) -> list[tuple[Route, dict[str, Any]]]:
    """(route, kwargs) for the primary and each fallback that has a key.

    A missing key for the primary is an error; a fallback without a key is skipped, since
    fallbacks exist to ride out transient failures, not to demand every provider's key.
    """
    _check_prompt(messages)
    pairs = []
    for i, route in enumerate(candidates(opts.model, opts.fallbacks)):
        try:
            pairs.append((route, request_kwargs(route, messages, opts, stream=stream)))
        except AuthenticationError:
            if i == 0:
                raise
    return pairs


def _check_prompt(messages: list[Message]) -> None:
    if not messages or not any(m.get("content", "").strip() for m in messages if m.get("role") == "user"):
        raise ValueError("prompt must not be empty")


# --------------------------------------------------------------------------- one-shot calls


def complete(messages: list[Message], opts: CallOptions) -> AIResponse:
    pairs = _routes_with_kwargs(messages, opts, stream=False)  # bad input fails before the import
    litellm = _litellm.get()
    policy, limiter = opts.policy, opts.limiter
    started = time.perf_counter()
    last: TTTError | None = None
    for route, kw in pairs:

        def once(route: Route = route, kw: dict[str, Any] = kw) -> AIResponse:
            if limiter is not None:
                limiter.acquire()
            try:
                raw = litellm.completion(**kw)
            except Exception as exc:
                raise from_exception(exc, provider=route.provider, model=route.model) from exc
            return to_response(raw, route, time.perf_counter() - started)

        try:
            return policy.call(once)
        except TTTError as err:
            if not err.retryable:
                raise
            last = err  # transient failure survived the retries: try the next fallback
    assert last is not None
    raise last


async def acomplete(messages: list[Message], opts: CallOptions) -> AIResponse:
    pairs = _routes_with_kwargs(messages, opts, stream=False)  # bad input fails before the import
    litellm = _litellm.get()
    policy, limiter = opts.policy, opts.limiter
    started = time.perf_counter()
    last: TTTError | None = None
    for route, kw in pairs:

        async def once(route: Route = route, kw: dict[str, Any] = kw) -> AIResponse:
            if limiter is not None:
                await limiter.aacquire()
            try:
                raw = await litellm.acompletion(**kw)
            except Exception as exc:
                raise from_exception(exc, provider=route.provider, model=route.model) from exc
            return to_response(raw, route, time.perf_counter() - started)

        try:
            return await policy.acall(once)
        except TTTError as err:
            if not err.retryable:
                raise
            last = err
    assert last is not None
    raise last


# --------------------------------------------------------------------------- streams


class _StreamState:
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


def stream_text(
    messages: list[Message], opts: CallOptions, on_done: Callable[[AIResponse], None]
) -> Iterator[str]:
    """Yield text chunks; call ``on_done`` with the full AIResponse once the stream completes.

    Retries and fallbacks happen only before the first chunk reaches the caller: after that a
    retry would repeat text the caller already has, so the error is raised instead.
    """
    pairs = _routes_with_kwargs(messages, opts, stream=True)
    litellm = _litellm.get()
    policy, limiter = opts.policy, opts.limiter
    started = time.perf_counter()
    last: TTTError | None = None
    for route, kw in pairs:
        first_try = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            state = _StreamState(route)
            try:
                if limiter is not None:
                    limiter.acquire()
                response: Any = None
                try:
                    response = litellm.completion(**kw)
                    for chunk in response:
                        text = state.feed(chunk)
                        if text:
                            yield text
                except Exception as exc:
                    raise from_exception(exc, provider=route.provider, model=route.model) from exc
                finally:
                    # The caller may stop early (break): release the HTTP connection now.
                    close = getattr(response, "close", None)
                    if callable(close):
                        close()
                on_done(state.finish(started))
                return
            except TTTError as err:
                if state.parts:
                    raise
                delay = policy.next_delay(attempt, err, first_try)
                if delay is None:
                    if not err.retryable:
                        raise
                    last = err
                    break  # next fallback
                policy.sleep(delay)
    assert last is not None
    raise last


async def astream_text(
    messages: list[Message], opts: CallOptions, on_done: Callable[[AIResponse], None]
) -> AsyncIterator[str]:
    """Async twin of :func:`stream_text`."""
    pairs = _routes_with_kwargs(messages, opts, stream=True)
    litellm = _litellm.get()
    policy, limiter = opts.policy, opts.limiter
    started = time.perf_counter()
    last: TTTError | None = None
    for route, kw in pairs:
        first_try = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            state = _StreamState(route)
            try:
                if limiter is not None:
                    await limiter.aacquire()
                response: Any = None
                try:
                    response = await litellm.acompletion(**kw)
                    async for chunk in response:
                        text = state.feed(chunk)
                        if text:
                            yield text
                except Exception as exc:
                    raise from_exception(exc, provider=route.provider, model=route.model) from exc
                finally:
                    aclose = getattr(response, "aclose", None)
                    if callable(aclose):
                        await aclose()
                on_done(state.finish(started))
                return
            except TTTError as err:
                if state.parts:
                    raise
                delay = policy.next_delay(attempt, err, first_try)
                if delay is None:
                    if not err.retryable:
                        raise
                    last = err
                    break
                await policy.async_sleep(delay)
    assert last is not None
    raise last
