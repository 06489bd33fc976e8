"""Stream objects: iterate for text chunks, then read ``.response`` for usage, cost and model,
and ``.tool_calls`` for the tools the model asked for (complete only once the stream ended)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

from ttt.response import AIResponse
from ttt.tools import ToolCall

__all__ = ["AsyncTextStream", "TextStream"]

StreamFactory = Callable[[Callable[[AIResponse], None]], Iterator[str]]
AsyncStreamFactory = Callable[[Callable[[AIResponse], None]], AsyncIterator[str]]


class TextStream:
    """``for chunk in ttt.stream(...)`` yields str chunks; afterwards ``.response`` holds the
    complete AIResponse (None until the stream has finished successfully)."""

    def __init__(self, factory: StreamFactory) -> None:
        self.response: AIResponse | None = None
        self._chunks = factory(self._done)

    def _done(self, response: AIResponse) -> None:
        self.response = response

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls of the finished stream ([] until it has finished, or when none)."""
        return self.response.tool_calls if self.response is not None else []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._chunks)

    def text(self) -> str:
        """Consume the rest of the stream and return the whole text."""
        for _ in self:
            pass
        assert self.response is not None
        return self.response.content


class AsyncTextStream:
    """``async for chunk in ttt.astream(...)``; afterwards ``.response`` as for TextStream."""

    def __init__(self, factory: AsyncStreamFactory) -> None:
        self.response: AIResponse | None = None
        self._chunks = factory(self._done)

    def _done(self, response: AIResponse) -> None:
        self.response = response

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls of the finished stream ([] until it has finished, or when none)."""
        return self.response.tool_calls if self.response is not None else []

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        return await self._chunks.__anext__()

    async def text(self) -> str:
        async for _ in self:
            pass
        assert self.response is not None
        return self.response.content
