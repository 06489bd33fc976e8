"""The official ``openai`` SDK (3.x, on httpx2) recorded through the plugin and replayed offline, keyless.

One project holds every kind of call a user makes: sync and async chat (also over the SDK's aiohttp
transport), streams, tool calls over two
turns, embeddings (the SDK asks for base64 and decodes it), two multipart uploads (files and audio
transcriptions: httpx2 picks a random boundary each time), clients built at import time in the test
module and in conftest.py and in a session fixture, request ids and a non-ASCII response header.
"""

from __future__ import annotations

import os

import pytest

from .conftest import KEEP_CONFTEST, PLANTED_KEYS, PROVIDER_VARIABLES, record_and_replay

# One xdist worker runs every SDK project: each worker would otherwise import both SDKs (seconds).
pytestmark = pytest.mark.xdist_group("sdk")


CONFTEST = (
    KEEP_CONFTEST
    + """
import openai

# Built while conftest.py is imported: before any fixture can set a key.
CONFTEST_CLIENT = openai.OpenAI()


@pytest.fixture(scope="session")
def session_client():
    return openai.OpenAI()


@pytest.fixture
def conftest_client():
    return CONFTEST_CLIENT
"""
)

TESTS = """
import openai
import pytest

pytestmark = pytest.mark.llm(provider="openai")

# Built at import time, during collection.
CLIENT = openai.OpenAI()
MESSAGES = [{"role": "user", "content": "What is 2+2?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def test_chat_module_client(keep):
    response = CLIENT.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert response.choices[0].message.content == "Echo: What is 2+2?"
    keep(response)


def test_chat_conftest_client(conftest_client, keep):
    keep(conftest_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0))


def test_chat_session_fixture_client(session_client, keep):
    keep(session_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=5))


async def test_chat_async(keep):
    client = openai.AsyncOpenAI()
    response = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, seed=1)
    keep(response)


async def test_chat_async_over_aiohttp(keep):
    # The SDK's aiohttp transport (an httpx2.AsyncClient subclass) goes through the same seam.
    async with openai.AsyncOpenAI(http_client=openai.DefaultAioHttpClient()) as client:
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        keep([chunk async for chunk in stream])


def test_chat_stream(keep):
    stream = CLIENT.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert chunks[-1].usage is not None
    keep(chunks)


async def test_chat_stream_async(keep):
    client = openai.AsyncOpenAI()
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Count to three"}], stream=True
    )
    keep([chunk async for chunk in stream])


def test_tool_call_two_turns(keep):
    first = CLIENT.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    history = [
        *MESSAGES,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"},
    ]
    second = CLIENT.chat.completions.create(model="gpt-4o-mini", messages=history, tools=TOOLS)
    assert second.choices[0].message.content == "The tool said: sunny, 21 C"
    keep([first, second])


def test_tool_call_streamed(keep):
    stream = CLIENT.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, stream=True)
    keep(list(stream))


def test_embeddings(keep):
    response = CLIENT.embeddings.create(model="text-embedding-3-small", input=["first text", "second"])
    assert len(response.data) == 2 and len(response.data[0].embedding) == 8
    keep(response)


def test_file_upload_multipart(keep):
    uploaded = CLIENT.files.create(file=("notes.jsonl", b'{"a": 1}\\n', "application/jsonl"), purpose="batch")
    assert uploaded.filename == "notes.jsonl" and uploaded.bytes == 9
    keep(uploaded)


async def test_audio_transcription_multipart(keep):
    client = openai.AsyncOpenAI()
    audio = b"RIFF" + bytes(range(256)) * 4  # binary content, not UTF-8
    transcript = await client.audio.transcriptions.create(
        model="whisper-1", file=("clip.wav", audio, "audio/wav")
    )
    keep(transcript)


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_request_id_and_non_ascii_header(keep, encoding):
    raw = CLIENT.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-fake-note": encoding}
    )
    keep(
        {
            "request_id": raw.request_id,
            "parsed_request_id": raw.parse()._request_id,
            "x-note": raw.headers.get("x-note"),
            "x-note-bytes": [v.hex() for k, v in raw.headers.raw if k.lower() == b"x-note"],
            "content-type": raw.headers.get("content-type"),
            "x-ratelimit-remaining-requests": raw.headers.get("x-ratelimit-remaining-requests"),
        },
        name=f"non_ascii_header_{encoding}",
    )
"""


def test_openai_sdk_records_and_replays_offline_without_keys(sdk_project, monkeypatch, fake_provider):
    sdk_project.makeconftest(CONFTEST)
    sdk_project.makepyfile(test_openai_calls=TESTS)
    run = record_and_replay(sdk_project, monkeypatch, fake_provider, "-p", "no:randomly")

    problems = run.problems(expected_tests=14)
    assert not problems, "\n".join(problems)
    assert len(run.cassettes) == len(run.recorded_out) == 14
    everything = b"".join(p.read_bytes() for p in run.cassettes)
    assert PLANTED_KEYS["OPENAI_API_KEY"].encode() not in everything

    for encoding in ("utf-8", "latin-1"):
        seen = run.recorded_out[f"non_ascii_header_{encoding}"]
        assert seen["request_id"].startswith("req_") and seen["parsed_request_id"] == seen["request_id"]
        assert seen["x-note-bytes"] == ["café ünïcödé".encode(encoding).hex()]
    assert run.recorded_out["test_chat_module_client"]["_request_id"].startswith("req_")
    # Placeholder keys live only as long as the run that set them.
    assert run.env_after_replay == {name: None for name in PROVIDER_VARIABLES}
    assert "OPENAI_API_KEY" not in os.environ


@pytest.mark.parametrize("variable", ["OPENAI_API_KEY"])
def test_recording_without_the_key_skips_naming_the_variable(
    sdk_project, monkeypatch, fake_provider, variable
):
    sdk_project.makepyfile(
        test_needs_key="""
import openai, pytest

@pytest.mark.llm(provider="openai")
def test_chat():
    openai.OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
"""
    )
    for name, value in fake_provider.env().items():
        monkeypatch.setenv(name, value)
    result = sdk_project.runpytest("--real-api", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*{variable} not set*"])
    assert not (sdk_project.path / "cassettes").exists()
