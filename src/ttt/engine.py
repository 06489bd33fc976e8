"""The single place where ttt calls litellm: request building, then retries and fallbacks.

Everything public (``ttt.ask``, sessions, the CLI) funnels into :func:`complete`,
:func:`acomplete`, :func:`stream_text` and :func:`astream_text`. All four walk the same
attempt schedule (:meth:`ttt.retry.RetryPolicy.attempts`), which decides retries, waits and
fallbacks in one place; each function only knows how to make one call.
"""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from ttt import _litellm
from ttt.assemble import StreamState, cost_of, to_response
from ttt.errors import AuthenticationError, TTTError, from_exception
from ttt.options import DEFAULT_TIMEOUT, CallOptions, Message
from ttt.response import AIResponse
from ttt.routing import Route, api_base, candidates, credentials
from ttt.structured import response_format

__all__ = [
    "DEFAULT_ANTHROPIC_MAX_TOKENS",
    "DEFAULT_TIMEOUT",
    "CallOptions",
    "Message",
    "acomplete",
    "astream_text",
    "complete",
    "cost_of",
    "request_kwargs",
    "stream_text",
    "to_response",
]

DEFAULT_ANTHROPIC_MAX_TOKENS = 4096


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
    head: list[Message] = [{"role": "system", "content": opts.system}] if opts.system else []
    kw: dict[str, Any] = {
        "model": route.litellm_model,
        "messages": [*head, *messages],
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
    if opts.tools:
        kw["tools"] = [copy.deepcopy(tool) for tool in opts.tools]
        if opts.tool_choice is not None:
            kw["tool_choice"] = copy.deepcopy(opts.tool_choice)
    if opts.schema is not None:
        kw["response_format"] = response_format(opts.schema)
    if opts.mock_response is not None:
        kw["mock_response"] = opts.mock_response
    return kw


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
    def text(m: Message) -> str:
        content = m.get("content")
        return content if isinstance(content, str) else ""

    if not messages or not any(text(m).strip() for m in messages if m.get("role") == "user"):
        raise ValueError("prompt must not be empty")


def _mapped(exc: Exception, route: Route) -> TTTError:
    return from_exception(exc, provider=route.provider, model=route.model)


# --------------------------------------------------------------------------- one-shot calls


def complete(messages: list[Message], opts: CallOptions) -> AIResponse:
    pairs = _routes_with_kwargs(messages, opts, stream=False)  # bad input fails before the import
    litellm = _litellm.get()
    limiter = opts.limiter
    started = time.perf_counter()
    for attempt in opts.policy.attempts(pairs):
        route, kw = attempt.target
        try:
            if limiter is not None:
                limiter.acquire()
            try:
                raw = litellm.completion(**kw)
            except Exception as exc:
                raise _mapped(exc, route) from exc
            return to_response(raw, route, time.perf_counter() - started, opts.schema)
        except TTTError as err:
            attempt.failed(err)
    raise AssertionError("unreachable: attempts() raises when it gives up")


async def acomplete(messages: list[Message], opts: CallOptions) -> AIResponse:
    """Async twin of :func:`complete`."""
    pairs = _routes_with_kwargs(messages, opts, stream=False)
    litellm = _litellm.get()
    limiter = opts.limiter
    started = time.perf_counter()
    async for attempt in opts.policy.aattempts(pairs):
        route, kw = attempt.target
        try:
            if limiter is not None:
                await limiter.aacquire()
            try:
                raw = await litellm.acompletion(**kw)
            except Exception as exc:
                raise _mapped(exc, route) from exc
            return to_response(raw, route, time.perf_counter() - started, opts.schema)
        except TTTError as err:
            attempt.failed(err)
    raise AssertionError("unreachable: aattempts() raises when it gives up")


# --------------------------------------------------------------------------- streams


def stream_text(
    messages: list[Message], opts: CallOptions, on_done: Callable[[AIResponse], None]
) -> Iterator[str]:
    """Yield text chunks; call ``on_done`` with the full AIResponse once the stream completes.

    Retries and fallbacks happen only before the first chunk reaches the caller: after that a
    retry would repeat text the caller already has, so the error is raised instead.
    """
    pairs = _routes_with_kwargs(messages, opts, stream=True)
    litellm = _litellm.get()
    limiter = opts.limiter
    started = time.perf_counter()
    for attempt in opts.policy.attempts(pairs):
        route, kw = attempt.target
        state = StreamState(route, opts.schema)
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
                raise _mapped(exc, route) from exc
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
            attempt.failed(err)
    raise AssertionError("unreachable: attempts() raises when it gives up")


async def astream_text(
    messages: list[Message], opts: CallOptions, on_done: Callable[[AIResponse], None]
) -> AsyncIterator[str]:
    """Async twin of :func:`stream_text`."""
    pairs = _routes_with_kwargs(messages, opts, stream=True)
    litellm = _litellm.get()
    limiter = opts.limiter
    started = time.perf_counter()
    async for attempt in opts.policy.aattempts(pairs):
        route, kw = attempt.target
        state = StreamState(route, opts.schema)
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
                raise _mapped(exc, route) from exc
            finally:
                aclose = getattr(response, "aclose", None)
                if callable(aclose):
                    await aclose()
            on_done(state.finish(started))
            return
        except TTTError as err:
            if state.parts:
                raise
            attempt.failed(err)
    raise AssertionError("unreachable: aattempts() raises when it gives up")
