"""The official anthropic SDK against the emulator: tool_use loops, streamed input_json_delta, thinking
with signatures, prompt caching across turns, count_tokens, models, aliases and validation."""

from __future__ import annotations

import anthropic
import jsonschema
import pytest

from agent_tools import MULTIPLY, WEATHER, anthropic_tools

LONG = "The quick brown fox jumps over the lazy dog. " * 250


@pytest.fixture
def client(emulator) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-ant-emulator-test", base_url=emulator.url, max_retries=0)


def test_tool_use_loop_runs_to_end_turn(client) -> None:
    messages = [{"role": "user", "content": "Use multiply to compute 1231 * 2331"}]
    first = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=200,
        messages=messages,
        tools=anthropic_tools(MULTIPLY),
        tool_choice={"type": "any"},
    )
    assert first.stop_reason == "tool_use" and first.model == "claude-haiku-4-5-20251001"
    (use,) = [block for block in first.content if block.type == "tool_use"]
    assert use.id.startswith("toolu_01") and use.input == {"a": 1231, "b": 2331}
    messages += [
        {"role": "assistant", "content": [block.model_dump() for block in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "2869461"}]},
    ]
    second = client.messages.create(
        model="claude-haiku-4-5", max_tokens=200, messages=messages, tools=anthropic_tools(MULTIPLY)
    )
    assert second.stop_reason == "end_turn" and second.content[0].text == "The result is 2869461."


def test_streamed_tool_use_accumulates_in_the_sdk_helper(client) -> None:
    with client.messages.stream(
        model="claude-sonnet-4-5",
        max_tokens=200,
        tools=anthropic_tools(MULTIPLY, WEATHER),
        messages=[{"role": "user", "content": "Call get_weather for Oslo and multiply 6 by 7"}],
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert "content_block_delta" in kinds and kinds[-1] == "message_stop"
    uses = [b for b in final.content if b.type == "tool_use"]
    assert [(u.name, u.input) for u in uses] == [
        ("get_weather", {"city": "Oslo", "unit": "celsius"}),
        ("multiply", {"a": 6, "b": 7}),
    ]
    jsonschema.validate(uses[0].input, WEATHER["parameters"])
    assert final.stop_reason == "tool_use" and final.model == "claude-sonnet-4-5-20250929"


def test_disable_parallel_tool_use_gives_one_call(client) -> None:
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=200,
        tools=anthropic_tools(MULTIPLY, WEATHER),
        tool_choice={"type": "auto", "disable_parallel_tool_use": True},
        messages=[{"role": "user", "content": "Call get_weather for Oslo and multiply 6 by 7"}],
    )
    assert [b.name for b in message.content if b.type == "tool_use"] == ["get_weather"]


def test_tool_based_structured_output(client) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}
    message = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=200,
        messages=[{"role": "user", "content": "What is 2+2?"}],
        tools=[{"name": "record_answer", "description": "Record the answer.", "input_schema": schema}],
        tool_choice={"type": "tool", "name": "record_answer"},
    )
    (use,) = message.content
    jsonschema.validate(use.input, schema)
    assert use.input == {"answer": 2}  # numbers of the prompt come first for tool arguments


@pytest.mark.parametrize("stream", [False, True])
def test_thinking_blocks_come_first_with_a_signature(client, stream) -> None:
    kwargs = dict(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "What is 2+2?"}],
    )
    if stream:
        with client.messages.stream(**kwargs) as events:
            deltas = [e.delta.type for e in events if e.type == "content_block_delta"]
            message = events.get_final_message()
        assert "thinking_delta" in deltas and "signature_delta" in deltas
    else:
        message = client.messages.create(**kwargs)
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.signature and "2+2" in thinking.thinking
    assert text.text == "4"


def test_cache_control_counts_follow_the_turns(client) -> None:
    system = [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}]
    first = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        system=system,
        messages=[{"role": "user", "content": "What is 2+2?"}],
    )
    assert first.usage.cache_creation_input_tokens > 1024 and first.usage.cache_read_input_tokens == 0
    second = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        system=system,
        messages=[
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "4"},
            {"role": "user", "content": "And 3+3?"},
        ],
    )
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0


def test_count_tokens_and_models(client) -> None:
    counted = client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}]
    )
    created = client.messages.create(
        model="claude-haiku-4-5", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
    )
    assert counted.input_tokens == created.usage.input_tokens
    ids = [model.id for model in client.models.list()]
    assert "claude-haiku-4-5-20251001" in ids


def test_missing_max_tokens_is_a_400_in_anthropics_shape(emulator) -> None:
    import httpx

    response = httpx.post(
        emulator.url + "/v1/messages",
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        json={"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "error" and body["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }
    assert emulator.requests[-1].provider == "anthropic"
