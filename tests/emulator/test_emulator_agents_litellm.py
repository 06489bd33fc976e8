"""litellm against the emulator for agent traffic on all three providers: tool loops, streamed tool
calls, structured output, rate limits and faults inside agent turns, and the new rate-limit scenarios."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import jsonschema
import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError

from agent_tools import MULTIPLY, chat_tools
from llm_cassettes.synthetic.emulator import Emulator
from llm_cassettes.synthetic.scenarios import Scenario, Step

Kwargs = Callable[..., dict[str, Any]]
PROVIDERS = ("openai", "anthropic", "openrouter")
PROMPT = "Use multiply to compute 1231 * 2331"


def _tool_turn(kwargs_for: Kwargs, provider: str, **extra: Any) -> Any:
    return litellm.completion(**kwargs_for(provider, PROMPT, tools=chat_tools(MULTIPLY), **extra))


def _second_turn(kwargs_for: Kwargs, provider: str, first: Any, **extra: Any) -> dict[str, Any]:
    call = first.choices[0].message.tool_calls[0]
    history = [
        {"role": "user", "content": PROMPT},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "2869461"},
    ]
    return kwargs_for(provider, history, tools=chat_tools(MULTIPLY), **extra)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_agent_loop_tool_call_then_answer(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    first = _tool_turn(kwargs_for, provider)
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "multiply" and json.loads(call.function.arguments) == {"a": 1231, "b": 2331}
    second = litellm.completion(**_second_turn(kwargs_for, provider, first))
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "The result is 2869461."


@pytest.mark.parametrize("provider", PROVIDERS)
def test_streamed_tool_call_rebuilds_to_the_same_call(
    emulator: Emulator, kwargs_for: Kwargs, provider: str
) -> None:
    chunks = list(_tool_turn(kwargs_for, provider, stream=True))
    rebuilt = litellm.stream_chunk_builder(chunks)
    (call,) = rebuilt.choices[0].message.tool_calls
    assert call.function.name == "multiply" and json.loads(call.function.arguments) == {"a": 1231, "b": 2331}
    assert rebuilt.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_structured_output_validates_against_the_schema(
    emulator: Emulator, kwargs_for: Kwargs, provider: str
) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}, "unit": {"enum": ["none", "apples"]}},
        "required": ["answer", "unit"],
        "additionalProperties": False,
    }
    response = litellm.completion(
        **kwargs_for(
            provider,
            "What is 2+2?",
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "sum", "schema": schema, "strict": True},
            },
        )
    )
    value = json.loads(response.choices[0].message.content)
    jsonschema.validate(value, schema)
    assert value["answer"] == 4


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_429_on_the_second_turn_of_a_loop(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario(
        Scenario("second_turn_429", (Step("ok"), Step("error", error="rate_limit")), False, "")
    )
    first = _tool_turn(kwargs_for, provider)
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(**_second_turn(kwargs_for, provider, first))
    third = litellm.completion(**_second_turn(kwargs_for, provider, first))  # steps ran out: answers again
    assert third.choices[0].message.content == "The result is 2869461."


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (Step("connection_reset"), (litellm.APIConnectionError, litellm.InternalServerError)),
        (Step("read_timeout", delay=5.0), litellm.Timeout),
    ],
    ids=["reset", "timeout"],
)
def test_a_transport_fault_on_the_second_turn(
    emulator: Emulator, kwargs_for: Kwargs, step: Step, expected
) -> None:
    # Steps count requests, whatever they carry: step 2 is the loop's second turn.
    emulator.use_scenario(Scenario("second_turn_fault", (Step("ok"), step), False, ""))
    first = _tool_turn(kwargs_for, "openai")
    with pytest.raises(expected):
        litellm.completion(**_second_turn(kwargs_for, "openai", first, timeout=0.3))
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("scenario", ["truncated_stream", "midstream_error"])
def test_a_tool_call_stream_that_breaks_off(
    emulator: Emulator, kwargs_for: Kwargs, provider: str, scenario: str
) -> None:
    emulator.use_scenario(scenario)
    with pytest.raises(MidStreamFallbackError):
        list(_tool_turn(kwargs_for, provider, stream=True))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rate_limit_without_retry_after(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario("rate_limit_no_retry_after")
    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.completion(**kwargs_for(provider, "hi"))
    headers = {k.lower(): v for k, v in dict(caught.value.litellm_response_headers).items()}
    assert "retry-after" not in headers and "x-ratelimit-reset" not in headers
    if provider == "anthropic":
        assert headers["x-should-retry"] == "true"


def test_openrouter_reset_lies_the_advertised_seconds_after_the_date_header(
    emulator: Emulator, kwargs_for: Kwargs
) -> None:
    emulator.use_scenario("rate_limit")
    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.completion(**kwargs_for("openrouter", "hi"))
    headers = {k.lower(): v for k, v in dict(caught.value.litellm_response_headers).items()}
    sent_at = parsedate_to_datetime(headers["date"]).timestamp()
    assert int(headers["x-ratelimit-reset"]) / 1000 - sent_at == 2


@pytest.mark.parametrize(
    ("provider", "expected", "status"),
    [
        ("openai", litellm.RateLimitError, 429),
        ("anthropic", litellm.BadRequestError, 400),
        ("openrouter", litellm.APIError, 402),
    ],
)
def test_insufficient_quota(emulator: Emulator, kwargs_for: Kwargs, provider: str, expected, status) -> None:
    emulator.use_scenario("insufficient_quota")
    with pytest.raises(expected) as caught:
        litellm.completion(**kwargs_for(provider, "hi"))
    assert caught.value.status_code == status
    if provider == "openai":
        assert "exceeded your current quota" in str(caught.value)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_context_length_exceeded(emulator: Emulator, kwargs_for: Kwargs, provider: str) -> None:
    emulator.use_scenario("context_length_exceeded")
    with pytest.raises((litellm.ContextWindowExceededError, litellm.BadRequestError)) as caught:
        litellm.completion(**kwargs_for(provider, "hi"))
    assert caught.value.status_code == 400


def test_openrouter_invalid_model_id(emulator: Emulator, kwargs_for: Kwargs) -> None:
    emulator.use_scenario("invalid_model")
    with pytest.raises(litellm.BadRequestError) as caught:
        litellm.completion(**kwargs_for("openrouter", "hi"))
    assert "is not a valid model ID" in str(caught.value)
