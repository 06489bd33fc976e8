"""Tool-call, Responses API and embeddings wire builders, checked against the official SDKs' own types."""

from __future__ import annotations

import base64
import json
import math
import struct

import pytest
from anthropic.types import Message
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessage
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from llm_cassettes.synthetic.wire import embeddings, responses, tool_calls
from llm_cassettes.synthetic.wire.tool_calls import WireCall

CALLS = (
    WireCall("call_A", "multiply", {"a": 1231, "b": 2331}),
    WireCall("call_B", "lookup", {"q": "mellon"}),
)


def test_openai_argument_fragments_cut_where_the_api_cuts() -> None:
    # The cut points of a real gpt-4o-mini stream for these arguments.
    assert tool_calls.openai_fragments('{"a":1231,"b":2331}') == [
        '{"',
        "a",
        '":',
        "123",
        "1",
        ',"',
        "b",
        '":',
        "233",
        "1",
        "}",
    ]
    text = json.dumps({"s": "two words", "n": [1, 2], "o": {"k": True}}, separators=(",", ":"))
    assert "".join(tool_calls.openai_fragments(text)) == text


def test_anthropic_fragments_open_with_an_empty_delta_and_rebuild_the_input() -> None:
    pieces = tool_calls.anthropic_fragments(CALLS[1].spaced)
    assert pieces[0] == "" and json.loads("".join(pieces)) == {"q": "mellon"}
    assert CALLS[1].spaced == '{"q": "mellon"}'  # Anthropic's JSON has spaces after ':' and ','


def test_openai_message_and_deltas_read_back_as_the_same_calls() -> None:
    message = ChatCompletionMessage.model_validate(tool_calls.openai_message("", CALLS))
    assert message.content is None
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls] == [
        (c.id, c.name, c.arguments) for c in CALLS
    ]
    rebuilt: dict[int, dict[str, str]] = {}
    for delta in tool_calls.openai_deltas(CALLS):
        chunk = ChatCompletionChunk.model_validate(
            {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            }
        )
        for part in chunk.choices[0].delta.tool_calls or []:
            slot = rebuilt.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
            slot["id"] += part.id or ""
            slot["name"] += (part.function.name or "") if part.function else ""
            slot["arguments"] += (part.function.arguments or "") if part.function else ""
    assert [(s["id"], s["name"], json.loads(s["arguments"])) for s in rebuilt.values()] == [
        (c.id, c.name, c.arguments) for c in CALLS
    ]


def test_openrouter_sends_each_calls_arguments_whole_in_its_second_chunk() -> None:
    deltas = tool_calls.openrouter_deltas(CALLS[:1])
    assert deltas[0]["tool_calls"][0]["function"] == {"name": "multiply", "arguments": ""}
    assert list(deltas[1]["tool_calls"][0]) == ["index", "function", "type"]
    assert deltas[1]["tool_calls"][0]["function"]["arguments"] == '{"a":1231,"b":2331}'
    assert all(d["role"] == "assistant" and d["content"] is None for d in deltas)
    assert tool_calls.openrouter_tool_calls(CALLS)[1]["index"] == 1


def test_anthropic_blocks_validate_as_a_message_and_stream_in_order() -> None:
    sig = tool_calls.signature("seed")
    blocks = tool_calls.anthropic_blocks("", CALLS, "I should multiply.", sig)
    message = Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5-20251001",
            "content": blocks,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    )
    assert [b.type for b in message.content] == ["thinking", "tool_use", "tool_use"]
    assert message.content[0].signature == sig and base64.b64decode(sig)
    events = tool_calls.anthropic_block_events((), CALLS, "I should multiply.", sig)
    names = [name for name, _ in events]
    assert names[:2] == ["content_block_start", "ping"]
    deltas = [data["delta"] for name, data in events if name == "content_block_delta"]
    assert deltas[-1]["type"] == "input_json_delta" and any(d["type"] == "signature_delta" for d in deltas)
    partial = "".join(
        data["delta"]["partial_json"]
        for name, data in events
        if name == "content_block_delta" and data["index"] == 1
    )
    assert json.loads(partial) == CALLS[0].arguments


