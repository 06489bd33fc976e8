"""Public one-shot API: ask / stream / chat, sync and async."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ttt import engine
from ttt.engine import DEFAULT_TIMEOUT, CallOptions, Message
from ttt.errors import TTTError
from ttt.response import AIResponse
from ttt.retry import RateLimiter, RetryPolicy
from ttt.session import ChatSession
from ttt.streaming import AsyncTextStream, TextStream

__all__ = ["aask", "achat", "ask", "astream", "chat", "stream"]


def _messages(prompt: str, system: str | None) -> list[Message]:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    messages: list[Message] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": prompt})
    return messages


def _options(
    model: str,
    temperature: float | None,
    max_tokens: int | None,
    timeout: float | None,
    fallbacks: Sequence[str] | None,
    retry: RetryPolicy | None,
    rate_limiter: RateLimiter | None,
    mock_response: str | None,
) -> CallOptions:
    return CallOptions(
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        fallbacks=None if fallbacks is None else tuple(fallbacks),
        retry=retry,
        rate_limiter=rate_limiter,
        mock_response=mock_response,
    )


def ask(
    prompt: str,
    *,
    model: str = "fast",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallbacks: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    rate_limiter: RateLimiter | None = None,
    mock_response: str | None = None,
    raise_errors: bool = True,
) -> AIResponse:
    """Ask one question, get one AIResponse.

    ``model`` is an alias (``fast``, ``best``, ``claude``, ``gpt``, ``or-fast``, ...) or a model
    string (``gpt-4o-mini``, ``claude-haiku-4-5-20251001``, ``openrouter/openai/gpt-4o-mini``).
    ``fallbacks`` replaces the alias's fallback list. ``mock_response`` answers offline through
    litellm's mock (no key, no network). With ``raise_errors=False`` a failed call returns a
    falsy AIResponse with ``succeeded=False`` and ``error`` set instead of raising.
    """
    messages = _messages(prompt, system)
    opts = _options(model, temperature, max_tokens, timeout, fallbacks, retry, rate_limiter, mock_response)
    started = time.perf_counter()
    try:
        return engine.complete(messages, opts)
    except TTTError as err:
        if raise_errors:
            raise
        return AIResponse.failed(
            err, model=err.model, provider=err.provider, time_taken=time.perf_counter() - started
        )


async def aask(
    prompt: str,
    *,
    model: str = "fast",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallbacks: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    rate_limiter: RateLimiter | None = None,
    mock_response: str | None = None,
    raise_errors: bool = True,
) -> AIResponse:
    """Async :func:`ask`."""
    messages = _messages(prompt, system)
    opts = _options(model, temperature, max_tokens, timeout, fallbacks, retry, rate_limiter, mock_response)
    started = time.perf_counter()
    try:
        return await engine.acomplete(messages, opts)
    except TTTError as err:
        if raise_errors:
            raise
        return AIResponse.failed(
            err, model=err.model, provider=err.provider, time_taken=time.perf_counter() - started
        )


def stream(
    prompt: str,
    *,
    model: str = "fast",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallbacks: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    rate_limiter: RateLimiter | None = None,
    mock_response: str | None = None,
) -> TextStream:
    """Stream the answer: iterate for text chunks; ``.response`` has usage/cost afterwards.

    Errors (including a truncated stream) are raised as ttt errors during iteration. Bad input
    (empty prompt, unknown model, missing key) is raised here, before any request.
    """
    messages = _messages(prompt, system)
    opts = _options(model, temperature, max_tokens, timeout, fallbacks, retry, rate_limiter, mock_response)
    _validate(opts)
    return TextStream(lambda done: engine.stream_text(messages, opts, done))


def astream(
    prompt: str,
    *,
    model: str = "fast",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallbacks: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    rate_limiter: RateLimiter | None = None,
    mock_response: str | None = None,
) -> AsyncTextStream:
    """Async :func:`stream`: ``async for chunk in ttt.astream(...)``."""
    messages = _messages(prompt, system)
    opts = _options(model, temperature, max_tokens, timeout, fallbacks, retry, rate_limiter, mock_response)
    _validate(opts)
    return AsyncTextStream(lambda done: engine.astream_text(messages, opts, done))


def _validate(opts: CallOptions) -> None:
    # Generators run lazily; check model and key now so bad input fails at the call site.
    from ttt.routing import candidates, credentials

    primary = candidates(opts.model, opts.fallbacks)[0]
    if opts.mock_response is None:
        credentials(primary)


def chat(
    *,
    model: str = "fast",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallbacks: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    rate_limiter: RateLimiter | None = None,
    mock_response: str | None = None,
) -> ChatSession:
    """A chat session that keeps history across turns (``session.ask`` / ``session.stream``)."""
    return ChatSession(
        model=model,
        system=system,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        fallbacks=fallbacks,
        retry=retry,
        rate_limiter=rate_limiter,
        mock_response=mock_response,
    )


def achat(
    *,
    model: str = "fast",
    system: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallbacks: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    rate_limiter: RateLimiter | None = None,
    mock_response: str | None = None,
) -> ChatSession:
    """Same session type as :func:`chat`; use ``await session.aask(...)`` and
    ``async for chunk in session.astream(...)``. Provided for symmetry with ask/aask."""
    return chat(
        model=model,
        system=system,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        fallbacks=fallbacks,
        retry=retry,
        rate_limiter=rate_limiter,
        mock_response=mock_response,
    )
