"""Chat sessions with tools: tool-call turns, tool results, continuing, and save/load of both."""

import json

import pytest

import ttt
from ttt.session import ChatSession

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
RECORDED_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
}


@pytest.fixture(autouse=True)
def keys(monkeypatch, fake_clock):
    for p in ("OPENAI", "ANTHROPIC", "OPENROUTER"):
        monkeypatch.setenv(f"{p}_API_KEY", f"sk-test-{p.lower()}")
        monkeypatch.delenv(f"{p}_API_BASE", raising=False)


def tool_turn(mock_tool_calls) -> ChatSession:
    """A session whose first turn was answered with one get_weather call."""
    mock_tool_calls([CALL])
    session = ttt.chat(model="mini", system="use tools", tools=[WEATHER], mock_response="")
    response = session.ask("Weather in Paris?")
    assert response.tool_calls == [ttt.ToolCall("call_1", "get_weather", {"city": "Paris"})]
    return session


def test_tool_loop_sends_the_call_and_its_result_back(calls, mock_tool_calls, monkeypatch):
    session = tool_turn(mock_tool_calls)
    assert session.messages[-1] == {"role": "assistant", "content": None, "tool_calls": [RECORDED_CALL]}
    assert session.pending_tool_calls == [ttt.ToolCall("call_1", "get_weather", {"city": "Paris"})]

    session.add_tool_result("call_1", "sunny, 21 C")
    assert session.pending_tool_calls == []
    mock_tool_calls([])
    session.mock_response = "It is sunny in Paris."
    answer = session.ask()  # continue: no new user message
    assert answer == "It is sunny in Paris."
    assert calls[-1]["tools"] == [WEATHER]
    assert calls[-1]["messages"] == [
        {"role": "system", "content": "use tools"},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [RECORDED_CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"},
    ]
    assert session.messages[-1] == {"role": "assistant", "content": "It is sunny in Paris."}


async def test_async_continue_after_a_tool_result(calls, mock_tool_calls):
    session = tool_turn(mock_tool_calls)
    session.add_tool_result("call_1", {"sky": "clear", "celsius": 21})
    assert session.messages[-1]["content"] == '{"sky": "clear", "celsius": 21}'  # non-text results as JSON
    mock_tool_calls([])
    session.mock_response = "Clear and 21 C."
    assert "".join([c async for c in session.astream()]) == "Clear and 21 C."
    assert calls[-1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": session.messages[-2]["content"],
    }
    assert session.messages[-1] == {"role": "assistant", "content": "Clear and 21 C."}


def test_tool_results_are_checked_against_the_pending_calls(calls, mock_tool_calls):
    session = tool_turn(mock_tool_calls)
    with pytest.raises(ValueError, match="no pending tool call 'call_x'"):
        session.add_tool_result("call_x", "?")
    with pytest.raises(ValueError, match="call_1"):
        session.ask("Never mind")  # the provider would reject a call left without its result
    n = len(calls)
    session.add_tool_result("call_1", "rain")
    with pytest.raises(ValueError, match="no pending"):
        session.add_tool_result("call_1", "rain again")
    assert len(calls) == n


def test_continue_needs_tool_results(calls):
    session = ttt.chat(model="mini", mock_response="hi")
    with pytest.raises(ValueError, match="nothing to continue"):
        session.ask()
    session.ask("hello")
    with pytest.raises(ValueError, match="nothing to continue"):
        session.stream()
    assert len(calls) == 1


def test_streamed_tool_call_turn_is_recorded(loopback, fake_clock):
    c = loopback.chunk
    loopback.sse(
        [
            c(
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_s",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city"'},
                        }
                    ],
                }
            ),
            c({"tool_calls": [{"index": 0, "function": {"arguments": ': "Oslo"}'}}]}),
            c({}, "tool_calls"),
        ]
    )
    session = ttt.chat(model="mini", tools=[WEATHER])
    stream = session.stream("Weather in Oslo?")
    assert session.messages == []  # recorded only once the stream has finished
    assert list(stream) == []
    assert stream.tool_calls == [ttt.ToolCall("call_s", "get_weather", {"city": "Oslo"})]
    assert session.messages[-1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city":"Oslo"}',
    }

    session.add_tool_result("call_s", "snow")
    loopback.json(loopback.completion("Snow in Oslo."))
    assert session.ask() == "Snow in Oslo."
    sent = loopback.requests[-1]["json"]["messages"]
    assert sent[-2]["tool_calls"][0]["id"] == "call_s"
    assert sent[-1] == {"role": "tool", "tool_call_id": "call_s", "content": "snow"}


