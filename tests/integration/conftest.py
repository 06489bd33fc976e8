"""Fixtures of the integration suite: the providers under test, delayed calls, an injected clock.

Every test in this directory replays its cassette by default (``llm_cassettes_paths`` in pyproject.toml
opts the directory in). ``pytest --real-api`` records against the real providers, waiting
``--rate-delay`` seconds between calls; the ``delayed_*`` fixtures keep the original suite's spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

import ttt
from fakes import FakeTime


@dataclass(frozen=True)
class ProviderCase:
    name: str
    model: str  # what the test asks for
    answered_by: str  # prefix of the model id the provider reports back


PROVIDERS = [
    ProviderCase("openai", "gpt-4o-mini", "gpt-4o-mini"),
    ProviderCase("anthropic", "haiku", "claude-haiku-4-5"),
    ProviderCase("openrouter", "or-fast", "openai/gpt-4o-mini"),
]


@pytest.fixture(params=PROVIDERS, ids=lambda case: case.name)
def provider(request: pytest.FixtureRequest) -> ProviderCase:
    return request.param


class FakeClock(FakeTime):
    """Stands in for time in ttt's retry policy: sleeping advances it, nothing really waits."""

    def __init__(self) -> None:
        super().__init__(now=1000.0)

    def policy(self, max_attempts: int = 3) -> ttt.RetryPolicy:
        return ttt.RetryPolicy(
            max_attempts=max_attempts,
            base_delay=0.5,
            jitter=0.0,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            clock=self.clock,
        )


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


NO_RETRY = ttt.RetryPolicy(max_attempts=1)


@pytest.fixture
def delayed_ask(rate_limit_delay: float) -> Callable[..., ttt.AIResponse]:
    """``ttt.ask`` after the rate-limit delay (the delay is 0 when replaying)."""
    return ttt.ask


@pytest.fixture
def delayed_stream(rate_limit_delay: float) -> Callable[..., object]:
    return ttt.stream


@pytest.fixture
def delayed_chat(rate_limit_delay: float) -> Callable[..., ttt.ChatSession]:
    return ttt.chat


@pytest.fixture(scope="session", autouse=True)
def client_loaded() -> None:
    """Pay litellm's one-time imports (seconds) in session setup, so call phases time the calls.

    litellm imports most of itself lazily on the first call of each kind; offline mock calls
    (no HTTP at all) load those code paths without touching any cassette.
    """
    import asyncio

    for case in PROVIDERS:
        ttt.ask("warm-up", model=case.model, mock_response="ok")
        list(ttt.stream("warm-up", model=case.model, mock_response="ok"))

        async def warm(model: str = case.model) -> None:
            await ttt.aask("warm-up", model=model, mock_response="ok")
            [chunk async for chunk in ttt.astream("warm-up", model=model, mock_response="ok")]

        asyncio.run(warm())
