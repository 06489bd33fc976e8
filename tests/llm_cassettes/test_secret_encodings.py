"""Secrets in every encoding: known values, joined streams, binary and multipart bodies, names, and the
live request scrubbed the way its recording was, so that it still matches."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from secret_samples import OPENAI_KEY

from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse, dumps, parse
from llm_cassettes.engine.player import CassettePlayer
from llm_cassettes.secrets import KnownValue, LiveRequestScrubber, redact_name, scan_text, scrub_cassette
from llm_cassettes.secrets.known import from_headers, text_forms
from llm_cassettes.secrets.matcher import matcher_for
from llm_cassettes.secrets.scan import decode
from llm_cassettes.secrets.streams import joined_texts, scrub_stream
from llm_cassettes.settings import Settings

OPAQUE = "plainGATEWAYvalue4c3b2a1f0e"  # no pattern knows this shape
KNOWN = KnownValue(OPAQUE, "GATEWAY_TOKEN")


def _response(body: bytes, content_type: str) -> Cassette:
    request = RecordedRequest.from_wire("POST", "https://x.test/v1", [], b"")
    response = RecordedResponse.from_wire(200, "OK", [("content-type", content_type)], body)
    return Cassette(meta={}, interactions=[Interaction(request, response)])


def _scrubbed_body(body: bytes, content_type: str, known: tuple[KnownValue, ...] = (KNOWN,)) -> bytes:
    cassette = scrub_cassette(_response(body, content_type), known=known)
    return parse(dumps(cassette)).interactions[0].response.body


# ---------------------------------------------------------------------------------------- known values


@pytest.mark.parametrize(
    "form",
    [
        OPAQUE,
        quote("a " + OPAQUE),
        base64.b64encode(OPAQUE.encode()).decode(),
        base64.b64encode(b"x" + OPAQUE.encode()).decode(),
        base64.urlsafe_b64encode(b"xy" + OPAQUE.encode()).decode(),
    ],
    ids=["as is", "url-encoded", "base64", "base64 shifted by 1", "base64url shifted by 2"],
)
def test_a_known_value_is_removed_in_every_text_form(form: str) -> None:
    body = json.dumps({"note": f"value {form} end"}).encode()
    out = _scrubbed_body(body, "application/json")
    assert REDACTED_BYTES in out
    assert not any(f.encode() in out for f in text_forms(OPAQUE))


REDACTED_BYTES = b"REDACTED"


def test_a_known_value_in_utf16_inside_a_binary_body_is_removed() -> None:
    body = b"\xff\xfe\x00" + OPAQUE.encode("utf-16-le") + b"\x00\xc3\x28"
    out = _scrubbed_body(body, "application/octet-stream")
    assert OPAQUE.encode("utf-16-le") not in out and "REDACTED".encode("utf-16-le") in out
    assert out.startswith(b"\xff\xfe\x00") and out.endswith(b"\x00\xc3\x28")


def test_credential_headers_give_their_values_parts_away() -> None:
    basic = base64.b64encode(b"deploy-user:" + OPAQUE.encode()).decode()
    found = {
        k.value for k in from_headers([("Authorization", f"Basic {basic}"), ("cookie", "a=cookieVALUE123")])
    }
    assert {basic, "deploy-user:" + OPAQUE, OPAQUE, "cookieVALUE123"} <= found
    assert from_headers([("content-type", "application/json; charset=utf-8")]) == []


def test_short_values_are_not_known_values() -> None:
    assert from_headers([("x-api-key", "test")]) == []  # would shred every "test" in a cassette


# --------------------------------------------------------------------------------------------- streams


def _openai_chunk(content: str, index: int = 0) -> str:
    return json.dumps({"choices": [{"index": index, "delta": {"content": content}}]}, separators=(",", ":"))


def test_a_secret_spread_over_events_is_cut_from_each_and_the_rest_is_byte_identical() -> None:
    pieces = ["Your key is ", *(OPENAI_KEY[i : i + 3] for i in range(0, len(OPENAI_KEY), 3)), "."]
    sse = ": keep-alive\n\n" + "".join(f"data: {_openai_chunk(p)}\n\n" for p in pieces) + "data: [DONE]\n\n"
    out = scrub_stream(sse, matcher_for().spans)
    assert [text for _, text in joined_texts(out)] == ["Your key is REDACTED."]
    assert out.startswith(f": keep-alive\n\ndata: {_openai_chunk('Your key is ')}\n\n")
    assert out.endswith(f"data: {_openai_chunk('.')}\n\ndata: [DONE]\n\n")
    for line in out.splitlines():
        if line.startswith("data: {"):
            json.loads(line[6:])


def test_two_choices_are_two_channels() -> None:
    half = 6  # neither "sk-pro" nor the rest is key-shaped on its own
    sse = f"data: {_openai_chunk(OPENAI_KEY[:half], 0)}\n\ndata: {_openai_chunk(OPENAI_KEY[half:], 1)}\n\n"
    # Each choice holds half a key: neither is a key, and joining across choices would invent one.
    assert scrub_stream(sse, matcher_for().spans) is sse


def test_a_literal_keeps_its_escaping_style() -> None:
    chunk = json.dumps({"choices": [{"index": 0, "delta": {"content": "é " + OPENAI_KEY}}]})  # ensure_ascii
    out = scrub_stream(f"data: {chunk}\n\n", matcher_for().spans)
    assert "\\u00e9 REDACTED" in out


def test_anthropic_tool_input_stays_valid_json() -> None:
    partial = json.dumps({"api_token": OPAQUE})
    events = [
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": p}}
        for p in (partial[:7], partial[7:20], partial[20:])
    ]
    sse = "".join(f"event: content_block_delta\ndata: {json.dumps(e)}\n\n" for e in events)
    out = scrub_stream(sse, matcher_for((), [KNOWN]).spans)
    assert json.loads(joined_texts(out)[0][1]) == {"api_token": "REDACTED"}


# ------------------------------------------------------------------------------------ binary, multipart


def _multipart(boundary: str, note: str, blob: bytes) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n{note}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nplain-short\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + blob
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_multipart_parts_are_scrubbed_one_by_one() -> None:
    body = _multipart("b0undary", f"made with {OPAQUE}", b"\xff\x00key=" + OPENAI_KEY.encode() + b"\x00")
    out = _scrubbed_body(body, "multipart/form-data; boundary=b0undary")
    assert OPAQUE.encode() not in out and OPENAI_KEY.encode() not in out
    assert b'name="api_key"\r\n\r\nREDACTED\r\n' in out  # a credential-named field loses its value
    assert out.endswith(b"\xff\x00key=REDACTED\x00\r\n--b0undary--\r\n")


# ------------------------------------------------------------------------------------------ live requests


def _recorded_player(
    uri: str, body: bytes, headers: list[tuple[str, str]], **scrubber: object
) -> CassettePlayer:
    """A cassette recorded (and scrubbed, saved, loaded) from this request, and a replaying player."""
    request = RecordedRequest.from_wire("POST", uri, [*headers, ("content-type", "application/json")], body)
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], b'{"ok":true}')
    known = [*from_headers(headers), *(KnownValue(v, "s") for v in scrubber.get("secret_values", ()))]
    cassette = parse(
        dumps(scrub_cassette(Cassette(meta={}, interactions=[Interaction(request, response)]), known=known))
    )
    return CassettePlayer(
        "c.yaml",
        recording=False,
        cassette=cassette,
        scrub_request=LiveRequestScrubber(environ={}, **scrubber),
    )


@pytest.mark.parametrize(
    ("prompt", "uri"),
    [
        ("Is AKIAIOSFODNN7EXAMPLE a valid AWS key id?", "https://api.openai.com/v1/chat/completions"),
        ("What is 2+2?", "https://api.openai.com/v1/chat/completions?api-key=" + OPAQUE),
        ("my api_key: abcdef0123456789xyz", "https://api.openai.com/v1/chat/completions"),
        ("é AKIAIOSFODNN7EXAMPLE, é", "https://api.openai.com/v1/chat/completions"),
    ],
    ids=["key-shaped prompt", "credential query parameter", "credential assignment", "JSON escapes"],
)
def test_a_request_whose_secrets_were_redacted_still_replays(prompt: str, uri: str) -> None:
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}).encode()
    body = body.replace(b"AKIA", b"\\u0041KIA")  # as some clients write it: the fast check must not miss it
    player = _recorded_player(uri, body, [("authorization", "Bearer real-key-at-record-time-0001")])
    # Replay sends the same request, but with the placeholder key: both are redacted to the same form.
    assert (
        player.lookup("POST", uri, body, [("authorization", "Bearer placeholder-at-replay-0002")]) is not None
    )


def test_a_declared_value_in_the_body_replays_with_another_value() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": f"token {OPAQUE}"}]}
    player = _recorded_player("https://x.test/v1", json.dumps(body).encode(), [], secret_values=[OPAQUE])
    player.scrub_request = LiveRequestScrubber(environ={}, secret_values=["otherVALUEatREPLAY000"])
    body["messages"][0]["content"] = "token otherVALUEatREPLAY000"
    assert player.lookup("POST", "https://x.test/v1", json.dumps(body).encode()) is not None


def test_a_clean_request_is_not_touched() -> None:
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]}
    ).encode()
    scrubber = LiveRequestScrubber(environ={})
    _, out = scrubber(
        "POST", "https://api.openai.com/v1/chat/completions", [("authorization", "Bearer x")], body
    )
    assert out is body  # the fast path: not parsed, not copied


def test_the_scrub_runs_only_for_a_request_that_matches_nothing_as_sent() -> None:
    uri = "https://api.openai.com/v1/chat/completions"
    clean = json.dumps({"model": "m", "messages": [{"role": "user", "content": "What is 2+2?"}]}).encode()
    secret = json.dumps({"model": "m", "messages": [{"role": "user", "content": f"token {OPAQUE}"}]}).encode()
    player = _recorded_player(uri, clean, [])
    scrubbed: list[bytes] = []
    scrub = player.scrub_request
    assert scrub is not None
    player.scrub_request = lambda *request: scrubbed.append(request[3]) or scrub(*request)
    assert player.lookup("POST", uri, clean) is not None
    assert scrubbed == []  # matched as sent
    # A miss is reported (and kept) as it would have been saved: the scrub ran, the secret is gone.
    with pytest.raises(BaseException, match="no recorded request"):
        player.lookup("POST", uri, secret, [("authorization", f"Bearer {OPAQUE}")])
    assert scrubbed == [secret]
    assert OPAQUE not in player.miss_report() and OPAQUE not in repr(player.misses)


def test_an_upload_matches_whatever_its_random_boundary() -> None:
    blob = b"\xff\xfe\x00binary"
    recorded = _multipart("1f2e3d4c5b6a", f"with {OPAQUE}", blob)
    player = _recorded_player("https://x.test/v1/files", recorded, [], secret_values=[OPAQUE])
    live = _multipart("9a8b7c6d5e4f", f"with {OPAQUE}", blob)
    assert player.lookup("POST", "https://x.test/v1/files", live) is not None
    other = _multipart("0a0b0c0d0e0f", f"with {OPAQUE}", b"other bytes")
    with pytest.raises(BaseException, match="no recorded request"):
        player.lookup("POST", "https://x.test/v1/files", other)


# ---------------------------------------------------------------------------------------------- names


def test_redact_name_is_stable_short_and_idempotent() -> None:
    name = f"test_x[gpt-{OPENAI_KEY}]"
    redacted = redact_name(name)
    assert OPENAI_KEY not in redacted and redacted == redact_name(name) == redact_name(redacted)
    assert redacted.startswith("test_x[gpt-REDACTED-") and len(redacted) < 40
    assert redact_name(f"test_x[gpt-{OPENAI_KEY[:-1]}Z]") != redacted  # two ids stay two files
    assert redact_name("test_what_is_two_plus_two[openai]") == "test_what_is_two_plus_two[openai]"
    assert redact_name("t[TICKET-1234]", Settings(secret_patterns=[r"TICKET-\d+"])) != "t[TICKET-1234]"
    assert redact_name(f"t[{OPAQUE}]", Settings(secret_values=[OPAQUE])).startswith("t[REDACTED-")
    assert scan_text("meta: {}\n", redacted) == []


# ------------------------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_every_yaml_encoding_is_decoded(codec: str) -> None:
    assert decode("meta: {format: 1}\n".encode(codec)) == "meta: {format: 1}\n"


def test_basic_auth_in_text_is_a_secret_but_the_word_is_not() -> None:
    matcher = matcher_for()
    assert matcher.scrub("Authorization: Basic dXNlcjpodW50ZXIy") == "Authorization: Basic REDACTED"
    assert matcher.scrub("use Basic authentication here") == "use Basic authentication here"
