"""Tool calling: definitions passed through to litellm, tool calls parsed, streamed fragments assembled."""

import copy
import dataclasses
import json

import pytest

import ttt

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CLOCK = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


def openai_call(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


@pytest.fixture(autouse=True)
def keys(monkeypatch, fake_clock):
    for p in ("OPENAI", "ANTHROPIC", "OPENROUTER"):
        monkeypatch.setenv(f"{p}_API_KEY", f"sk-test-{p.lower()}")
        monkeypatch.delenv(f"{p}_API_BASE", raising=False)


# ------------------------------------------------------------------ one-shot, litellm's mock


def test_tools_and_tool_choice_reach_litellm_unchanged(calls):
    tools = [copy.deepcopy(WEATHER), copy.deepcopy(CLOCK)]
    ttt.ask("Weather in Paris?", model="mini", tools=tools, tool_choice="required", mock_response="ok")
    tools[0]["function"]["name"] = "changed_afterwards"  # the call took a copy
    kw = calls[0]
    assert kw["tools"] == [WEATHER, CLOCK]
    assert kw["tool_choice"] == "required"
    assert "response_format" not in kw


def test_no_tools_means_no_tool_parameters(calls):
    ttt.ask("hi", model="mini", mock_response="ok")
    assert "tools" not in calls[0] and "tool_choice" not in calls[0]


def test_tool_choice_by_name_becomes_openais_dict(calls):
    ttt.ask("hi", model="claude", tools=[WEATHER], tool_choice="get_weather", mock_response="ok")
    assert calls[0]["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tool_choice": "auto"}, "needs tools"),
        ({"tools": [WEATHER], "tool_choice": "get_time"}, "get_time"),
        ({"tools": WEATHER}, "list of tool definitions"),
        ({"tools": [{"type": "function", "function": {"description": "no name"}}]}, r"tools\[0\]"),
    ],
)
def test_bad_tool_options_fail_before_any_request(calls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ttt.ask("hi", model="mini", mock_response="ok", **kwargs)
    with pytest.raises(ValueError, match=message):
        ttt.stream("hi", model="mini", mock_response="ok", **kwargs)
    assert calls == []


def test_response_carries_parsed_tool_calls(calls, mock_tool_calls):
    mock_tool_calls(
        [
            openai_call("call_1", "get_weather", '{"city": "Paris"}'),
            openai_call("call_2", "get_time", ""),
        ]
    )
    r = ttt.ask("Weather and time in Paris?", model="mini", tools=[WEATHER, CLOCK], mock_response="")
    assert r.tool_calls == [
        ttt.ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris"}),
        ttt.ToolCall(id="call_2", name="get_time", arguments={}),
    ]
    assert isinstance(r.tool_calls[0].arguments, dict)
    assert r.finish_reason is not None and r.content == ""
    assert r.to_dict()["tool_calls"][0] == {
        "id": "call_1",
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.tool_calls[0].name = "other"  # type: ignore[misc]
    assert len({r.tool_calls[0], ttt.ToolCall("call_1", "get_weather", {"city": "Paris"})}) == 1


def test_a_plain_answer_has_no_tool_calls(calls):
    r = ttt.ask("hi", model="mini", tools=[WEATHER], mock_response="just text")
    assert r.tool_calls == [] and r == "just text"


async def test_aask_tool_calls(calls, mock_tool_calls):
    mock_tool_calls([openai_call("call_9", "get_weather", '{"city": "Oslo"}')])
    r = await ttt.aask("Weather in Oslo?", model="claude", tools=[WEATHER], mock_response="")
    assert r.tool_calls == [ttt.ToolCall("call_9", "get_weather", {"city": "Oslo"})]
    assert calls[0]["tools"] == [WEATHER] and calls[0]["model"] == "anthropic/claude-sonnet-4-5-20250929"


@pytest.mark.parametrize(
    ("arguments", "problem"), [('{"city": "Par', "malformed JSON"), ('["Paris"]', "not a JSON object")]
)
def test_malformed_arguments_are_a_ttt_error_naming_the_tool(calls, mock_tool_calls, arguments, problem):
    mock_tool_calls([openai_call("call_1", "get_weather", arguments)])
    with pytest.raises(ttt.ToolCallError, match=problem) as info:
        ttt.ask("Weather?", model="mini", tools=[WEATHER], mock_response="")
    err = info.value
    assert "get_weather" in str(err) and err.tool == "get_weather" and err.arguments == arguments
    assert isinstance(err, ttt.TTTError) and not isinstance(err, json.JSONDecodeError)
    assert err.provider == "openai" and not err.retryable
    assert len(calls) == 1  # the model's answer is what it is: not retried, no fallback

    r = ttt.ask("Weather?", model="mini", tools=[WEATHER], mock_response="", raise_errors=False)
    assert not r and isinstance(r.error, ttt.ToolCallError)


# ------------------------------------------------------------------ over the wire (loopback)


def test_tools_on_the_wire_to_openai(loopback):
    loopback.json(
        loopback.completion(None, [openai_call("call_w", "get_weather", '{"city":"Rome"}')], "tool_calls")
    )
    r = ttt.ask("Weather in Rome?", model="mini", tools=[WEATHER], tool_choice="auto")
    assert r.tool_calls == [ttt.ToolCall("call_w", "get_weather", {"city": "Rome"})]
    assert r.finish_reason == "tool_calls"
    sent = loopback.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["json"]["tools"] == [WEATHER] and sent["json"]["tool_choice"] == "auto"


def test_tools_are_translated_for_anthropic(loopback):
    loopback.json(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5-20251001",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Lima"}},
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 20, "output_tokens": 9},
        }
    )
    r = ttt.ask("Weather in Lima?", model="haiku", tools=[WEATHER], tool_choice="get_weather")
    assert r.tool_calls == [ttt.ToolCall("toolu_1", "get_weather", {"city": "Lima"})]
    assert r.content == "Checking." and r.finish_reason == "tool_calls"
    body = loopback.requests[0]["json"]
    assert loopback.requests[0]["path"] == "/v1/messages"
    assert [t["name"] for t in body["tools"]] == ["get_weather"]
    assert body["tools"][0]["input_schema"] == WEATHER["function"]["parameters"]
    assert body["tool_choice"] == {"type": "tool", "name": "get_weather"}


