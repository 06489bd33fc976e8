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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ttt.errors import TTTError

__all__ = [
    "RateLimiter",
    "RetryPolicy",
    "get_default_policy",
    "get_default_rate_limiter",
    "set_default_policy",
    "set_default_rate_limiter",
]

T = TypeVar("T")


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

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` until it succeeds or the policy gives up (re-raising the last error)."""
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except TTTError as err:
                delay = self.next_delay(attempt, err, started)
                if delay is None:
                    raise
                self.sleep(delay)

    async def acall(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Async twin of :meth:`call`."""
        started = self.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fn()
            except TTTError as err:
                delay = self.next_delay(attempt, err, started)
                if delay is None:
                    raise
                await self.async_sleep(delay)


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
