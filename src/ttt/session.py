"""Chat sessions: conversation history across turns (tool calls and results included), saved to
and loaded from JSON (format: ttt.session_format)."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Unpack

from ttt import engine, session_format
from ttt.errors import SessionFileError
from ttt.options import CallKwargs, CallOptions, Message
from ttt.response import AIResponse
from ttt.streaming import AsyncTextStream, TextStream
from ttt.tools import ToolCall, parse_arguments

__all__ = ["ChatSession"]

FORMAT_VERSION = session_format.FORMAT_VERSION
OnDone = Callable[[AIResponse], None]


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
    tools = _Option()
    tool_choice = _Option()
    schema = _Option()

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
        # A deep copy: tool-call turns nest lists and dicts the caller may go on changing.
        self.messages: list[Message] = [copy.deepcopy(dict(m)) for m in messages or ()]

    # ------------------------------------------------------------------ turns

    @property
    def pending_tool_calls(self) -> list[ToolCall]:
        """Tool calls of the last assistant turn that have no result yet (see add_tool_result)."""
        answered: set[str] = set()
        for message in reversed(self.messages):
            if message.get("role") == "tool":
                answered.add(message.get("tool_call_id", ""))
                continue
            if message.get("role") != "assistant":
                return []
            return [call for call in _tool_calls(message) if call.id not in answered]
        return []

    def add_tool_result(self, call_id: str, content: Any) -> None:
        """Append the result of tool call ``call_id`` as a ``tool`` turn.

        ``content`` is sent as text; anything else (a dict, a number) is sent as its JSON. Once
        every pending call has its result, :meth:`ask` (with or without a new prompt) sends the
        history and the model answers with the results in view.
        """
        pending = [call.id for call in self.pending_tool_calls]
        if call_id not in pending:
            raise ValueError(f"no pending tool call {call_id!r} (pending: {pending or 'none'})")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": text})

    def _request(self, prompt: str | None) -> list[Message]:
        # The system prompt travels in the options; the engine puts it first.
        pending = self.pending_tool_calls
        if pending:
            ids = ", ".join(call.id for call in pending)
            raise ValueError(f"tool calls without a result: {ids}; add them with add_tool_result()")
        if prompt is None:
            if not self.messages or self.messages[-1].get("role") != "tool":
                raise ValueError("nothing to continue: give a prompt (continuing needs tool results)")
            return list(self.messages)
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("prompt must be a non-empty string")
        return [*self.messages, {"role": "user", "content": prompt}]

    def _record(self, prompt: str | None, response: AIResponse) -> None:
        if prompt is not None:
            self.messages.append({"role": "user", "content": prompt})
        turn: Message = {"role": "assistant", "content": response.content}
        if response.tool_calls:
            # OpenAI's shape, which litellm translates for Anthropic (tool_use blocks).
            turn["content"] = response.content or None
            turn["tool_calls"] = [call.to_openai() for call in response.tool_calls]
        self.messages.append(turn)

    def _recording(self, prompt: str | None, done: OnDone) -> OnDone:
        """The stream's completion callback, recording the turn first (streams record on finish)."""

        def record(response: AIResponse) -> None:
            self._record(prompt, response)
            done(response)

        return record

    def ask(self, prompt: str | None = None) -> AIResponse:
        """One turn. Without ``prompt``, continue after tool results (see add_tool_result)."""
        response = engine.complete(self._request(prompt), self.options)
        self._record(prompt, response)
        return response

    async def aask(self, prompt: str | None = None) -> AIResponse:
        """Async :meth:`ask`."""
        response = await engine.acomplete(self._request(prompt), self.options)
        self._record(prompt, response)
        return response

    def stream(self, prompt: str | None = None) -> TextStream:
        """A streamed turn; it joins the history when the stream finishes (tool calls included)."""
        messages, opts = self._request(prompt), self.options
        return TextStream(lambda done: engine.stream_text(messages, opts, self._recording(prompt, done)))

    def astream(self, prompt: str | None = None) -> AsyncTextStream:
        """Async :meth:`stream`."""
        messages, opts = self._request(prompt), self.options
        return AsyncTextStream(
            lambda done: engine.astream_text(messages, opts, self._recording(prompt, done))
        )

    def clear(self) -> None:
        self.messages.clear()

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """The session as JSON data (see ttt.session_format for the versions)."""
        return session_format.dump(self.options, self.messages)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>", **runtime: Any) -> ChatSession:
        settings, messages = session_format.parse(data, source)
        try:
            options = CallOptions(**{**settings, **runtime})
        except ValueError as exc:  # e.g. a hand-edited, invalid tool definition
            raise SessionFileError(f"{source}: {exc}") from exc
        return cls(options=options, messages=messages)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the session as JSON (atomically: a crash never leaves half a file)."""
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(target)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], **runtime: Any) -> ChatSession:
        """Read a session saved by :meth:`save`. ``runtime`` sets retry/rate_limiter/mock_response
        (and may override any saved option, e.g. ``schema=`` or ``tools=``).

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


def _tool_calls(message: Message) -> list[ToolCall]:
    calls = []
    for raw in message.get("tool_calls") or ():
        function = raw.get("function") or {}
        name = function.get("name", "")
        calls.append(ToolCall(raw.get("id", ""), name, parse_arguments(name, function.get("arguments"))))
    return calls
