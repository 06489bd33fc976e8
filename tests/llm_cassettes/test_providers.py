"""providers.py: the one URL -> provider rule, and the data every room reads."""

from __future__ import annotations

from llm_cassettes import providers
from llm_cassettes.cassette.target import canonical_target


def test_real_hosts_aliases_and_loopback_stand_ins() -> None:
    assert providers.provider_of("https://api.openai.com/v1/chat/completions") is providers.OPENAI
    assert providers.provider_of("https://openrouter.ai/api/v1/chat/completions") is providers.OPENROUTER
    assert providers.provider_of("https://proxy.example/v1/messages") is None
    aliases = {"proxy.example": "https://api.anthropic.com"}
    assert providers.provider_of("https://proxy.example/v1/messages", aliases) is providers.ANTHROPIC
    loopback = "http://127.0.0.1:5555/v1/messages"
    assert providers.provider_of(loopback) is None  # the inventory shows a local server as itself
    assert providers.provider_of(loopback, stand_ins=True) is providers.ANTHROPIC
    assert providers.provider_uri(loopback) == "https://api.anthropic.com/v1/messages"


def test_canonical_target_follows_aliases() -> None:
    aliases = (("gateway.example", "https://api.openai.com"),)
    real = canonical_target("post", "https://api.openai.com/v1/chat/completions/")
    assert real == "POST api.openai.com/v1/chat/completions"
    assert canonical_target("POST", "https://gateway.example/v1/chat/completions", aliases) == real
    assert canonical_target("POST", "https://gateway.example/v1/chat/completions") != real


def test_every_provider_names_its_variables() -> None:
    assert providers.key_variables() == ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"]
    assert providers.OPENAI.sdk_base_env == "OPENAI_BASE_URL"
    assert providers.ANTHROPIC.sdk_base_env == "ANTHROPIC_BASE_URL"
    assert providers.OPENROUTER.base_url("http://127.0.0.1:1") == "http://127.0.0.1:1/api/v1"


def test_a_loopback_server_stands_for_the_provider_on_every_endpoint_of_its_api() -> None:
    serving = {
        path: getattr(providers.provider_serving(path), "name", None)
        for path in (
            "/v1/chat/completions",
            "/v1/embeddings",
            "/v1/files",
            "/v1/files/file-1/content",
            "/v1/audio/transcriptions",
            "/v1/messages",
            "/v1/messages/count_tokens",
            "/api/v1/chat/completions",
            "/v1/filesystem",
            "/health",
        )
    }
    assert serving == {
        "/v1/chat/completions": "openai",
        "/v1/embeddings": "openai",
        "/v1/files": "openai",
        "/v1/files/file-1/content": "openai",
        "/v1/audio/transcriptions": "openai",
        "/v1/messages": "anthropic",
        "/v1/messages/count_tokens": "anthropic",
        "/api/v1/chat/completions": "openrouter",
        "/v1/filesystem": None,
        "/health": None,
    }
    assert (
        providers.provider_uri("http://127.0.0.1:9/v1/embeddings") == "https://api.openai.com/v1/embeddings"
    )


def test_emulated_means_an_endpoint_the_emulator_serves_on_a_provider_host() -> None:
    assert providers.emulated("https://api.openai.com/v1/chat/completions")
    assert providers.emulated("https://api.openai.com/v1/embeddings")
    assert providers.emulated("http://127.0.0.1:9/v1/messages")
    assert providers.emulated("https://openrouter.ai/api/v1/chat/completions")
    assert not providers.emulated("https://api.openai.com/v1/files")  # uploads: OpenAI's, not emulated
    assert not providers.emulated("https://api.openai.com/v1/audio/transcriptions")
    assert not providers.emulated("https://example.com/v1/chat/completions")


def test_every_base_url_variable_a_supported_client_reads() -> None:
    assert providers.base_url_variables() == [
        "OPENAI_API_BASE",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_BASE",
        "ANTHROPIC_BASE_URL",
        "OPENROUTER_API_BASE",
        "OPENROUTER_BASE_URL",
    ]
