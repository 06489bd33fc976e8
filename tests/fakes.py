"""Test doubles shared by the suites."""

from __future__ import annotations


class FakeTime:
    """A clock that only moves when something sleeps: retry and rate-limit waits without real waiting."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
