"""Retry with exponential backoff and jitter, and a client-side rate limiter.

Time is injected everywhere (``clock``, ``sleep``, ``async_sleep``, ``rng``) so tests drive
both with fake clocks and never really sleep. ttt's retry is the *only* retry layer: litellm
and the openai SDK are called with ``max_retries=0``.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ttt.errors import TTTError

__all__ = [
    "Attempt",
    "RateLimiter",
    "RetryPolicy",
    "get_default_policy",
    "get_default_rate_limiter",
    "set_default_policy",
    "set_default_rate_limiter",
]

T = TypeVar("T")  # what a retried call returns
K = TypeVar("K")  # what an attempt targets (a fallback route)


@dataclass
class RetryPolicy:
    """How often and how long to retry retryable ttt errors.

    Attempt ``n`` (1-based) that fails waits ``min(max_delay, base_delay * 2**(n-1))``, scaled
    by a random factor in ``[1 - jitter, 1]`` so concurrent clients spread out, and never less
    than the server's ``retry_after``. Gives up after ``max_attempts`` attempts, or when the
    next wait would end past ``max_total`` seconds since the first attempt.
    """

    max_attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_total: float = 120.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_total < 0:
            raise ValueError("delays must be >= 0")

    def backoff(self, attempt: int, error: BaseException | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        delay = raw * (1.0 - self.jitter * self.rng.random())
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = max(delay, float(retry_after))
        return delay

    def next_delay(self, attempt: int, error: BaseException, started: float) -> float | None:
        """The wait before the next attempt, or None to give up and raise ``error``."""
        if not isinstance(error, TTTError) or not error.retryable:
            return None
        if attempt >= self.max_attempts:
            return None
        delay = self.backoff(attempt, error)
        if self.clock() - started + delay > self.max_total:
            return None
        return delay

    def attempts(self, targets: Iterable[K] | None = None) -> Attempts[K]:
        """Drive retries and fallbacks: yield one :class:`Attempt` per try, sleeping in between.

        The caller runs its call for ``attempt.target`` and either returns (success ends the
        loop) or reports the failure with ``attempt.failed(err)``. A retryable error is retried on
        the same target until the policy gives up, then the next target (fallback) is tried; a
        non-retryable error is raised at once; when every target is spent the last error is
        raised. Raising instead of reporting (e.g. a stream that already yielded text) also ends
        it. Without ``targets`` there is one target, ``None``.
        """
        return Attempts(self, _one_target() if targets is None else targets)

    def aattempts(self, targets: Iterable[K] | None = None) -> AsyncAttempts[K]:
        """Async twin of :meth:`attempts`: the same decisions, waits through ``async_sleep``."""
        return AsyncAttempts(self, _one_target() if targets is None else targets)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` until it succeeds or the policy gives up (re-raising the last error)."""
        for attempt in self.attempts():
            try:
                return fn()
            except TTTError as err:
                attempt.failed(err)
        raise AssertionError("unreachable: attempts() raises when it gives up")

    async def acall(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Async twin of :meth:`call`."""
        async for attempt in self.aattempts():
            try:
                return await fn()
            except TTTError as err:
                attempt.failed(err)
        raise AssertionError("unreachable: aattempts() raises when it gives up")


@dataclass
class Attempt(Generic[K]):
    """One try of one target (a fallback route, or ``None``); ``number`` is 1-based per target."""

    target: K
    number: int
    error: TTTError | None = None

    def failed(self, error: TTTError) -> None:
        """Report that this try failed; the driver decides whether to retry, fall back or raise."""
        self.error = error


def _one_target() -> Iterable[Any]:
    return [None]


class _Schedule(Generic[K]):
    """The retry/fallback decisions of :meth:`RetryPolicy.attempts`, without any waiting.

    Shared by the sync and the async iterator so that both decide identically; they differ
    only in how they sleep. Plain iterator classes rather than generators: an abandoned async
    generator would need the event loop to finalise it.
    """

    def __init__(self, policy: RetryPolicy, targets: Iterable[K]) -> None:
        self.policy = policy
        self._targets = iter(targets)
        self._started = 0.0
        self._last: TTTError | None = None
        self._current: Attempt[K] | None = None
        self._begun = False

    def _next_target(self) -> Attempt[K] | None:
        for target in self._targets:
            self._started = self.policy.clock()  # max_total counts per target, from its first try
            return Attempt(target, 1)
        if self._last is not None:
            raise self._last
        return None

    def advance(self) -> tuple[float | None, Attempt[K] | None]:
        """(seconds to wait first, next attempt); the attempt is None when the loop is over.

        Raises the error that ends it: a non-retryable one, or the last retryable one once
        every target is spent.
        """
        if not self._begun:
            self._begun = True
            self._current = self._next_target()
            return None, self._current
        attempt = self._current
        if attempt is None or attempt.error is None:
            self._current = None  # the caller moved on without reporting: the call succeeded
            return None, None
        err = attempt.error
        delay = self.policy.next_delay(attempt.number, err, self._started)
        if delay is not None:
            self._current = Attempt(attempt.target, attempt.number + 1)
            return delay, self._current
        self._current = None
        if not err.retryable:
            raise err
        self._last = err  # a transient failure survived the retries: try the next target
        self._current = self._next_target()
        return None, self._current


class Attempts(_Schedule[K], Iterator[Attempt[K]]):
    """What :meth:`RetryPolicy.attempts` returns; waits with the policy's ``sleep``."""

    def __iter__(self) -> Attempts[K]:
        return self

    def __next__(self) -> Attempt[K]:
        delay, attempt = self.advance()
        if attempt is None:
            raise StopIteration
        if delay is not None:
            self.policy.sleep(delay)
        return attempt


class AsyncAttempts(_Schedule[K], AsyncIterator[Attempt[K]]):
    """What :meth:`RetryPolicy.aattempts` returns; waits with the policy's ``async_sleep``."""

    def __aiter__(self) -> AsyncAttempts[K]:
        return self

    async def __anext__(self) -> Attempt[K]:
        delay, attempt = self.advance()
        if attempt is None:
            raise StopAsyncIteration
        if delay is not None:
            await self.policy.async_sleep(delay)
        return attempt


NO_RETRY = RetryPolicy(max_attempts=1)


class RateLimiter:
    """Keeps at least ``min_interval`` seconds between the starts of consecutive calls.

    Slots are reserved under a lock and slept outside it, so the same limiter works for
    threads and for asyncio tasks without holding a lock across an await.
    """

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self.async_sleep = async_sleep
        self._next_free: float | None = None
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        with self._lock:
            now = self.clock()
            slot = now if self._next_free is None else max(now, self._next_free)
            self._next_free = slot + self.min_interval
            return slot - now

    def acquire(self) -> float:
        """Block until the next call may start; returns the seconds waited."""
        wait = self._reserve()
        if wait > 0:
            self.sleep(wait)
        return wait

    async def aacquire(self) -> float:
        wait = self._reserve()
        if wait > 0:
            await self.async_sleep(wait)
        return wait


_default_policy = RetryPolicy()
_default_limiter: RateLimiter | None = None


def get_default_policy() -> RetryPolicy:
    return _default_policy


def set_default_policy(policy: RetryPolicy) -> None:
    """Module-wide default used when ``retry=`` is not passed."""
    global _default_policy
    _default_policy = policy


def get_default_rate_limiter() -> RateLimiter | None:
    return _default_limiter


def set_default_rate_limiter(limiter: RateLimiter | None) -> None:
    """Module-wide default used when ``rate_limiter=`` is not passed (None: no limiting)."""
    global _default_limiter
    _default_limiter = limiter
