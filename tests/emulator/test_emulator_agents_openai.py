"""The official openai SDK against the emulator: tool calls, structured output, the Responses API,
embeddings and models, each parsed by the SDK's own types over a real socket."""

from __future__ import annotations

import json

import jsonschema
import openai
import pytest

from agent_tools import MULTIPLY, WEATHER, chat_tools, responses_tools

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def client(emulator) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-emulator-test", base_url=emulator.url + "/v1", max_retries=0)


def test_chat_tool_call_then_answer_from_the_result(client, emulator) -> None:
    messages = [{"role": "user", "content": "Use multiply to compute 1231 * 2331"}]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=chat_tools(MULTIPLY))
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.id.startswith("call_") and call.function.name == "multiply"
    arguments = json.loads(call.function.arguments)
    assert arguments == {"a": 1231, "b": 2331}
    jsonschema.validate(arguments, MULTIPLY["parameters"])
    messages += [
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": str(1231 * 2331)},
    ]
    second = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=chat_tools(MULTIPLY)
    )
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "The result is 2869461."
    assert [r.provider for r in emulator.requests] == ["openai", "openai"]


def test_streamed_parallel_tool_calls_accumulate_to_valid_arguments(client) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Call get_weather for Oslo and multiply 6 by 7"}],
        tools=chat_tools(MULTIPLY, WEATHER),
        stream=True,
        stream_options={"include_usage": True},
    )
    calls: dict[int, dict[str, str]] = {}
    finish = usage = None
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for part in choice.delta.tool_calls or []:
                slot = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] += part.id or ""
                slot["name"] += part.function.name or ""
                slot["arguments"] += part.function.arguments or ""
    assert finish == "tool_calls" and usage.completion_tokens > 0
    assert [c["name"] for c in calls.values()] == ["get_weather", "multiply"]
    assert json.loads(calls[0]["arguments"]) == {"city": "Oslo", "unit": "celsius"}
    assert json.loads(calls[1]["arguments"]) == {"a": 6, "b": 7}


def test_tool_choice_required_and_named(client) -> None:
    required = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        tools=chat_tools(WEATHER),
        tool_choice="required",
    )
    assert required.choices[0].message.tool_calls[0].function.name == "get_weather"
    named = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "multiply 2 by 3"}],
        tools=chat_tools(MULTIPLY, WEATHER),
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert [c.function.name for c in named.choices[0].message.tool_calls] == ["get_weather"]


def test_structured_output_parses_with_the_sdk_helper(client) -> None:
    from pydantic import BaseModel

    class Sum(BaseModel):
        answer: int
        explanation: str

    parsed = client.chat.completions.parse(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "What is 2+2?"}], response_format=Sum
    )
    assert parsed.choices[0].message.parsed == Sum(
        answer=4, explanation=parsed.choices[0].message.parsed.explanation
    )
    as_object = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "What is 2+2? Answer in JSON."}],
        response_format={"type": "json_object"},
    )
    assert json.loads(as_object.choices[0].message.content) == {"answer": "4"}


def test_json_object_without_the_word_json_is_refused_like_the_api(client) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "What is 2+2?"}],
            response_format={"type": "json_object"},
        )
    assert caught.value.status_code == 400 and "must contain the word 'json'" in caught.value.message


def test_reasoning_models_report_reasoning_tokens(client) -> None:
    response = client.chat.completions.create(
        model="o4-mini", messages=[{"role": "user", "content": "What is 2+2?"}], reasoning_effort="low"
    )
    details = response.usage.completion_tokens_details
    assert details.reasoning_tokens == 64 and response.usage.completion_tokens > 64
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert plain.usage.completion_tokens_details.reasoning_tokens == 0


def test_responses_api_text_and_function_call_loop(client) -> None:
    text = client.responses.create(model="gpt-4o-mini", input="What is 2+2?")
    assert text.output_text == "4" and text.status == "completed" and text.id.startswith("resp_")
    first = client.responses.create(
        model="gpt-4o-mini", input="What is the capital of France? Use get_capital.", tools=responses_tools()
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_capital" and json.loads(call.arguments) == {"country": "France"}
    second = client.responses.create(
        model="gpt-4o-mini",
        input=[
            {"role": "user", "content": "What is the capital of France? Use get_capital."},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "Paris"},
        ],
        tools=responses_tools(),
    )
    assert second.output_text == "The result is Paris."


def test_responses_api_stream_is_the_typed_event_sequence(client) -> None:
    with client.responses.stream(model="gpt-4o-mini", input="Count from 1 to 3") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert "response.output_text.delta" in kinds and kinds[-1] == "response.completed"
    assert final.output_text == "1\n2\n3"


def test_responses_structured_output(client) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "required": ["n"],
        "additionalProperties": False,
    }
    response = client.responses.create(
        model="gpt-4o-mini",
        input="What is 3*3?",
        text={"format": {"type": "json_schema", "name": "n", "schema": schema, "strict": True}},
    )
    assert json.loads(response.output_text) == {"n": 9}


@pytest.mark.parametrize(
    ("model", "size"),
    [("text-embedding-3-small", 1536), ("text-embedding-3-large", 3072), ("text-embedding-ada-002", 1536)],
)
def test_embeddings_default_base64_and_float_agree(client, emulator, model, size) -> None:
    by_sdk = client.embeddings.create(model=model, input=["hello", "world"])  # the SDK asks for base64
    assert emulator.requests[-1].body.get("encoding_format") == "base64"
    as_float = client.embeddings.create(model=model, input=["hello", "world"], encoding_format="float")
    assert [len(d.embedding) for d in by_sdk.data] == [size, size]
    assert by_sdk.data[0].embedding == pytest.approx(as_float.data[0].embedding, abs=1e-7)
    assert by_sdk.data[0].embedding != by_sdk.data[1].embedding
    shorter = client.embeddings.create(model="text-embedding-3-small", input="hello", dimensions=256)
    assert len(shorter.data[0].embedding) == 256


def test_models_list_and_retrieve(client) -> None:
    ids = [model.id for model in client.models.list()]
    assert "gpt-4o-mini" in ids and "text-embedding-3-small" in ids
    assert client.models.retrieve("gpt-4o-mini").owned_by == "system"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nonexistent")


def test_an_unsatisfiable_tool_schema_is_a_400_naming_the_tool_and_keyword(client, emulator) -> None:
    bad = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {
                "type": "object",
                "properties": {"q": {"type": "string", "not": {"const": "x"}}},
                "required": ["q"],
            },
        },
    }
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "lookup x"}],
            tools=[bad],
            tool_choice="required",
        )
    assert "tool 'lookup'" in caught.value.message and "'not'" in caught.value.message
    assert emulator.scenario_errors and "tool 'lookup'" in emulator.scenario_errors[0]


def test_unknown_endpoint_is_openais_404_and_is_logged(client, emulator) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.post("/files/unknown", cast_to=object, body={})
    assert "Invalid URL (POST /v1/files/unknown)" in caught.value.message
    assert emulator.unknown_routes == ["POST /v1/files/unknown"]
