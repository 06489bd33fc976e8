"""Fixtures for the emulator tests: one real loopback server per module, reset per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from llm_cassettes.synthetic.emulator import Emulator

# provider -> (litellm model, env var holding the api_base)
MODELS = {
    "openai": ("openai/gpt-4o-mini", "OPENAI_API_BASE"),
    "anthropic": ("anthropic/claude-3-5-haiku-20241022", "ANTHROPIC_API_BASE"),
    "openrouter": ("openrouter/openai/gpt-4o-mini", "OPENROUTER_API_BASE"),
}
PROVIDERS = tuple(MODELS)


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(server: Emulator) -> Emulator:
    """The module's emulator, switched back to the success scenario with a clean log."""
    server.use_scenario("success")
    return server


@pytest.fixture
def kwargs_for(emulator: Emulator) -> Callable[..., dict[str, Any]]:
    """Builds litellm.completion arguments aimed at the emulator, retries off so errors surface."""

    def build(provider: str, content: str | list[dict[str, str]], **extra: Any) -> dict[str, Any]:
        model, base_env = MODELS[provider]
        messages = [{"role": "user", "content": content}] if isinstance(content, str) else content
        return {
            "model": model,
            "messages": messages,
            "api_base": emulator.env()[base_env],
            "api_key": "fake-key-for-emulator",
            "max_retries": 0,
            **extra,
        }

    return build
