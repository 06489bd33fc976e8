"""Agent traffic through ttt on every provider: a tool loop, a streamed tool call, structured output,
and the ways agents break in production: a 429 on the loop's second turn, a tool-call stream cut off.

The first three are what a real API does on demand (recordable with ``pytest --real-api``); the last
two replay synthetic cassettes made by ``llm-cassettes generate`` (scenarios in scenarios.yaml).
"""

from __future__ import annotations

import pytest

import ttt

from .conftest import NO_RETRY

MULTIPLY = {
    "type": "function",
    "function": {
        "name": "multiply",
        "description": "Multiply two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
            "additionalProperties": False,
        },
    },
}
PROMPT = "Use the multiply tool to compute 1231 * 2331."
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}, "explanation": {"type": "string"}},
    "required": ["answer", "explanation"],
    "additionalProperties": False,
}


def _multiply(call: ttt.ToolCall) -> str:
    return str(call.arguments["a"] * call.arguments["b"])


def _first_turn(provider, **options) -> tuple[ttt.ChatSession, ttt.ToolCall]:
    session = ttt.chat(model=provider.model, tools=[MULTIPLY], **options)
    response = session.ask(PROMPT)
    (call,) = response.tool_calls
    assert call.name == "multiply" and call.arguments == {"a": 1231, "b": 2331}
    return session, call


@pytest.mark.llm
def test_agent_loop_calls_the_tool_and_answers_with_its_result(provider, rate_limit_delay, llm_cassette):
    session, call = _first_turn(provider)
    session.add_tool_result(call.id, _multiply(call))
    answer = session.ask()
    assert "2869461" in str(answer).replace(",", "")
    assert answer.tool_calls == []
    assert len(llm_cassette.requests) == 2
    # The second request carried the call and its result back to the provider.
    assert "2869461" in str(llm_cassette.requests[1].body)


@pytest.mark.llm
def test_streamed_tool_call_assembles_the_arguments(provider, rate_limit_delay):
    stream = ttt.stream(PROMPT, model=provider.model, tools=[MULTIPLY], tool_choice="required")
    text = "".join(stream)
    assert text == ""
    (call,) = stream.tool_calls
    assert call.name == "multiply" and call.arguments == {"a": 1231, "b": 2331}


@pytest.mark.llm
def test_structured_output_is_parsed_against_the_schema(provider, rate_limit_delay):
    response = ttt.ask(
        "What is 2+2? Answer with the number and a one-line explanation.",
        model=provider.model,
        schema=ANSWER_SCHEMA,
    )
    assert response.parsed["answer"] == 4
    assert isinstance(response.parsed["explanation"], str)


@pytest.mark.llm(scenario="second_turn_rate_limited")
def test_agent_loop_retries_a_429_on_its_second_turn(provider, fake_clock, llm_cassette):
    session, call = _first_turn(provider, retry=fake_clock.policy())
    session.add_tool_result(call.id, _multiply(call))
    answer = session.ask()
    assert "2869461" in str(answer)
    assert len(llm_cassette.requests) == 3  # tool call, 429, answer
    # Each provider advertised 2 s (retry-after, or OpenRouter's reset 2 s after the 429's Date);
    # backoff alone would have waited 0.5 s.
    assert len(fake_clock.sleeps) == 1 and fake_clock.sleeps[0] >= 2.0


@pytest.mark.llm(scenario="tool_call_stream_cut")
def test_a_cut_tool_call_stream_raises_and_leaves_no_half_call(provider):
    stream = ttt.stream(
        PROMPT, model=provider.model, tools=[MULTIPLY], tool_choice="required", retry=NO_RETRY
    )
    with pytest.raises(ttt.ConnectionError) as info:
        list(stream)
    assert info.value.provider == provider.name
    assert stream.tool_calls == []  # a call whose arguments never finished is not handed out