def _turn(**extra) -> responses.ResponsesTurn:
    request = {
        "model": "gpt-4o-mini",
        "input": "hi",
        "tools": [{"type": "function", "name": "multiply", "parameters": {"type": "object"}, "strict": True}],
    }
    base = dict(
        seed="s",
        model="gpt-4o-mini-2024-07-18",
        request=request,
        pieces=("Hel", "lo"),
        input_tokens=7,
        output_tokens=4,
    )
    return responses.ResponsesTurn(**{**base, **extra})


@pytest.mark.parametrize(
    ("extra", "items"),
    [
        ({}, ["message"]),
        ({"pieces": (), "calls": CALLS}, ["function_call", "function_call"]),
        ({"reasoning_model": True, "reasoning_tokens": 64}, ["reasoning", "message"]),
    ],
)
def test_responses_body_and_every_stream_event_validate_with_the_sdk(extra, items) -> None:
    turn = _turn(**extra)
    response = Response.model_validate(json.loads(responses.body(turn)))
    assert [item.type for item in response.output] == items
    assert response.usage.total_tokens == 11
    adapter = TypeAdapter(ResponseStreamEvent)
    parsed = [adapter.validate_python(e) for e in responses.events(turn)]
    assert [e.sequence_number for e in parsed] == list(range(len(parsed)))
    assert parsed[0].type == "response.created" and parsed[-1].type == "response.completed"
    final = parsed[-1].response
    assert final.model_dump() == response.model_dump()
    if turn.calls:
        argument_deltas = [e.delta for e in parsed if e.type == "response.function_call_arguments.delta"]
        assert "".join(argument_deltas) == "".join(c.compact for c in CALLS)
    else:
        assert "".join(e.delta for e in parsed if e.type == "response.output_text.delta") == "Hello"
        assert final.output_text == "Hello"


def test_responses_stream_keys_are_type_first_then_alphabetical_and_cut_ends_incomplete() -> None:
    chunks = responses.stream_chunks(_turn(cut=True))
    first_delta = next(c for c in chunks if c.startswith(b"event: response.output_text.delta"))
    data = json.loads(first_delta.split(b"data: ", 1)[1])
    keys = list(data)
    assert keys[0] == "type" and keys[1:] == sorted(keys[1:]) and "obfuscation" in keys
    assert responses.event_types(chunks)[-1] == "response.incomplete"
    assert json.loads(responses.body(_turn(cut=True)))["incomplete_details"] == {
        "reason": "max_output_tokens"
    }


@pytest.mark.parametrize(
    ("model", "size"),
    [("text-embedding-3-small", 1536), ("text-embedding-3-large", 3072), ("text-embedding-ada-002", 1536)],
)
def test_embeddings_have_the_models_dimension_unit_length_and_are_deterministic(model, size) -> None:
    raw = embeddings.embeddings_body(model, ["hello world", "another"], encoding="float", dimensions=size)
    parsed = CreateEmbeddingResponse.model_validate(json.loads(raw))
    first, second = (d.embedding for d in parsed.data)
    assert len(first) == size and abs(math.sqrt(sum(x * x for x in first)) - 1) < 1e-5
    assert first != second
    assert raw == embeddings.embeddings_body(
        model, ["hello world", "another"], encoding="float", dimensions=size
    )
    assert parsed.usage.prompt_tokens == 3
    assert parsed.model == embeddings.REPORTED.get(model, model)


def test_base64_embeddings_decode_to_the_float_vectors() -> None:
    as_floats = json.loads(
        embeddings.embeddings_body("text-embedding-3-small", ["x"], encoding="float", dimensions=256)
    )
    as_b64 = json.loads(
        embeddings.embeddings_body("text-embedding-3-small", ["x"], encoding="base64", dimensions=256)
    )
    packed = base64.b64decode(as_b64["data"][0]["embedding"])
    # The float form prints each float32 in its shortest decimal: it packs back to the same bytes.
    assert struct.pack("<256f", *as_floats["data"][0]["embedding"]) == packed


def test_inputs_of_accepts_the_documented_input_shapes_only() -> None:
    assert embeddings.inputs_of("a") == ["a"]
    assert embeddings.inputs_of(["a", "b"]) == ["a", "b"]
    assert embeddings.inputs_of([1, 2, 3]) == [[1, 2, 3]]
    assert embeddings.inputs_of([[1], [2, 3]]) == [[1], [2, 3]]
    assert (
        embeddings.inputs_of([]) is None
        and embeddings.inputs_of(["a", 1]) is None
        and embeddings.inputs_of(3) is None
    )
