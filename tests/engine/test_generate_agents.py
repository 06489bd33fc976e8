"""`llm-cassettes generate` for tests written on the official openai / anthropic SDKs: tool calls, the
Responses API and embeddings get synthetic cassettes with no key, and those replay offline; the summary
names tests that called an endpoint the emulator does not serve."""

from __future__ import annotations

import json

from llm_cassettes.cassette import load
from llm_cassettes.cli.generate import main as generate_command

SDK_TESTS = """
import json

import anthropic
import openai
import pytest

INTEGER = {"type": "integer"}
MULTIPLY = {"name": "multiply", "description": "Multiply two integers.", "parameters": {
    "type": "object", "properties": {"a": INTEGER, "b": INTEGER}, "required": ["a", "b"]}}


@pytest.mark.llm(provider="openai")
def test_chat_tool_loop():
    client = openai.OpenAI(max_retries=0)
    messages = [{"role": "user", "content": "Use multiply to compute 6 * 7"}]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                           tools=[{"type": "function", "function": MULTIPLY}])
    (call,) = first.choices[0].message.tool_calls
    args = json.loads(call.function.arguments)
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": str(args["a"] * args["b"])}]
    second = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                            tools=[{"type": "function", "function": MULTIPLY}])
    assert second.choices[0].message.content == "The result is 42."


@pytest.mark.llm(provider="openai")
def test_responses_stream():
    with openai.OpenAI(max_retries=0).responses.stream(model="gpt-4o-mini", input="What is 2+2?") as stream:
        kinds = [event.type for event in stream]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert stream.get_final_response().output_text == "4"


@pytest.mark.llm(provider="openai")
def test_embeddings():
    result = openai.OpenAI(max_retries=0).embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert [len(item.embedding) for item in result.data] == [1536, 1536]


@pytest.mark.llm(provider="anthropic")
def test_anthropic_tool_use():
    message = anthropic.Anthropic(max_retries=0).messages.create(
        model="claude-haiku-4-5", max_tokens=100, tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "Use multiply to compute 6 * 7"}],
        tools=[{"name": "multiply", "description": "", "input_schema": MULTIPLY["parameters"]}],
    )
    assert message.stop_reason == "tool_use" and message.content[0].input == {"a": 6, "b": 7}


@pytest.mark.llm(provider="openai")
def test_files_endpoint():
    with pytest.raises(openai.NotFoundError):
        openai.OpenAI(max_retries=0).files.list()
"""


def test_sdk_tests_get_synthetic_cassettes_that_replay_offline(project, monkeypatch, capsys):
    project.makepyfile(test_sdk=SDK_TESTS)
    monkeypatch.chdir(project.path)
    assert generate_command(["test_sdk.py"], in_process=True) == 0
    summary = capsys.readouterr().out
    assert "llm-cassettes generate: 5 tests: 5 written" in summary
    # The one test that asked for what the emulator does not serve is named, with the request.
    assert "tests that called endpoints the emulator does not serve" in summary
    assert "test_sdk.py::test_files_endpoint: GET /v1/files" in summary

    cassettes = project.path / "cassettes" / "test_sdk.py"
    loop = load(cassettes / "test_chat_tool_loop.yaml")
    assert loop.meta["origin"] == "synthetic"
    assert [i.request.uri for i in loop.interactions] == ["https://api.openai.com/v1/chat/completions"] * 2
    assert json.loads(loop.interactions[1].request.body)["messages"][-1]["content"] == "42"
    stream = load(cassettes / "test_responses_stream.yaml")
    assert stream.interactions[0].request.uri == "https://api.openai.com/v1/responses"
    assert load(cassettes / "test_anthropic_tool_use.yaml").interactions[0].request.uri == (
        "https://api.anthropic.com/v1/messages"
    )

    # Offline, with no key: every test replays from its cassette.
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    project.runpytest().assert_outcomes(passed=5)
