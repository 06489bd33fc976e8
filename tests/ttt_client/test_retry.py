"""Backoff timing, retry-after, attempt/total bounds and the rate limiter, on a fake clock."""

import asyncio
import random

import pytest

from fakes import FakeTime
from ttt.errors import AuthenticationError, RateLimitError, ServiceUnavailableError
from ttt.retry import RateLimiter, RetryPolicy


def policy(t: FakeTime, **kw) -> RetryPolicy:
    kw.setdefault("jitter", 0.0)
    return RetryPolicy(sleep=t.sleep, async_sleep=t.async_sleep, clock=t.clock, rng=random.Random(0), **kw)


def flaky(failures: list[Exception], result: str = "ok"):
    calls = []

    def fn():
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return result

    return fn, calls


def test_exponential_backoff_without_jitter():
    t = FakeTime()
    fn, calls = flaky([ServiceUnavailableError("x")] * 3)
    assert policy(t, max_attempts=5, base_delay=1.0, max_delay=30.0).call(fn) == "ok"
    assert t.sleeps == [1.0, 2.0, 4.0]
    assert len(calls) == 4


def test_backoff_capped_by_max_delay():
    t = FakeTime()
    p = policy(t, base_delay=1.0, max_delay=5.0)
    assert [p.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_stays_within_bounds_and_varies():
    t = FakeTime()
    p = policy(t, base_delay=8.0, max_delay=100.0, jitter=0.5)
    delays = [p.backoff(1) for _ in range(50)]
    assert all(4.0 <= d <= 8.0 for d in delays)
    assert len(set(delays)) > 10


def test_retry_after_is_a_floor():
    t = FakeTime()
    fn, _ = flaky([RateLimitError("slow", retry_after=9.0), RateLimitError("slow", retry_after=0.1)])
    assert policy(t, max_attempts=3, base_delay=1.0).call(fn) == "ok"
    assert t.sleeps == [9.0, 2.0]


def test_gives_up_after_max_attempts_and_reraises_last():
    t = FakeTime()
    errs = [ServiceUnavailableError("1"), ServiceUnavailableError("2"), ServiceUnavailableError("3")]
    fn, calls = flaky(list(errs))
    with pytest.raises(ServiceUnavailableError, match="3"):
        policy(t, max_attempts=3).call(fn)
    assert len(calls) == 3 and len(t.sleeps) == 2


def test_total_time_bound():
    t = FakeTime()
    fn, calls = flaky([RateLimitError("slow", retry_after=100.0)])
    with pytest.raises(RateLimitError):
        policy(t, max_attempts=5, max_total=60.0).call(fn)
    assert len(calls) == 1 and t.sleeps == []


def test_non_retryable_errors_are_not_retried():
    t = FakeTime()
    fn, calls = flaky([AuthenticationError("bad key")])
    with pytest.raises(AuthenticationError):
        policy(t, max_attempts=5).call(fn)
    assert len(calls) == 1 and t.sleeps == []


async def test_async_retry_uses_async_sleep():
    t = FakeTime()
    failures = [RateLimitError("x", retry_after=3.0)]

    async def fn():
        if failures:
            raise failures.pop(0)
        return 42

    assert await policy(t).acall(fn) == 42
    assert t.sleeps == [3.0]


def test_policy_validation():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2.0)


def test_rate_limiter_spaces_calls():
    t = FakeTime()
    limiter = RateLimiter(2.0, clock=t.clock, sleep=t.sleep)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == 2.0
    t.now += 0.5
    assert limiter.acquire() == pytest.approx(1.5)
    t.now += 10.0
    assert limiter.acquire() == 0.0
    assert t.sleeps == [2.0, pytest.approx(1.5)]


async def test_rate_limiter_async_reserves_distinct_slots():
    # Three tasks arrive at the same instant: each gets its own slot, 1 s apart.
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    limiter = RateLimiter(1.0, clock=lambda: 100.0, async_sleep=record)
    waits = await asyncio.gather(*(limiter.aacquire() for _ in range(3)))
    assert sorted(waits) == [0.0, 1.0, 2.0]
    assert sorted(slept) == [1.0, 2.0]


def test_rate_limiter_rejects_negative_interval():
    with pytest.raises(ValueError):
        RateLimiter(-1)


# ------------------------------------------------------------------ the attempt driver


def run_attempts(p: RetryPolicy, targets, outcomes: dict):
    """Drive ``p.attempts(targets)``; ``outcomes[target]`` lists the errors that target raises first."""
    tried = []
    for attempt in p.attempts(targets):
        tried.append((attempt.target, attempt.number))
        failures = outcomes.get(attempt.target, [])
        if failures:
            attempt.failed(failures.pop(0))
            continue
        return attempt.target, tried
    raise AssertionError("attempts() ended without raising")


def test_attempts_retry_each_target_then_fall_back():
    t = FakeTime()
    down = ServiceUnavailableError
    outcomes = {"a": [down("1"), down("2"), down("3")], "b": [down("4")]}
    winner, tried = run_attempts(policy(t, max_attempts=3), ["a", "b"], outcomes)
    assert winner == "b"
    assert tried == [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2)]
    assert t.sleeps == [1.0, 2.0, 1.0]  # backoff restarts per target; no wait before a fallback


def test_attempts_raise_the_last_error_when_every_target_is_spent():
    t = FakeTime()
    outcomes = {"a": [ServiceUnavailableError("a")], "b": [RateLimitError("b")]}
    with pytest.raises(RateLimitError, match="b"):
        run_attempts(policy(t, max_attempts=1), ["a", "b"], outcomes)
    assert t.sleeps == []


def test_attempts_stop_at_a_non_retryable_error_without_falling_back():
    t = FakeTime()
    outcomes = {"a": [AuthenticationError("bad key")]}
    with pytest.raises(AuthenticationError):
        run_attempts(policy(t, max_attempts=3), ["a", "b"], outcomes)
    assert t.sleeps == []


async def test_aattempts_wait_with_async_sleep_only():
    t = FakeTime()
    slept_sync: list[float] = []
    p = RetryPolicy(jitter=0.0, clock=t.clock, async_sleep=t.async_sleep, sleep=slept_sync.append)
    failures = [ServiceUnavailableError("x")]
    tried = []
    async for attempt in p.aattempts(["only"]):
        tried.append(attempt.number)
        if failures:
            attempt.failed(failures.pop(0))
            continue
        break
    assert tried == [1, 2] and t.sleeps == [1.0] and slept_sync == []
