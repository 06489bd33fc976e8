"""Chat sessions: history across turns, save/load round trip, corrupt files."""

import json

import pytest

import ttt
from ttt.session import ChatSession


def test_history_reaches_the_model(calls):
    session = ttt.chat(model="fast", system="be brief", mock_response="Nice to meet you, Alice.")
    session.ask("My name is Alice")
    session.mock_response = "Your name is Alice."
    answer = session.ask("What's my name?")
    assert answer == "Your name is Alice."
    second = calls[1]["messages"]
    assert second == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "My name is Alice"},
        {"role": "assistant", "content": "Nice to meet you, Alice."},
        {"role": "user", "content": "What's my name?"},
    ]
    assert len(session.messages) == 4  # the system prompt is kept apart from the turns


def test_stream_turn_is_recorded_when_finished(calls):
    session = ttt.chat(model="claude", mock_response="Hello Alice")
    stream = session.stream("My name is Alice")
    assert session.messages == []
    assert "".join(stream) == "Hello Alice"
    assert stream.response is not None and stream.response.content == "Hello Alice"
    assert session.messages[-1] == {"role": "assistant", "content": "Hello Alice"}
    session.ask("What's my name?")
    assert calls[-1]["messages"][1] == {"role": "assistant", "content": "Hello Alice"}


async def test_async_session(calls):
    session = ttt.achat(model="gpt", mock_response="ok")
    await session.aask("My name is Alice")
    chunks = [c async for c in session.astream("What's my name?")]
    assert "".join(chunks) == "ok"
    assert calls[-1]["messages"][:2] == [
        {"role": "user", "content": "My name is Alice"},
        {"role": "assistant", "content": "ok"},
    ]
    assert len(session.messages) == 4


def test_failed_turn_leaves_history_untouched():
    session = ttt.chat(model="fast", mock_response="ok")
    with pytest.raises(ValueError):
        session.ask("   ")
    assert session.messages == []


def test_save_and_load_round_trip(tmp_path):
    session = ttt.chat(model="claude", system="sys", temperature=0.3, max_tokens=99, mock_response="hi")
    session.ask("hello")
    path = session.save(tmp_path / "chat.json")
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["model"] == "claude" and len(data["messages"]) == 2

    loaded = ChatSession.load(path, mock_response="again")
    assert loaded.to_dict() == session.to_dict()
    loaded.ask("more")
    assert [m["content"] for m in loaded.messages] == ["hello", "hi", "more", "again"]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"version": 99, "model": "fast", "messages": []}',
        '{"version": 1, "model": "fast", "messages": [{"role": "robot", "content": "x"}]}',
        '{"version": 1, "messages": []}',
        "\udcff",
    ],
)
def test_corrupt_file_error_names_the_file(tmp_path, content):
    path = tmp_path / "broken.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ttt.SessionFileError) as info:
        ChatSession.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ttt.TTTError)


def test_missing_file_error_names_the_file(tmp_path):
    path = tmp_path / "absent.json"
    with pytest.raises(ttt.SessionFileError, match=r"absent\.json"):
        ChatSession.load(path)


def test_session_holds_one_call_options_and_attributes_write_through(calls):
    opts = ttt.CallOptions(model="gpt", system="sys", mock_response="a")
    session = ChatSession(options=opts)
    assert session.options is opts and session.model == "gpt" and session.system == "sys"
    session.mock_response = "b"
    session.fallbacks = ["claude"]
    assert session.options.mock_response == "b" and session.options.fallbacks == ("claude",)
    assert session.ask("hi") == "b"
    assert calls[0]["messages"][0] == {"role": "system", "content": "sys"}
    with pytest.raises(TypeError):
        ChatSession(options=opts, model="fast")
