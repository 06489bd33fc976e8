"""Multipart uploads match on their parts: field names, file names, content types and contents.

httpx draws a new random boundary for every request it builds, so the same upload never has the same
bytes twice. The bodies here are built by httpx itself, as the SDKs build theirs (files.create,
audio.transcriptions.create); the end-to-end replay through the openai SDK is in tests/interop.
"""

from __future__ import annotations

import httpx

from llm_cassettes.cassette import Interaction, RecordedRequest, RecordedResponse
from llm_cassettes.engine.matching import nearest, request_key
from llm_cassettes.engine.multipart import TEXT_LIMIT, multipart_parts

URI = "https://api.openai.com/v1/files"
AUDIO = b"RIFF" + bytes(range(256)) * 4


def upload(content: bytes = b'{"a": 1}\n', filename: str = "notes.jsonl", purpose: str = "batch") -> bytes:
    request = httpx.Request(
        "POST",
        URI,
        data={"purpose": purpose},
        files={"file": (filename, content, "application/jsonl"), "audio": ("clip.wav", AUDIO, "audio/wav")},
    )
    return request.read()


def key(body: bytes) -> str:
    return request_key("POST", URI, None, body)


def test_the_same_upload_with_another_boundary_has_the_same_key() -> None:
    first, second = upload(), upload()
    assert first != second  # a new boundary each time
    assert key(first) == key(second)


def test_parts_keep_names_filenames_types_and_contents() -> None:
    parts = multipart_parts(upload())
    assert parts is not None
    assert [(p["name"], p["filename"], p["content_type"]) for p in parts] == [
        ("purpose", None, None),
        ("file", "notes.jsonl", "application/jsonl"),
        ("audio", "clip.wav", "audio/wav"),
    ]
    assert parts[0]["content"] == "batch" and parts[1]["content"] == '{"a": 1}\n'
    # Binary (and long) contents are compared by digest: a key need not hold a whole upload.
    assert parts[2]["content"]["bytes"] == len(AUDIO) and len(parts[2]["content"]["sha256"]) == 64
    long_text = multipart_parts(upload(content=b"x" * (TEXT_LIMIT + 1)))
    assert long_text is not None and long_text[1]["content"]["bytes"] == TEXT_LIMIT + 1


def test_any_part_that_differs_is_a_different_request() -> None:
    base = key(upload())
    assert key(upload(content=b'{"a": 2}\n')) != base
    assert key(upload(filename="other.jsonl")) != base
    assert key(upload(purpose="assistants")) != base


def test_a_miss_names_the_part_that_differs() -> None:
    recorded = RecordedRequest.from_wire(
        "POST", URI, [("content-type", "multipart/form-data")], upload(purpose="batch")
    )
    interaction = Interaction(recorded, RecordedResponse.from_wire(200, "OK", [], b"{}"))
    found = nearest("POST", URI, None, [interaction], upload(purpose="assistants"))
    assert found is not None
    assert [d.path for d in found.diffs] == ["body.multipart[0].content"]
    assert (found.diffs[0].recorded, found.diffs[0].requested) == ("batch", "assistants")


def test_bodies_that_only_look_like_multipart_are_matched_as_they_are() -> None:
    assert multipart_parts(b"--abc\r\nno closing delimiter") is None
    assert multipart_parts(b'{"json": true}') is None
    assert key(b"--abc\r\nno closing delimiter") != key(b"--abd\r\nno closing delimiter")
