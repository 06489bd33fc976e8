"""Chat sessions: conversation history across turns, saved to and loaded from JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Unpack

from ttt import engine
from ttt.errors import SessionFileError
from ttt.options import DEFAULT_TIMEOUT, CallKwargs, CallOptions, Message
from ttt.response import AIResponse
from ttt.streaming import AsyncTextStream, TextStream

__all__ = ["ChatSession"]

FORMAT_VERSION = 1
_ROLES = ("user", "assistant")


class _Option:
    """A ChatSession attribute that reads and writes one field of its CallOptions.

    Keeps ``session.model``, ``session.mock_response = ...`` etc. working while the session
    holds a single frozen CallOptions instead of a copy of every field.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, session: ChatSession | None, owner: type | None = None) -> Any:
        if session is None:
            return self
        return getattr(session.options, self.name)

    def __set__(self, session: ChatSession, value: Any) -> None:
        session.options = session.options.replace(**{self.name: value})


class ChatSession:
    """A conversation. Each turn sends the whole history, so earlier context reaches the model.

    A turn is appended to the history only once it succeeded (for streams: once the stream
    finished); a failed turn leaves the history as it was, so it can simply be retried.
    Options are given as keywords (as for ``ttt.ask``) or as one ``options=CallOptions(...)``.
    """

    model = _Option()
    system = _Option()
    temperature = _Option()
    max_tokens = _Option()
    timeout = _Option()
    fallbacks = _Option()
    retry = _Option()
    rate_limiter = _Option()
    mock_response = _Option()

    def __init__(
        self,
        *,
        messages: Sequence[Message] | None = None,
        options: CallOptions | None = None,
        **kwargs: Unpack[CallKwargs],
    ) -> None:
        if options is not None and kwargs:
            raise TypeError("pass either options= or keyword options, not both")
        self.options: CallOptions = options if options is not None else CallOptions(**kwargs)
        self.messages: list[Message] = [dict(m) for m in messages or ()]

    # ------------------------------------------------------------------ turns

    def _request(self, prompt: str) -> list[Message]:
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt must be a non-empty string")
        # The system prompt travels in the options; the engine puts it first.
        return [*self.messages, {"role": "user", "content": prompt}]

    def _record(self, prompt: str, response: AIResponse) -> None:
        self.messages.append({"role": "user", "content": prompt})
        self.messages.append({"role": "assistant", "content": response.content})

    def ask(self, prompt: str) -> AIResponse:
        response = engine.complete(self._request(prompt), self.options)
        self._record(prompt, response)
        return response

    async def aask(self, prompt: str) -> AIResponse:
        response = await engine.acomplete(self._request(prompt), self.options)
        self._record(prompt, response)
        return response

    def stream(self, prompt: str) -> TextStream:
        messages, opts = self._request(prompt), self.options

        def done(response: AIResponse) -> None:
            self._record(prompt, response)
            outer.response = response

        outer = TextStream(lambda _: engine.stream_text(messages, opts, done))
        return outer

    def astream(self, prompt: str) -> AsyncTextStream:
        messages, opts = self._request(prompt), self.options

        def done(response: AIResponse) -> None:
            self._record(prompt, response)
            outer.response = response

        outer = AsyncTextStream(lambda _: engine.astream_text(messages, opts, done))
        return outer

    def clear(self) -> None:
        self.messages.clear()

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        # Runtime-only settings (retry policy, rate limiter, mock) are not persisted.
        return {
            "version": FORMAT_VERSION,
            "model": self.model,
            "system": self.system,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "timeout": self.timeout,
            "fallbacks": None if self.fallbacks is None else list(self.fallbacks),
            "messages": [dict(m) for m in self.messages],
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>", **runtime: Any) -> ChatSession:
        if not isinstance(data, dict):
            raise SessionFileError(f"{source}: not a ttt chat session (expected a JSON object)")
        if data.get("version") != FORMAT_VERSION:
            raise SessionFileError(f"{source}: unsupported session version {data.get('version')!r}")
        messages = data.get("messages")
        if not isinstance(messages, list) or not all(
            isinstance(m, dict) and m.get("role") in _ROLES and isinstance(m.get("content"), str)
            for m in messages
        ):
            raise SessionFileError(f"{source}: 'messages' must be a list of user/assistant text turns")
        model = data.get("model")
        if not isinstance(model, str) or not model:
            raise SessionFileError(f"{source}: missing 'model'")
        return cls(
            model=model,
            system=data.get("system"),
            temperature=data.get("temperature"),
            max_tokens=data.get("max_tokens"),
            timeout=data.get("timeout", DEFAULT_TIMEOUT),
            fallbacks=data.get("fallbacks"),
            messages=[{"role": m["role"], "content": m["content"]} for m in messages],
            **runtime,
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the session as JSON (atomically: a crash never leaves half a file)."""
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(target)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], **runtime: Any) -> ChatSession:
        """Read a session saved by :meth:`save`. ``runtime`` sets retry/rate_limiter/mock_response.

        Raises SessionFileError (a ValueError) naming the file when it is missing or corrupt.
        """
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SessionFileError(f"{source}: cannot read session file: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise SessionFileError(f"{source}: corrupt session file (not UTF-8 text)") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SessionFileError(f"{source}: corrupt session file (invalid JSON: {exc})") from exc
        return cls.from_dict(data, source=source, **runtime)
