"""Response headers are stored and replayed byte for byte, non-ASCII included.

A value that is valid UTF-8 is stored as its text; any other value (Python's http.server and Starlette
send ISO-8859-1) as ``{latin1: text}``, one character per byte. The transport sends back exactly the
bytes it received; the end-to-end check through the openai SDK is in tests/interop.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_cassettes import CassetteError, dumps, parse
from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse
from llm_cassettes.cassette.codec import Latin1Value, header_value_from_wire, header_value_to_wire


@given(st.binary(max_size=40))
def test_any_header_bytes_survive_the_round_trip(raw: bytes) -> None:
    assert header_value_to_wire(header_value_from_wire(raw)) == raw


def test_utf8_is_stored_as_text_and_other_bytes_as_latin1() -> None:
    assert header_value_from_wire("café".encode()) == "café"
    assert type(header_value_from_wire("café".encode())) is str
    latin = header_value_from_wire("café".encode("latin-1"))
    assert isinstance(latin, Latin1Value) and latin == "café"


def _cassette(headers: list[tuple[str, str]]) -> Cassette:
    request = RecordedRequest.from_wire("GET", "https://api.openai.com/v1/models", [], b"")
    response = RecordedResponse.from_wire(200, "OK", headers, b"")
    return Cassette(meta={"origin": "recorded"}, interactions=[Interaction(request, response)])


def test_a_cassette_keeps_both_kinds_through_yaml() -> None:
    latin = header_value_from_wire("naïve".encode("latin-1"))
    text = dumps(_cassette([("x-note", "café ünïcödé"), ("x-legacy", latin), ("x-legacy", "plain")]))
    assert "x-note: café ünïcödé" in text and "latin1: naïve" in text
    headers = parse(text).interactions[0].response.headers
    assert [(name, header_value_to_wire(value)) for name, value in headers] == [
        ("x-note", "café ünïcödé".encode()),
        ("x-legacy", "naïve".encode("latin-1")),
        ("x-legacy", b"plain"),
    ]


def test_an_unknown_header_form_names_the_field() -> None:
    text = dumps(_cassette([("x-note", "ok")])).replace("x-note: ok", "x-note: {latin2: ok}")
    with pytest.raises(
        CassetteError, match=r"interactions\[0\]\.response\.headers\.x-note: expected a string"
    ):
        parse(text, "cassettes/t.yaml")
