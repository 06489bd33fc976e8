"""Provider errors and transport faults, mapped to the client's errors; retries honour retry-after."""

from urllib.parse import urlsplit

import pytest

import ttt
from ttt.routing import PROVIDERS

from .conftest import NO_RETRY


@pytest.mark.llm(scenario="rate_limit_then_success")
@pytest.mark.parametrize("model", ["gpt-4o-mini", "haiku"])
def test_rate_limit_is_retried_after_the_advertised_wait(model, fake_clock, llm_cassette):
    response = ttt.ask("What is 2+2?", model=model, retry=fake_clock.policy())
    assert "4" in response
    assert len(llm_cassette.requests) == 2
    assert len(fake_clock.sleeps) == 1
    assert fake_clock.sleeps[0] >= 2.0  # the 429 said retry-after: 2; backoff alone would wait 0.5


@pytest.mark.llm(scenario="rate_limit_then_success")
async def test_rate_limit_is_retried_async(fake_clock, llm_cassette):
    response = await ttt.aask("What is 2+2?", model="gpt-4o-mini", retry=fake_clock.policy())
    assert "4" in response
    assert fake_clock.sleeps and fake_clock.sleeps[0] >= 2.0


@pytest.mark.llm(scenario="rate_limit")
@pytest.mark.parametrize("model", ["gpt-4o-mini", "haiku"])
def test_rate_limit_exhausted_raises_with_retry_after(model, fake_clock, llm_cassette):
    with pytest.raises(ttt.RateLimitError) as info:
        ttt.ask("What is 2+2?", model=model, retry=fake_clock.policy(max_attempts=2))
    assert info.value.retry_after == 2
    assert info.value.status == 429
    assert len(llm_cassette.requests) == 2


@pytest.mark.llm(scenario="rate_limit")
def test_openrouter_rate_limit_reads_the_reset_header():
    with pytest.raises(ttt.RateLimitError) as info:
        ttt.ask("What is 2+2?", model="or-fast", retry=NO_RETRY)
    assert info.value.status == 429
    assert info.value.provider == "openrouter"
    # X-RateLimit-Reset is 2 s after the 429's own Date: the same wait on any day the cassette replays.
    assert info.value.retry_after == 2


@pytest.mark.llm(scenario="auth_error")
def test_invalid_key_raises_authentication_error(provider, monkeypatch):
    # A key the provider does not know, so that `--real-api` records the provider's real 401 too.
    monkeypatch.setenv(PROVIDERS[provider.name].key_env, "not-a-valid-key")
    with pytest.raises(ttt.AuthenticationError) as info:
        ttt.ask("What is 2+2?", model=provider.model, retry=NO_RETRY)
    assert info.value.status == 401
    assert info.value.provider == provider.name


@pytest.mark.llm(scenario="model_not_found")
@pytest.mark.parametrize("model", ["gpt-4o-mini-does-not-exist", "claude-does-not-exist-1"])
def test_unknown_model_raises_model_not_found(model):
    with pytest.raises(ttt.ModelNotFoundError) as info:
        ttt.ask("What is 2+2?", model=model, retry=NO_RETRY)
    assert info.value.status == 404


@pytest.mark.llm(scenario="service_unavailable")
@pytest.mark.parametrize("model", ["gpt-4o-mini", "or-fast"])
def test_service_unavailable_raises(model):
    with pytest.raises(ttt.ServiceUnavailableError) as info:
        ttt.ask("What is 2+2?", model=model, retry=NO_RETRY)
    assert info.value.status == 503


@pytest.mark.llm(scenario="overloaded")
def test_anthropic_overloaded_529_raises_service_unavailable():
    with pytest.raises(ttt.ServiceUnavailableError) as info:
        ttt.ask("What is 2+2?", model="haiku", retry=NO_RETRY)
    assert info.value.status == 529
    assert info.value.provider == "anthropic"


@pytest.mark.llm(scenario="read_timeout")
@pytest.mark.parametrize("model", ["gpt-4o-mini", "haiku"])
def test_read_timeout_raises_timeout_error(model):
    with pytest.raises(ttt.TimeoutError):
        ttt.ask("What is 2+2?", model=model, timeout=0.2, retry=NO_RETRY)


@pytest.mark.llm(scenario="read_timeout")
async def test_read_timeout_async_raises_timeout_error():
    with pytest.raises(ttt.TimeoutError):
        await ttt.aask("What is 2+2?", model="gpt-4o-mini", timeout=0.2, retry=NO_RETRY)


@pytest.mark.llm(scenario="connection_reset")
@pytest.mark.parametrize("model", ["gpt-4o-mini", "haiku"])
def test_connection_reset_raises_connection_error(model):
    with pytest.raises(ttt.ConnectionError):
        ttt.ask("What is 2+2?", model=model, retry=NO_RETRY)


@pytest.mark.llm(scenario="unavailable_then_success")
def test_fallback_model_answers_after_a_failure(llm_cassette):
    response = ttt.ask("What is 2+2?", model="gpt-4o-mini", fallbacks=["haiku"], retry=NO_RETRY)
    assert "4" in response
    assert response.provider == "anthropic"
    paths = [urlsplit(r.uri).path for r in llm_cassette.requests]
    assert paths == ["/v1/chat/completions", "/v1/messages"]  # OpenAI failed, then Anthropic answered
