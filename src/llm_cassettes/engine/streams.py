"""Response bodies as streams: live while recording, in their recorded chunks (and pace) on replay.

Recording: :func:`tee_stream_class` wraps the real transport's response. The client pulls each chunk as
the provider sends it (same boundaries, same pace); the tee copies it, with its arrival time in ms since
the request was sent, into an :class:`Arrival`. When the body ends (end of stream, a transport error, or
the client closing it early) the tee calls ``on_finish`` once, with everything that arrived.

Replay: :func:`replay_stream_class` hands the recorded chunks back one by one, then raises the recorded
fault if there is one. With a :class:`ReplayTiming` of ``recorded`` (or a factor) it waits until each
chunk's recorded moment; ``split`` re-cuts the body so that every chunk boundary falls inside an event.

Waiting uses the sleep functions of this module, bound at import: a test that patches ``time.sleep`` or
``asyncio.sleep`` for its own fake clock does not speed up (or stall) a paced replay.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any, NoReturn

from ..errors import ModeError

# Bound once, before any test can patch them (see the module docstring).
clock = time.perf_counter
pause = time.sleep
_asyncio_sleep = asyncio.sleep


def elapsed_ms(started: float) -> int:
    return max(0, round((clock() - started) * 1000))


async def apause(seconds: float) -> None:
    """``asyncio.sleep`` as it was at import (anyio's sleep outside asyncio, e.g. under trio)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        import anyio  # an httpx dependency

        await anyio.sleep(seconds)
        return
    await _asyncio_sleep(seconds)


# ------------------------------------------------------------------------------------------- record


@dataclass
class Arrival:
    """What arrived of one response body while recording, and when (ms after the request was sent)."""

    started: float
    chunks: list[bytes] = field(default_factory=list)
    times_ms: list[int] = field(default_factory=list)
    error: BaseException | None = None  # the transport error that ended the body, if any
    error_ms: int | None = None
    state: str = "open"  # open | complete | failed | closed (the client stopped reading first)

    def add(self, chunk: bytes) -> None:
        if chunk:
            self.chunks.append(chunk)
            self.times_ms.append(elapsed_ms(self.started))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def timing(self) -> list[tuple[int, int]]:
        """``[(byte offset, ms), ...]``: where each chunk starts in the body and when it arrived."""
        offsets, offset = [], 0
        for chunk, ms in zip(self.chunks, self.times_ms, strict=True):
            offsets.append((offset, ms))
            offset += len(chunk)
        return offsets


class _Tee:
    def __init__(self, upstream: Any, arrival: Arrival, on_finish: Callable[[Arrival], None]) -> None:
        self._upstream = upstream
        self.arrival = arrival
        self._on_finish = on_finish
        self._chunks: Any = None  # the one iterator over the real body, created on first read

    def finish(self, state: str, error: BaseException | None = None) -> None:
        """Settle the arrival once; later calls (a close after the end) change nothing."""
        if self.arrival.state != "open":
            return
        self.arrival.state = state
        if error is not None:
            self.arrival.error = error
            self.arrival.error_ms = elapsed_ms(self.arrival.started)
        self._on_finish(self.arrival)


@cache
def tee_stream_class(module: ModuleType) -> type:
    """A byte stream (sync and async) over the real response that records what it passes on.

    Iterating it again continues where the last iteration stopped, as a real transport's stream does:
    the openai SDK stops reading at ``[DONE]`` and then drains the rest through ``response.stream``.
    """

    class TeeStream(_Tee, module.SyncByteStream, module.AsyncByteStream):  # type: ignore[name-defined, misc]
        # iter_bytes / aiter_bytes undo content-encoding: the client gets (and the cassette keeps) the
        # decoded body, and the response handed to the client carries no content-encoding header.
        def __iter__(self) -> Iterator[bytes]:
            if self._chunks is None:
                self._chunks = self._upstream.iter_bytes()
            while True:
                try:
                    chunk = next(self._chunks)
                except StopIteration:
                    self.finish("complete")
                    return
                except Exception as exc:
                    self.finish("failed", exc)
                    raise
                self.arrival.add(chunk)
                yield chunk

        async def __aiter__(self) -> AsyncIterator[bytes]:
            if self._chunks is None:
                self._chunks = self._upstream.aiter_bytes()
            while True:
                try:
                    chunk = await self._chunks.__anext__()
                except StopAsyncIteration:
                    self.finish("complete")
                    return
                except Exception as exc:
                    self.finish("failed", exc)
                    raise
                self.arrival.add(chunk)
                yield chunk

        def close(self) -> None:
            try:
                self._upstream.close()
            finally:
                self.finish("closed")

        async def aclose(self) -> None:
            try:
                await self._upstream.aclose()
            finally:
                self.finish("closed")

    TeeStream.__qualname__ = f"TeeStream[{module.__name__}]"
    return TeeStream


# ------------------------------------------------------------------------------------------- replay

TIMING_CHOICES = "none, recorded, split, or a positive factor on the recorded pace (e.g. 0.25)"
TIMING_ENV = "LLM_CASSETTES_REPLAY_TIMING"


@dataclass(frozen=True)
class ReplayTiming:
    """How replay hands out streamed bodies.

    ``none`` (the default): the recorded chunks, at once. ``recorded``: each chunk (and a fault that
    ended the body) at its recorded moment, times ``factor`` (``0.25`` is four times faster). ``split``:
    no waiting, and every event cut across two chunks, to exercise the client's SSE parser.
    """

    kind: str = "none"
    factor: float = 1.0

    @classmethod
    def parse(cls, text: str | None, source: str = "replay timing") -> ReplayTiming:
        value = (text or "none").strip().lower()
        if value in ("none", "split"):
            return cls(value)
        if value == "recorded":
            return cls("recorded")
        try:
            factor = float(value)
        except ValueError:
            factor = math.nan
        if not math.isfinite(factor) or factor < 0:
            raise ModeError(f"unknown {source} {text!r}; expected {TIMING_CHOICES}")
        return cls("none") if factor == 0 else cls("recorded", factor)

    @classmethod
    def resolve(cls, option: str | None, env: Mapping[str, str], ini: str) -> ReplayTiming:
        """The option, else the environment variable, else the ini value; ``none`` when all are unset."""
        if option:
            return cls.parse(option, "--llm-replay-timing value")
        if env.get(TIMING_ENV):
            return cls.parse(env[TIMING_ENV], f"{TIMING_ENV} value")
        return cls.parse(ini or None, "llm_cassettes_replay_timing value")

    @property
    def paced(self) -> bool:
        return self.kind == "recorded"

    def __str__(self) -> str:
        if not self.paced:
            return self.kind
        return "recorded" if self.factor == 1 else f"{self.factor:g}"


def split_events(body: bytes) -> list[bytes]:
    """The body cut in the middle of every event (and of any text after the last one): each chunk ends
    inside an event and the next one completes it, as reads of a busy connection do."""
    pieces, last, start = [], 0, 0
    while start < len(body):
        end = body.find(b"\n\n", start)
        end = len(body) if end == -1 else end + 2
        middle = start + max(1, (end - start) // 2)
        if last < middle < end:
            pieces.append(body[last:middle])
            last = middle
        start = end
    pieces.append(body[last:])
    return [piece for piece in pieces if piece]


def recorded_chunks(body: bytes, timing: Sequence[Sequence[int]]) -> list[bytes]:
    """The recorded chunks of ``body`` from its ``[[offset, ms], ...]`` timing."""
    offsets = [int(entry[0]) for entry in timing]
    offsets.append(len(body))
    return [body[offsets[i] : offsets[i + 1]] for i in range(len(timing))]


@cache
def replay_stream_class(module: ModuleType) -> type:
    """A byte stream (sync and async) that hands out recorded chunks, each at its due moment (ms after
    the stream was made; None: at once), then ends, or fails like the recorded connection."""

    class ReplayStream(module.SyncByteStream, module.AsyncByteStream):  # type: ignore[name-defined, misc]
        def __init__(
            self,
            chunks: Sequence[bytes],
            due_ms: Sequence[float] | None = None,
            fail: Callable[[], NoReturn] | None = None,
            fail_ms: float | None = None,
        ) -> None:
            self._chunks = chunks
            self._due_ms = due_ms
            self._fail = fail
            self._fail_ms = fail_ms
            self._started = clock()

        def _wait(self, due_ms: float | None) -> float:
            return 0.0 if due_ms is None else due_ms / 1000 - (clock() - self._started)

        def __iter__(self) -> Iterator[bytes]:
            due = self._due_ms
            for i, chunk in enumerate(self._chunks):
                if due is not None and (wait := self._wait(due[i])) > 0:
                    pause(wait)
                yield chunk
            if self._fail is not None:
                if due is not None and (wait := self._wait(self._fail_ms)) > 0:
                    pause(wait)
                self._fail()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            due = self._due_ms
            for i, chunk in enumerate(self._chunks):
                if due is not None and (wait := self._wait(due[i])) > 0:
                    await apause(wait)
                yield chunk
            if self._fail is not None:
                if due is not None and (wait := self._wait(self._fail_ms)) > 0:
                    await apause(wait)
                self._fail()

    ReplayStream.__qualname__ = f"ReplayStream[{module.__name__}]"
    return ReplayStream
