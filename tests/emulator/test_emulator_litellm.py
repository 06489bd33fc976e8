"""litellm against the emulator over real sockets: answers, usage, errors and faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError

from llm_cassettes.synthetic.emulator import Emulator

Kwargs = Callable[..., dict[str, Any]]
PROVIDERS = ("openai", "anthropic", "openrouter")


async def _call(kwargs: dict[str, Any], mode: str) -> tuple[str, Any]:
    """Run one completion (sync or async, stream or not); return the text and the usage."""
    stream = kwargs.get("stream", False)
    if mode == "sync":
        response = litellm.completion(**kwargs)
        if not stream:
            return response.choices[0].message.content, response.usage
        chunks = list(response)
    else:
        response = await litellm.acompletion(**kwargs)
        if not stream:
            return response.choices[0].message.content, response.usage
        chunks = [chunk async for chunk in response]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    usage = next((c.usage for c in reversed(chunks) if getattr(c, "usage", None)), None)
    return text, usage


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_non_stream_answer_and_usage(
    emulator: Emulator, kwargs_for: Kwargs, provider: str, mode: str
) -> None:
    text, usage = await _call(kwargs_for(provider, "What is 2+2?"), mode)
    assert "4" in text
    assert usage.completion_tokens == 1
    assert usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert [r.provider for r in emulator.requests] == [provider]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_stream_answer_and_usage(
    emulator: Emulator, kwargs_for: Kwargs, provider: str, mode: str
) -> None:
    kwargs = kwargs_for(provider, "Count from 1 to 3", stream=True, stream_options={"include_usage": True})
    text, usage = await _call(kwargs, mode)
    assert text == "1\n2\n3"
    assert usage is not None
    assert usage.completion_tokens == 3
    assert emulator.requests[0].body["stream"] is True


@pytest.mark.parametrize("provider", PROVIDERS)
def test_model_reflects_request(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    response = litellm.completion(**kwargs_for(provider, "hello"))
    expected = {
        "openai": "gpt-4o-mini-2024-07-18",
        "anthropic": "claude-3-5-haiku-20241022",
        "openrouter": "openai/gpt-4o-mini",
    }[provider]
    assert response.model.endswith(expected)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_max_tokens_cuts_the_answer(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    response = litellm.completion(**kwargs_for(provider, "Count to 10", max_tokens=4))
    assert response.choices[0].message.content == "1\n2\n3\n4"
    assert response.choices[0].finish_reason == "length"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_name_memory_across_turns(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    history = [{"role": "user", "content": "My name is Alice"}]
    first = litellm.completion(**kwargs_for(provider, history))
    history += [
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "What's my name?"},
    ]
    second = litellm.completion(**kwargs_for(provider, history))
    assert second.choices[0].message.content == "Your name is Alice."


# scenario -> provider -> (litellm exception class, status_code seen on the exception)
ERRORS: dict[str, dict[str, tuple[type[Exception], int]]] = {
    "rate_limit": {p: (litellm.RateLimitError, 429) for p in PROVIDERS},
    "auth_error": {p: (litellm.AuthenticationError, 401) for p in PROVIDERS},
    "model_not_found": {p: (litellm.NotFoundError, 404) for p in PROVIDERS},
    "server_error": {
        "openai": (litellm.InternalServerError, 500),
        "anthropic": (litellm.InternalServerError, 500),
        "openrouter": (litellm.APIError, 500),  # litellm maps OpenRouter's 500 to the generic APIError
    },
    "service_unavailable": {p: (litellm.ServiceUnavailableError, 503) for p in PROVIDERS},
    "overloaded": {
        "openai": (litellm.ServiceUnavailableError, 503),
        "anthropic": (litellm.InternalServerError, 500),  # the wire says 529; litellm reports 500
        "openrouter": (litellm.ServiceUnavailableError, 503),
    },
}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("scenario", sorted(ERRORS))
def test_error_scenarios(
    emulator: Emulator, kwargs_for: Kwargs, scenario: str, provider: str, stream: bool
) -> None:
    emulator.use_scenario(scenario)
    expected, status = ERRORS[scenario][provider]
    with pytest.raises(expected) as caught:
        response = litellm.completion(**kwargs_for(provider, "What is 2+2?", stream=stream))
        list(response) if stream else None
    assert caught.value.status_code == status


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_rate_limit_headers_visible(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario("rate_limit")
    with pytest.raises(litellm.RateLimitError) as caught:
        await litellm.acompletion(**kwargs_for(provider, "hi"))
    headers = {k.lower(): v for k, v in dict(caught.value.litellm_response_headers).items()}
    if provider == "openrouter":
        assert "retry-after" not in headers
        assert headers["x-ratelimit-reset"] == "1735689602000"  # epoch ms
    else:
        assert headers["retry-after"] == "2"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rate_limit_then_success(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario("rate_limit_then_success")
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(**kwargs_for(provider, "What is 2+2?"))
    response = litellm.completion(**kwargs_for(provider, "What is 2+2?"))
    assert response.choices[0].message.content == "4"


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_read_timeout(emulator: Emulator, kwargs_for: Kwargs, provider: str, mode: str) -> None:
    emulator.use_scenario("read_timeout")
    with pytest.raises(litellm.Timeout):
        await _call(kwargs_for(provider, "hi", timeout=0.2), mode)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_reset(emulator: Emulator, kwargs_for: Kwargs, provider: str, mode: str) -> None:
    emulator.use_scenario("connection_reset")
    # OpenAI's SDK words it "Connection error."; the others pass the socket error through.
    with pytest.raises((litellm.InternalServerError, litellm.APIConnectionError)) as caught:
        await _call(kwargs_for(provider, "hi"), mode)
    message = str(caught.value)
    assert "Connection error" in message or "reset by peer" in message


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_truncated_stream(emulator: Emulator, kwargs_for: Kwargs, provider: str, mode: str) -> None:
    emulator.use_scenario("truncated_stream")
    with pytest.raises(MidStreamFallbackError) as caught:
        await _call(kwargs_for(provider, "Count to 5", stream=True), mode)
    assert isinstance(caught.value.original_exception, litellm.APIConnectionError)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_truncated_json_body(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario("truncated_stream")
    with pytest.raises((litellm.InternalServerError, litellm.APIConnectionError)):
        litellm.completion(**kwargs_for(provider, "Count to 5"))


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_midstream_error(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario("midstream_error")
    with pytest.raises(MidStreamFallbackError) as caught:
        await _call(kwargs_for(provider, "Count to 5", stream=True), "async")
    expected = {
        "openai": "The server had an error",
        "anthropic": "Overloaded",
        "openrouter": "Provider returned error",
    }[provider]
    assert expected in str(caught.value)


def test_slow_scenario_still_answers(emulator: Emulator, kwargs_for: Kwargs) -> None:
    emulator.use_scenario("slow")
    response = litellm.completion(**kwargs_for("openai", "What is 6*7?"))
    assert response.choices[0].message.content == "42"
