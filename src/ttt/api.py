"""Public one-shot API: ask / stream / chat, sync and async.

Every function takes the same keyword options (:class:`ttt.options.CallKwargs`: ``model``,
``system``, ``temperature``, ``max_tokens``, ``timeout``, ``fallbacks``, ``retry``,
``rate_limiter``, ``mock_response``, ``tools``, ``tool_choice``, ``schema``), which become one
:class:`CallOptions`; an unknown keyword is a TypeError, as with an ordinary signature.
"""

from __future__ import annotations

import time
from typing import Unpack

from ttt import engine
from ttt.errors import TTTError
from ttt.options import CallKwargs, CallOptions, Message
from ttt.response import AIResponse
from ttt.session import ChatSession
from ttt.streaming import AsyncTextStream, TextStream

__all__ = ["aask", "achat", "ask", "astream", "chat", "stream"]


def _prepare(prompt: str, options: CallKwargs) -> tuple[list[Message], CallOptions]:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    return [{"role": "user", "content": prompt}], CallOptions(**options)


def _failed(err: TTTError, started: float) -> AIResponse:
    elapsed = time.perf_counter() - started
    return AIResponse.failed(err, model=err.model, provider=err.provider, time_taken=elapsed)


def ask(prompt: str, *, raise_errors: bool = True, **options: Unpack[CallKwargs]) -> AIResponse:
    """Ask one question, get one AIResponse.

    ``model`` is an alias (``fast``, ``best``, ``claude``, ``gpt``, ``or-fast``, ...) or a model
    string (``gpt-4o-mini``, ``claude-haiku-4-5-20251001``, ``openrouter/openai/gpt-4o-mini``).
    ``fallbacks`` replaces the alias's fallback list. ``mock_response`` answers offline through
    litellm's mock (no key, no network). With ``raise_errors=False`` a failed call returns a
    falsy AIResponse with ``succeeded=False`` and ``error`` set instead of raising.

    ``tools`` (OpenAI-style definitions) lets the model answer with ``r.tool_calls``;
    ``schema`` (a JSON schema dict or a pydantic model class) asks for a structured answer,
    returned parsed as ``r.parsed`` (ResponseFormatError when it is not valid JSON or does not
    validate).
    """
    messages, opts = _prepare(prompt, options)
    started = time.perf_counter()
    try:
        return engine.complete(messages, opts)
    except TTTError as err:
        if raise_errors:
            raise
        return _failed(err, started)


async def aask(prompt: str, *, raise_errors: bool = True, **options: Unpack[CallKwargs]) -> AIResponse:
    """Async :func:`ask`."""
    messages, opts = _prepare(prompt, options)
    started = time.perf_counter()
    try:
        return await engine.acomplete(messages, opts)
    except TTTError as err:
        if raise_errors:
            raise
        return _failed(err, started)


def stream(prompt: str, **options: Unpack[CallKwargs]) -> TextStream:
    """Stream the answer: iterate for text chunks; ``.response`` has usage/cost afterwards, and
    ``.tool_calls`` the assembled tool calls (their argument fragments are not yielded).

    Errors (including a truncated stream) are raised as ttt errors during iteration. Bad input
    (empty prompt, unknown model, missing key) is raised here, before any request.
    """
    messages, opts = _prepare(prompt, options)
    _validate(opts)
    return TextStream(lambda done: engine.stream_text(messages, opts, done))


def astream(prompt: str, **options: Unpack[CallKwargs]) -> AsyncTextStream:
    """Async :func:`stream`: ``async for chunk in ttt.astream(...)``."""
    messages, opts = _prepare(prompt, options)
    _validate(opts)
    return AsyncTextStream(lambda done: engine.astream_text(messages, opts, done))


def _validate(opts: CallOptions) -> None:
    """Check model and key now: stream generators run lazily, and bad input should fail at the
    call site, not at the first ``next()``."""
    from ttt.routing import candidates, credentials

    primary = candidates(opts.model, opts.fallbacks)[0]
    if opts.mock_response is None:
        credentials(primary)


def chat(**options: Unpack[CallKwargs]) -> ChatSession:
    """A chat session that keeps history across turns (``session.ask`` / ``session.stream``)."""
    return ChatSession(options=CallOptions(**options))


def achat(**options: Unpack[CallKwargs]) -> ChatSession:
    """Same session type as :func:`chat`; use ``await session.aask(...)`` and
    ``async for chunk in session.astream(...)``. Provided for symmetry with ask/aask."""
    return chat(**options)
