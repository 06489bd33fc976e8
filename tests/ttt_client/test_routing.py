"""Alias resolution, provider detection, credentials and fallback order."""

import pytest

from ttt import routing
from ttt.errors import AuthenticationError, ModelNotFoundError
from ttt.routing import ALIASES, candidates, credentials, resolve


@pytest.mark.parametrize(
    ("name", "provider", "model"),
    [
        ("gpt-4o-mini", "openai", "gpt-4o-mini"),
        ("o1", "openai", "o1"),
        ("o3-mini", "openai", "o3-mini"),
        ("openai/gpt-4.1", "openai", "gpt-4.1"),
        ("claude-haiku-4-5-20251001", "anthropic", "claude-haiku-4-5-20251001"),
        ("anthropic/claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
        ("openrouter/openai/gpt-4o-mini", "openrouter", "openai/gpt-4o-mini"),
        ("openrouter/meta-llama/llama-3.1-8b-instruct", "openrouter", "meta-llama/llama-3.1-8b-instruct"),
    ],
)
def test_provider_detection(name, provider, model):
    route = resolve(name)
    assert (route.provider, route.model) == (provider, model)
    assert route.litellm_model == f"{provider}/{model}"


@pytest.mark.parametrize("alias", ["fast", "best", "claude", "gpt", "openrouter", "or-fast", "FAST"])
def test_aliases_resolve(alias):
    route = resolve(alias)
    assert route.requested == alias
    assert route.provider in routing.PROVIDERS


def test_alias_targets():
    assert resolve("fast").model == "gpt-4o-mini"
    assert resolve("claude").provider == "anthropic"
    assert resolve("gpt").provider == "openai"
    assert resolve("or-fast").provider == "openrouter"
    assert resolve("openrouter").litellm_model == "openrouter/openai/gpt-4o-mini"


def test_direct_provider_alias_targets_are_in_litellm_cost_map():
    import litellm

    for name, alias in ALIASES.items():
        for model in (alias.model, *alias.fallbacks):
            if not model.startswith("openrouter/"):
                assert model in litellm.model_cost, (name, model)


@pytest.mark.parametrize(
    "bad", ["gemini-pro", "nope", "", "   ", "openrouter/gpt-4o-mini", "openai/", "llama3"]
)
def test_unknown_model_names_the_aliases(bad):
    with pytest.raises(ModelNotFoundError) as info:
        resolve(bad)
    assert "fast" in str(info.value) and "or-fast" in str(info.value)


def test_candidates_alias_fallbacks_and_override():
    assert [r.model for r in candidates("fast")] == ["gpt-4o-mini", "claude-haiku-4-5-20251001"]
    assert [r.model for r in candidates("fast", [])] == ["gpt-4o-mini"]
    chain = candidates("gpt-4o-mini", ["claude", "gpt-4o-mini", "or-fast"])
    assert [(r.provider, r.model) for r in chain] == [
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("openrouter", "openai/gpt-4o-mini"),
    ]


def test_bad_fallback_fails_up_front():
    with pytest.raises(ModelNotFoundError):
        candidates("fast", ["not-a-model"])


def test_credentials_read_env_at_call_time():
    route = resolve("claude")
    env = {"ANTHROPIC_API_KEY": "k1"}
    assert credentials(route, env) == ("k1", "https://api.anthropic.com")
    env["ANTHROPIC_API_BASE"] = "http://127.0.0.1:9/"
    assert credentials(route, env) == ("k1", "http://127.0.0.1:9")
    assert credentials(resolve("fast"), {"OPENAI_API_KEY": "x"})[1] == "https://api.openai.com/v1"
    assert credentials(resolve("or-fast"), {"OPENROUTER_API_KEY": "x"})[1] == "https://openrouter.ai/api/v1"


def test_missing_key_names_the_variable():
    with pytest.raises(AuthenticationError) as info:
        credentials(resolve("or-fast"), {"OPENROUTER_API_KEY": "  "})
    assert "OPENROUTER_API_KEY" in str(info.value)
    assert info.value.provider == "openrouter"
