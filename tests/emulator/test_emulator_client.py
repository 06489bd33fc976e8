"""The ttt client against the live emulator: every provider × stream/non-stream × sync/async, and every
error scenario mapped to the client's own error class with its retry-after."""

from __future__ import annotations

import pytest

import ttt
from ttt.routing import PROVIDERS as CLIENT_PROVIDERS

MODELS = {"openai": "gpt-4o-mini", "anthropic": "haiku", "openrouter": "or-fast"}
NO_RETRY = ttt.RetryPolicy(max_attempts=1)


@pytest.fixture
def client_env(emulator, monkeypatch):
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    for provider in CLIENT_PROVIDERS.values():
        monkeypatch.setenv(provider.key_env, "emulator-key")
    return emulator


@pytest.mark.parametrize("provider", MODELS)
@pytest.mark.parametrize("kind", ["ask", "aask", "stream", "astream"])
async def test_client_answers_with_content_and_usage(client_env, provider, kind):
    model = MODELS[provider]
    if kind in ("ask", "aask"):
        call = ttt.ask if kind == "ask" else ttt.aask
        response = call("What is 2+2?", model=model)
        response = await response if kind == "aask" else response
        text = str(response)
    else:
        stream = (ttt.stream if kind == "stream" else ttt.astream)("Count from 1 to 3", model=model)
        chunks = list(stream) if kind == "stream" else [chunk async for chunk in stream]
        assert len(chunks) >= 2
        text, response = "".join(chunks), stream.response
    assert text == ("4" if kind in ("ask", "aask") else "1\n2\n3")
    assert response.provider == provider
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
    assert client_env.requests[-1].provider == provider


# scenario -> (ttt error, status, retry_after) per provider; None = same as openai's
EXPECTED = {
    "rate_limit": (ttt.RateLimitError, 429, 2.0),
    "auth_error": (ttt.AuthenticationError, 401, None),
    "model_not_found": (ttt.ModelNotFoundError, 404, None),
    "service_unavailable": (ttt.ServiceUnavailableError, 503, None),
    "bad_request": (ttt.InvalidRequestError, 400, None),
    "read_timeout": (ttt.TimeoutError, None, None),
    "connection_reset": (ttt.ConnectionError, None, None),
}


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("scenario", EXPECTED)
def test_each_error_scenario_raises_the_clients_error(client_env, provider, scenario):
    error, status, retry_after = EXPECTED[scenario]
    client_env.use_scenario(scenario)
    with pytest.raises(error) as info:
        ttt.ask("What is 2+2?", model=MODELS[provider], timeout=0.2, retry=NO_RETRY)
    assert info.value.provider == provider
    assert info.value.status == status
    assert info.value.retry_after == retry_after


def test_anthropic_overloaded_is_service_unavailable_529(client_env):
    client_env.use_scenario("overloaded")
    with pytest.raises(ttt.ServiceUnavailableError) as info:
        ttt.ask("What is 2+2?", model="haiku", retry=NO_RETRY)
    assert info.value.status == 529


def test_openrouter_rate_limit_reset_header_becomes_retry_after(client_env):
    client_env.use_scenario("rate_limit")
    with pytest.raises(ttt.RateLimitError) as info:
        ttt.ask("What is 2+2?", model="or-fast", retry=NO_RETRY)
    # X-RateLimit-Reset is an absolute epoch time in ms; the emulator's is fixed in the past.
    assert info.value.status == 429
    assert info.value.retry_after is not None and info.value.retry_after >= 0