def test_anthropic_continuation_carries_tool_use_and_tool_result(loopback):
    session = ChatSession(
        model="haiku",
        tools=[WEATHER],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [RECORDED_CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
    )
    loopback.json(
        {
            "id": "msg_2",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5-20251001",
            "content": [{"type": "text", "text": "Sunny."}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 30, "output_tokens": 3},
        }
    )
    assert session.ask() == "Sunny."
    messages = loopback.requests[0]["json"]["messages"]
    assert messages[1]["content"] == [
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}
    ]
    assert messages[2]["content"][0]["type"] == "tool_result"
    assert messages[2]["content"][0]["tool_use_id"] == "call_1"


# ------------------------------------------------------------------ save / load


def test_save_and_load_round_trip_tool_calls_and_results(tmp_path, calls, mock_tool_calls):
    session = tool_turn(mock_tool_calls)
    session.add_tool_result("call_1", "sunny")
    path = session.save(tmp_path / "tools.json")
    data = json.loads(path.read_text())
    assert data["version"] == 2
    assert data["tools"] == [WEATHER]
    assert data["messages"][1] == {"role": "assistant", "content": None, "tool_calls": [RECORDED_CALL]}
    assert data["messages"][2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}

    loaded = ChatSession.load(path, mock_response="Sunny in Paris.")
    assert loaded.to_dict() == session.to_dict()
    assert loaded.tools == (WEATHER,) and loaded.pending_tool_calls == []
    mock_tool_calls([])
    loaded.ask()
    session.mock_response = "Sunny in Paris."
    session.ask()
    assert calls[-1]["messages"] == calls[-2]["messages"]  # the loaded session sends the same history
    assert calls[-1]["tools"] == calls[-2]["tools"] == [WEATHER]


def test_a_pending_call_survives_save_and_load(tmp_path, mock_tool_calls):
    session = tool_turn(mock_tool_calls)
    loaded = ChatSession.load(session.save(tmp_path / "pending.json"))
    assert loaded.pending_tool_calls == [ttt.ToolCall("call_1", "get_weather", {"city": "Paris"})]


def test_text_only_sessions_still_save_as_version_1(tmp_path, calls):
    session = ttt.chat(model="claude", mock_response="hi")
    session.ask("hello")
    assert json.loads(session.save(tmp_path / "v1.json").read_text())["version"] == 1


def test_old_version_1_files_still_load(tmp_path, calls):
    path = tmp_path / "old.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "model": "gpt",
                "system": "be brief",
                "temperature": 0.2,
                "max_tokens": 50,
                "timeout": 30.0,
                "fallbacks": None,
                "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
            }
        )
    )
    loaded = ChatSession.load(path, mock_response="again")
    assert loaded.model == "gpt" and loaded.temperature == 0.2 and loaded.tools is None
    loaded.ask("more")
    assert calls[0]["messages"][:3] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "tool", "content": "no id"}],
        [{"role": "assistant", "content": None, "tool_calls": [{"id": "c", "function": {"name": "f"}}]}],
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{broken"}}
                ],
            }
        ],
        [{"role": "assistant", "content": None, "tool_calls": []}],
        [{"role": "assistant", "content": None}],
    ],
)
def test_corrupt_tool_turns_are_session_file_errors(tmp_path, messages):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"version": 2, "model": "fast", "messages": messages}))
    with pytest.raises(ttt.SessionFileError, match=r"bad\.json.*messages\[0\]"):
        ChatSession.load(path)


def test_tool_turns_in_a_version_1_file_are_rejected(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "model": "fast",
                "messages": [{"role": "tool", "tool_call_id": "c", "content": "x"}],
            }
        )
    )
    with pytest.raises(ttt.SessionFileError, match="user/assistant text turns"):
        ChatSession.load(path)


def test_invalid_saved_tools_are_a_session_file_error(tmp_path):
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"version": 2, "model": "fast", "messages": [], "tools": [{"nope": 1}]}))
    with pytest.raises(ttt.SessionFileError, match=r"tools\.json.*tools\[0\]"):
        ChatSession.load(path)
