"""Which provider a loopback stand-in's path belongs to, beyond the chat endpoints."""

from __future__ import annotations

import pytest

from llm_cassettes.providers import ANTHROPIC, OPENAI, OPENROUTER, provider_at_path, provider_uri


@pytest.mark.parametrize(
    ("path", "provider"),
    [
        ("/v1/chat/completions", OPENAI),
        ("/v1/responses", OPENAI),
        ("/v1/embeddings", OPENAI),
        ("/v1/models", OPENAI),
        ("/v1/models/gpt-4o-mini", OPENAI),
        ("/v1/messages", ANTHROPIC),
        ("/v1/messages/count_tokens", ANTHROPIC),
        ("/api/v1/chat/completions", OPENROUTER),
        ("/api/v1/models", OPENROUTER),
        ("/v1/files", None),
    ],
)
def test_provider_at_path(path, provider) -> None:
    assert provider_at_path(path) is provider


def test_anthropic_clients_model_list_is_anthropics() -> None:
    assert provider_at_path("/v1/models", anthropic_client=True) is ANTHROPIC
    assert provider_uri("http://127.0.0.1:9/v1/models?limit=5", anthropic_client=True) == (
        "https://api.anthropic.com/v1/models?limit=5"
    )
    assert provider_uri("http://127.0.0.1:9/v1/responses") == "https://api.openai.com/v1/responses"
