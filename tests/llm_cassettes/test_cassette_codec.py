"""The cassette room's codec and YAML io: every body is stored readably and replays its exact bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_cassettes.cassette import (
    Cassette,
    CassetteError,
    Fault,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    decode_body,
    dumps,
    encode_body,
    headers_from_doc,
    headers_to_doc,
    parse,
)

OPENAI_PRETTY = json.dumps({"id": "chatcmpl-1", "choices": [{"text": "4"}]}, indent=2).encode() + b"\n"
SSE = b'data: {"choices":[{"delta":{"content":"4"}}]}\n\ndata: [DONE]\n\n'


@pytest.mark.parametrize(
    ("raw", "content_type", "form"),
    [
        (b'{"model":"gpt-4o-mini","messages":[]}', "application/json", "json"),
        (OPENAI_PRETTY, "application/json", "json"),
        ('{"text": "café"}'.encode(), "application/json", "json"),
        (SSE, "text/event-stream; charset=utf-8", "sse"),
        (b"upstream error", "text/plain", "text"),
        (b'{"truncated": ', "application/json", "text"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "image/png", "base64"),
        ("café".encode()[:-1], "text/plain", "base64"),  # a multi-byte character cut in half
    ],
)
def test_each_body_form_is_readable_and_decodes_to_the_same_bytes(raw: bytes, content_type: str, form: str):
    doc = encode_body(raw, content_type)
    assert form in doc
    assert decode_body(doc) == raw


def test_json_style_names_the_exact_serialisation():
    assert encode_body(OPENAI_PRETTY, "application/json")["style"] == "indent2+newline"
    assert encode_body(b'{"a":1}', "application/json")["style"] == "compact"


def test_an_unknown_body_form_is_refused_naming_the_forms():
    with pytest.raises(ValueError, match="json, sse, text, base64"):
        decode_body({"xml": "<a/>"})


@given(st.binary(max_size=200))
def test_any_bytes_round_trip(raw: bytes):
    assert decode_body(encode_body(raw, "application/octet-stream")) == raw


def test_repeated_headers_become_lists_and_come_back_in_order():
    headers = [("set-cookie", "a=1"), ("content-type", "application/json"), ("set-cookie", "b=2")]
    doc = headers_to_doc(headers)
    assert doc["set-cookie"] == ["a=1", "b=2"]
    assert sorted(headers_from_doc(doc)) == sorted(headers)


def _cassette() -> Cassette:
    request = RecordedRequest.from_wire(
        "post",
        "https://api.openai.com/v1/chat/completions",
        [("content-type", "application/json")],
        b'{"a":1}',
    )
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "text/event-stream")], SSE)
    return Cassette(
        meta={"format": 1, "origin": "synthetic"},
        interactions=[
            Interaction(request, response),
            Interaction(request, None, Fault("ReadTimeout", "timed out")),
        ],
    )


def test_dump_then_parse_gives_the_same_exchanges():
    again = parse(dumps(_cassette()))
    assert [i.request.body for i in again] == [b'{"a":1}', b'{"a":1}']
    assert again.interactions[0].response.body == SSE
    assert again.interactions[1].fault == Fault("ReadTimeout", "timed out")
    assert dumps(again) == dumps(_cassette())


def test_an_unknown_format_version_is_an_error_naming_the_file():
    text = dumps(_cassette()).replace("format: 1", "format: 99")
    with pytest.raises(CassetteError, match=r"mine\.yaml.*99"):
        parse(text, "mine.yaml")
