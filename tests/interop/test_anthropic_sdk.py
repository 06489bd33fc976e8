"""The official ``anthropic`` SDK (2.x, on httpx2) recorded through the plugin and replayed offline, keyless.

Messages sync and async, raw event streams and the ``messages.stream`` helper (sync and async), tool use
over two turns (plain and streamed), clients built at import time and in a session fixture, and the
``request-id`` header the SDK exposes as ``_request_id``.
"""

from __future__ import annotations

import pytest

from .conftest import KEEP_CONFTEST, PLANTED_KEYS, PROVIDER_VARIABLES, record_and_replay

# One xdist worker runs every SDK project: each worker would otherwise import both SDKs (seconds).
pytestmark = pytest.mark.xdist_group("sdk")


CONFTEST = (
    KEEP_CONFTEST
    + """
import anthropic


@pytest.fixture(scope="session")
def session_client():
    return anthropic.Anthropic()
"""
)

TESTS = """
import anthropic
import pytest

pytestmark = pytest.mark.llm(provider="anthropic")

# Built at import time, during collection.
CLIENT = anthropic.Anthropic()
MODEL = "claude-haiku-4-5"
MESSAGES = [{"role": "user", "content": "What is 2+2?"}]
TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather in a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


def test_messages_module_client(keep):
    message = CLIENT.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert message.content[0].text == "Echo: What is 2+2?"
    keep(message)


def test_messages_session_fixture_client(session_client, keep):
    keep(session_client.messages.create(model=MODEL, max_tokens=32, messages=MESSAGES, system="Be brief."))


async def test_messages_async(keep):
    client = anthropic.AsyncAnthropic()
    keep(await client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stop_sequences=["###"]))


def test_raw_event_stream(keep):
    stream = CLIENT.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stream=True)
    keep([event for event in stream])


def test_stream_helper(keep):
    hello = [{"role": "user", "content": "Say hello there"}]
    with CLIENT.messages.stream(model=MODEL, max_tokens=64, messages=hello) as stream:
        text = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(text) == final.content[0].text
    keep({"text": text, "final": final.model_dump(mode="json")})


async def test_stream_helper_async(keep):
    client = anthropic.AsyncAnthropic()
    async with client.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
        text = [piece async for piece in stream.text_stream]
        final = await stream.get_final_message()
    keep({"text": text, "final": final.model_dump(mode="json")})


def test_tool_use_two_turns(keep):
    first = CLIENT.messages.create(model=MODEL, max_tokens=128, messages=MESSAGES, tools=TOOLS)
    use = next(block for block in first.content if block.type == "tool_use")
    assert first.stop_reason == "tool_use" and use.input == {"city": "Paris"}
    history = [
        *MESSAGES,
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21 C"}],
        },
    ]
    second = CLIENT.messages.create(model=MODEL, max_tokens=128, messages=history, tools=TOOLS)
    assert second.content[0].text == "The tool said: sunny, 21 C"
    keep([first, second])


async def test_tool_use_streamed_async(keep):
    client = anthropic.AsyncAnthropic()
    async with client.messages.stream(model=MODEL, max_tokens=128, messages=MESSAGES, tools=TOOLS) as stream:
        final = await stream.get_final_message()
    assert final.content[-1].type == "tool_use"
    keep(final)


def test_request_id_header(keep):
    raw = CLIENT.messages.with_raw_response.create(model=MODEL, max_tokens=16, messages=MESSAGES)
    parsed = raw.parse()
    content_type = raw.headers.get("content-type")
    keep({"request_id": raw.request_id, "parsed": parsed._request_id, "type": content_type})
"""


def test_anthropic_sdk_records_and_replays_offline_without_keys(sdk_project, monkeypatch, fake_provider):
    sdk_project.makeconftest(CONFTEST)
    sdk_project.makepyfile(test_anthropic_calls=TESTS)
    run = record_and_replay(sdk_project, monkeypatch, fake_provider, "-p", "no:randomly")

    problems = run.problems(expected_tests=9)
    assert not problems, "\n".join(problems)
    assert len(run.cassettes) == len(run.recorded_out) == 9
    everything = b"".join(p.read_bytes() for p in run.cassettes)
    assert PLANTED_KEYS["ANTHROPIC_API_KEY"].encode() not in everything

    seen = run.recorded_out["test_request_id_header"]
    assert seen["request_id"].startswith("req_011C") and seen["parsed"] == seen["request_id"]
    assert run.recorded_out["test_messages_module_client"]["_request_id"].startswith("req_011C")
    assert run.env_after_replay == {name: None for name in PROVIDER_VARIABLES}