def tool_stream(loopback, arguments_b: str = "{}") -> None:
    c = loopback.chunk
    loopback.sse(
        [
            c({"role": "assistant", "content": "Let me look"}),
            c({"content": " that up."}),
            c(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            ),
            c({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
            c({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Paris"}'}}]}),
            c(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "call_b",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": arguments_b},
                        }
                    ]
                }
            ),
            c({}, "tool_calls"),
            loopback.usage_chunk(),
        ]
    )


EXPECTED_STREAMED = [
    ttt.ToolCall("call_a", "get_weather", {"city": "Paris"}),
    ttt.ToolCall("call_b", "get_time", {}),
]


def test_stream_assembles_tool_call_fragments(loopback):
    tool_stream(loopback)
    s = ttt.stream("Weather and time?", model="mini", tools=[WEATHER, CLOCK])
    assert s.tool_calls == []  # nothing before the stream has finished
    chunks = list(s)
    assert "".join(chunks) == "Let me look that up."  # text deltas stream as before; fragments do not
    assert s.tool_calls == EXPECTED_STREAMED
    assert s.response is not None and s.response.tool_calls == EXPECTED_STREAMED
    assert s.response.finish_reason == "tool_calls" and s.response.usage.total_tokens == 20
    body = loopback.requests[0]["json"]
    assert body["stream"] is True and body["tools"] == [WEATHER, CLOCK]


async def test_astream_assembles_tool_call_fragments(loopback):
    tool_stream(loopback)
    s = ttt.astream("Weather and time?", model="mini", tools=[WEATHER, CLOCK])
    assert "".join([c async for c in s]) == "Let me look that up."
    assert s.tool_calls == EXPECTED_STREAMED


def test_stream_with_only_tool_calls_yields_no_text(loopback):
    c = loopback.chunk
    loopback.sse(
        [
            c(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_t",
                            "type": "function",
                            "function": {"name": "get_time", "arguments": "{}"},
                        }
                    ],
                }
            ),
            c({}, "tool_calls"),
        ]
    )
    s = ttt.stream("Time?", model="mini", tools=[CLOCK])
    assert list(s) == []
    assert s.tool_calls == [ttt.ToolCall("call_t", "get_time", {})] and s.response.content == ""


def test_streamed_malformed_arguments_raise_naming_the_tool(loopback):
    tool_stream(loopback, arguments_b="{not json")
    s = ttt.stream(
        "Weather and time?", model="mini", tools=[WEATHER, CLOCK], retry=ttt.RetryPolicy(max_attempts=1)
    )
    with pytest.raises(ttt.ToolCallError, match="get_time"):
        list(s)
    assert s.response is None and len(loopback.requests) == 1
