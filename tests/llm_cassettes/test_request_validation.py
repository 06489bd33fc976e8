"""What the real APIs refuse before any model runs: missing credentials, model, max_tokens, and more."""

from __future__ import annotations

import pytest

from llm_cassettes.synthetic.validation import check

KEYS = {
    "openai": {"authorization": "Bearer sk-test"},
    "openrouter": {"authorization": "Bearer sk-or-test"},
    "anthropic": {"x-api-key": "sk-ant-test"},
}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
MESSAGES = {"model": "claude-haiku-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("provider", "endpoint", "body", "message"),
    [
        ("openai", "chat", CHAT, "You didn't provide an API key"),
        ("openrouter", "chat", CHAT, "Missing Authentication header"),
        ("anthropic", "messages", MESSAGES, "x-api-key header is required"),
    ],
)
def test_no_credentials_is_401_before_anything_else(provider, endpoint, body, message) -> None:
    rejection = check(provider, endpoint, {"authorization": "Bearer "}, {}, 0)
    assert rejection is not None and rejection.status == 401 and rejection.message.startswith(message)
    assert check(provider, endpoint, KEYS[provider], body, 10) is None


def test_anthropic_accepts_a_bearer_token_too() -> None:
    assert check("anthropic", "messages", {"authorization": "Bearer oauth-token"}, MESSAGES, 10) is None


@pytest.mark.parametrize(
    ("provider", "endpoint", "body", "message"),
    [
        ("openai", "chat", {"messages": []}, "you must provide a model parameter"),
        ("openrouter", "chat", {"messages": []}, "No models provided"),
        ("anthropic", "messages", {"max_tokens": 5, "messages": []}, "model: Field required"),
        (
            "anthropic",
            "messages",
            {"model": "claude-haiku-4-5", "messages": []},
            "max_tokens: Field required",
        ),
        ("openai", "chat", {"model": "gpt-4o-mini"}, "Missing required parameter: 'messages'."),
    ],
)
def test_missing_fields_are_400_in_the_providers_words(provider, endpoint, body, message) -> None:
    rejection = check(provider, endpoint, KEYS[provider], body, 10)
    assert rejection is not None and (rejection.status, rejection.message) == (400, message)


def test_count_tokens_needs_no_max_tokens() -> None:
    body = {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hi"}]}
    assert check("anthropic", "count_tokens", KEYS["anthropic"], body, 10) is None


def test_thinking_budget_rules() -> None:
    low = {**MESSAGES, "max_tokens": 4000, "thinking": {"type": "enabled", "budget_tokens": 500}}
    assert (
        "greater than or equal to 1024" in check("anthropic", "messages", KEYS["anthropic"], low, 10).message
    )
    over = {**MESSAGES, "max_tokens": 1024, "thinking": {"type": "enabled", "budget_tokens": 2048}}
    assert (
        "`max_tokens` must be greater than"
        in check("anthropic", "messages", KEYS["anthropic"], over, 10).message
    )
    ok = {**MESSAGES, "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 2048}}
    assert check("anthropic", "messages", KEYS["anthropic"], ok, 10) is None


def test_json_object_needs_the_word_json_in_the_messages() -> None:
    body = {**CHAT, "response_format": {"type": "json_object"}}
    rejection = check("openai", "chat", KEYS["openai"], body, 10)
    assert rejection.param == "messages" and "must contain the word 'json'" in rejection.message
    body["messages"] = [{"role": "user", "content": "Answer in JSON"}]
    assert check("openai", "chat", KEYS["openai"], body, 10) is None


@pytest.mark.parametrize(
    ("provider", "endpoint", "body"),
    [("openai", "chat", CHAT), ("openrouter", "chat", CHAT), ("anthropic", "messages", MESSAGES)],
)
def test_a_prompt_over_the_context_window_is_context_length_exceeded(provider, endpoint, body) -> None:
    rejection = check(provider, endpoint, KEYS[provider], body, 250_000)
    assert rejection.status == 400 and rejection.kind == "context_length_exceeded"
    if provider == "openai":
        assert rejection.code == "context_length_exceeded" and "128000 tokens" in rejection.message


def test_embedding_requests() -> None:
    good = {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 256}
    assert check("openai", "embeddings", KEYS["openai"], good, 0) is None
    ada = {"model": "text-embedding-ada-002", "input": "a", "dimensions": 256}
    assert (
        check("openai", "embeddings", KEYS["openai"], ada, 0).message
        == "This model does not support specifying dimensions."
    )
    assert check("openai", "embeddings", KEYS["openai"], {"model": "text-embedding-3-small"}, 0).status == 400
    bad_encoding = {**good, "encoding_format": "int8"}
    assert check("openai", "embeddings", KEYS["openai"], bad_encoding, 0).param == "encoding_format"
