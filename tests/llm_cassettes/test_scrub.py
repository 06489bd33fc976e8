"""Secret scrubbing and scanning: nothing secret-shaped survives, nothing a client reads is lost."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secret_samples import (
    ALL_SECRETS,
    ANTHROPIC_KEY,
    ANTHROPIC_ORG,
    BEARER_TOKEN,
    BODY_API_KEY,
    COOKIE_VALUE,
    CUSTOM_PATTERN,
    CUSTOM_SECRET,
    GEMINI_KEY,
    OPENAI_KEY,
    OPENROUTER_KEY,
    ORG_ID,
    PROJECT_ID,
    SET_COOKIE_VALUE,
    SSE_API_KEY,
)

from llm_cassettes.cassette import (
    Cassette,
    Fault,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    dumps,
    parse,
)
from llm_cassettes.secrets import (
    DEFAULT_SECRET_PATTERNS,
    REDACTED,
    SECRET_HEADERS,
    HeaderRules,
    scan_text,
    scrub_cassette,
)
from llm_cassettes.secrets.matcher import _ALL_GATES, _matcher
from llm_cassettes.secrets.patterns import _NAMED_PATTERNS

OPENAI_RESPONSE = {
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def planted_cassette() -> Cassette:
    request_body = {
        "model": "gpt-4o-mini",
        "max_tokens": 16,
        "messages": [
            {"role": "system", "content": f"Use the header Authorization: Bearer {BEARER_TOKEN} to call it."},
            {"role": "user", "content": f"my key is {CUSTOM_SECRET}"},
        ],
        "api_key": BODY_API_KEY,
    }
    openai = Interaction(
        RecordedRequest.from_wire(
            "POST",
            "https://api.openai.com/v1/chat/completions",
            [
                ("authorization", f"Bearer {OPENAI_KEY}"),
                ("openai-organization", ORG_ID),
                ("openai-project", PROJECT_ID),
                ("cookie", f"session={COOKIE_VALUE}"),
                ("content-type", "application/json"),
                ("user-agent", "OpenAI/Python 1.54.0"),
                ("x-stainless-os", "Linux"),
                ("x-stainless-retry-count", "0"),
            ],
            _json_bytes(request_body),
        ),
        RecordedResponse.from_wire(
            429,
            "Too Many Requests",
            [
                ("content-type", "application/json"),
                ("date", "Tue, 01 Oct 2024 10:00:00 GMT"),
                ("openai-organization", ORG_ID),
                ("openai-processing-ms", "210"),
                ("x-request-id", "req_0123456789abcdef"),
                ("cf-ray", "8c1f2e3d4c5b6a79-AMS"),
                ("set-cookie", f"__cf_bm={SET_COOKIE_VALUE}; path=/; expires=Tue, 01-Oct-24 10:30:00 GMT"),
                ("retry-after", "2"),
                ("retry-after-ms", "1500"),
                ("x-ratelimit-reset-requests", "1s"),
                ("x-ratelimit-remaining-tokens", "0"),
                ("x-should-retry", "true"),
            ],
            _json_bytes(OPENAI_RESPONSE),
        ),
    )
    anthropic_sse = (
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01"}}\n\n'
        f'event: content_block_delta\ndata: {{"type":"content_block_delta","delta":{{"text":'
        f'"config: {{\\"api_key\\": \\"{SSE_API_KEY}\\"}}"}}}}\n\n'
        'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    anthropic = Interaction(
        RecordedRequest.from_wire(
            "POST",
            "https://api.anthropic.com/v1/messages",
            [
                ("x-api-key", ANTHROPIC_KEY),
                ("anthropic-version", "2023-06-01"),
                ("content-type", "application/json"),
            ],
            _json_bytes({"model": "claude-3-5-haiku-latest", "max_tokens": 8, "stream": True}),
        ),
        RecordedResponse.from_wire(
            200,
            "OK",
            [
                ("content-type", "text/event-stream"),
                ("anthropic-organization-id", ANTHROPIC_ORG),
                ("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy"),
                ("anthropic-ratelimit-requests-remaining", "49"),
                ("x-kong-upstream-latency", "12"),
            ],
            anthropic_sse.encode(),
        ),
    )
    gemini = Interaction(
        RecordedRequest.from_wire(
            "POST",
            f"https://generativelanguage.googleapis.com/v1beta/models/gemini-pro:generateContent?alt=sse&key={GEMINI_KEY}",
            [("content-type", "application/json"), ("x-goog-api-key", GEMINI_KEY)],
            _json_bytes({"contents": [{"parts": [{"text": "hi"}]}]}),
        ),
        fault=Fault("ReadTimeout", f"timed out talking to ...?key={GEMINI_KEY}"),
    )
    openrouter = Interaction(
        RecordedRequest.from_wire(
            "POST",
            "https://openrouter.ai/api/v1/chat/completions",
            [("authorization", f"Bearer {OPENROUTER_KEY}"), ("http-referer", "https://example.org")],
            _json_bytes({"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}),
        ),
        RecordedResponse.from_wire(
            200,
            "OK",
            [("content-type", "application/json"), ("x-echo-key", OPENROUTER_KEY)],
            _json_bytes(OPENAI_RESPONSE),
        ),
    )
    return Cassette(
        meta={"origin": "recorded", "scenario": "plant"}, interactions=[openai, anthropic, gemini, openrouter]
    )


@pytest.fixture(scope="module")
def scrubbed() -> Cassette:
    return scrub_cassette(planted_cassette(), [CUSTOM_PATTERN])


# ------------------------------------------------------------------------------------------ scrubbing


def test_planted_secrets_are_in_the_raw_cassette() -> None:
    text = dumps(planted_cassette())
    for secret in ALL_SECRETS:
        assert secret in text, secret  # guards the test below against planting nothing


@pytest.mark.parametrize("secret", ALL_SECRETS, ids=lambda s: s[:8])
def test_no_planted_secret_survives_scrubbing(scrubbed: Cassette, secret: str) -> None:
    assert secret not in dumps(scrubbed)


def test_scrubbed_cassette_scans_clean(scrubbed: Cassette) -> None:
    assert scan_text(dumps(scrubbed), extra_patterns=[CUSTOM_PATTERN]) == []


def test_scrubbing_does_not_mutate_its_input() -> None:
    cassette = planted_cassette()
    before = copy.deepcopy(cassette)
    scrub_cassette(cassette, [CUSTOM_PATTERN])
    assert dumps(cassette) == dumps(before)


def test_scrubbing_is_idempotent(scrubbed: Cassette) -> None:
    assert dumps(scrub_cassette(scrubbed, [CUSTOM_PATTERN])) == dumps(scrubbed)


def test_scrubbed_cassette_round_trips(scrubbed: Cassette) -> None:
    again = parse(dumps(scrubbed))
    assert dumps(again) == dumps(scrubbed)
    for interaction in again:
        interaction.request.body  # noqa: B018 - every body still decodes
        if interaction.response:
            interaction.response.body  # noqa: B018


def test_unaffected_bodies_are_byte_identical(scrubbed: Cassette) -> None:
    original = planted_cassette()
    # The OpenAI response, Anthropic request and Gemini request hold no secret.
    assert scrubbed.interactions[0].response.body == original.interactions[0].response.body
    assert scrubbed.interactions[1].request.body == original.interactions[1].request.body
    assert scrubbed.interactions[2].request.body == original.interactions[2].request.body
    loaded = parse(dumps(scrubbed))
    assert loaded.interactions[0].response.body == original.interactions[0].response.body
    assert loaded.interactions[1].request.body == original.interactions[1].request.body


def test_changed_json_body_keeps_its_style_and_structure(scrubbed: Cassette) -> None:
    request = scrubbed.interactions[0].request
    assert request.body_doc["style"] == "compact"
    assert request.json["api_key"] == REDACTED
    assert request.json["max_tokens"] == 16
    assert (
        request.json["messages"][0]["content"] == "Use the header Authorization: Bearer REDACTED to call it."
    )
    assert request.json["messages"][1]["content"] == "my key is REDACTED"
    assert json.loads(request.body) == request.json


def test_secret_request_headers_are_removed_and_response_ones_redacted(scrubbed: Cassette) -> None:
    openai, anthropic, _, _ = scrubbed.interactions
    request_names = {name for i in scrubbed for name, _ in i.request.headers}
    assert request_names.isdisjoint(SECRET_HEADERS)
    response = dict(openai.response.headers)
    assert response["openai-organization"] == REDACTED
    assert response["set-cookie"] == "__cf_bm=REDACTED"
    assert dict(anthropic.response.headers)["anthropic-organization-id"] == REDACTED


def test_headers_clients_read_survive_and_noise_is_dropped(scrubbed: Cassette) -> None:
    openai, anthropic, _, _ = scrubbed.interactions
    response = dict(openai.response.headers)
    for name, value in [
        ("retry-after", "2"),
        ("retry-after-ms", "1500"),
        ("x-ratelimit-reset-requests", "1s"),
        ("x-ratelimit-remaining-tokens", "0"),
        ("x-should-retry", "true"),
        ("content-type", "application/json"),
    ]:
        assert response[name] == value
    assert dict(anthropic.response.headers)["anthropic-ratelimit-requests-remaining"] == "49"
    assert dict(anthropic.request.headers)["anthropic-version"] == "2023-06-01"
    # The SDKs show request ids to the caller (``response._request_id``): replay must show the same.
    assert response["x-request-id"] == "req_0123456789abcdef"
    assert dict(anthropic.response.headers)["request-id"] == "req_011CSHoEeqs5C35K2UUqR7Fy"
    noise = {"date", "openai-processing-ms", "cf-ray", "user-agent"}
    for interaction in scrubbed:
        names = {n for n, _ in interaction.request.headers}
        if interaction.response:
            names |= {n for n, _ in interaction.response.headers}
        assert names.isdisjoint(noise)
        assert not any(n.startswith(("x-stainless-", "x-kong-")) for n in names)


def test_credential_query_parameter_and_fault_message(scrubbed: Cassette) -> None:
    gemini = scrubbed.interactions[2]
    assert gemini.request.uri.endswith("generateContent?alt=sse&key=REDACTED")
    assert gemini.fault.message == "timed out talking to ...?key=REDACTED"


@pytest.mark.parametrize("param", ["key", "api_key", "APIKEY", "token", "access_token"])
def test_short_credential_query_values_are_redacted(param: str) -> None:
    cassette = _one("GET", f"https://example.com/v1/models?{param}=abc&page=2")
    assert (
        scrub_cassette(cassette).interactions[0].request.uri
        == f"https://example.com/v1/models?{param}=REDACTED&page=2"
    )


def _one(
    method: str, uri: str, body: dict | None = None, response: RecordedResponse | None = None
) -> Cassette:
    request = RecordedRequest.from_wire(method, uri, [], _json_bytes(body) if body is not None else b"")
    response = response or RecordedResponse.from_wire(
        200, "OK", [("content-type", "application/json")], b"{}"
    )
    return Cassette(meta={}, interactions=[Interaction(request, response)])


def test_credential_named_json_keys_at_any_depth() -> None:
    body = {
        "config": {
            "apiKey": "short",
            "nested": [{"password": "hunter2", "Authorization": "Basic dXNlcjpwYXNz"}],
        },
        "organization": "org-small",
        "org_id": "acme",
        "project_id": "p1",
        "token": "t",
        "secret": 42,  # not a string: not a credential value
        "tools": [{"parameters": {"properties": {"password": {"type": "string"}}}}],
    }
    out = scrub_cassette(_one("POST", "https://x.test/v1", body)).interactions[0].request.json
    assert out["config"]["apiKey"] == REDACTED
    assert out["config"]["nested"][0] == {"password": REDACTED, "Authorization": "Basic REDACTED"}
    assert (out["organization"], out["org_id"], out["project_id"], out["token"]) == (REDACTED,) * 4
    assert out["secret"] == 42
    assert out["tools"] == body["tools"]


def test_secret_shaped_json_keys_are_scrubbed_too() -> None:
    out = scrub_cassette(_one("POST", "https://x.test/v1", {OPENAI_KEY: 1})).interactions[0].request.json
    assert out == {REDACTED: 1}


def test_logprob_tokens_are_not_credentials() -> None:
    body = {"choices": [{"logprobs": {"content": [{"token": "Hello", "logprob": -0.1, "bytes": [72]}]}}]}
    response = RecordedResponse.from_wire(
        200, "OK", [("content-type", "application/json")], _json_bytes(body)
    )
    out = scrub_cassette(_one("GET", "https://x.test/", response=response)).interactions[0].response
    assert out.body == _json_bytes(body)


def test_binary_bodies_are_scrubbed_byte_for_byte() -> None:
    raw = b"\xff\xfe\x00" + OPENAI_KEY.encode() + b"\x00\xc3\x28"
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "application/octet-stream")], raw)
    out = scrub_cassette(_one("GET", "https://x.test/", response=response)).interactions[0].response
    # Still binary, every byte around the secret unchanged.
    assert "base64" in out.body_doc and out.body == b"\xff\xfe\x00REDACTED\x00\xc3\x28"


def test_binary_bodies_without_a_secret_keep_their_bytes() -> None:
    raw = bytes(range(256))
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "application/octet-stream")], raw)
    out = scrub_cassette(_one("GET", "https://x.test/", response=response)).interactions[0].response
    assert out.body_doc == response.body_doc


def test_content_length_follows_a_changed_body() -> None:
    raw = _json_bytes({"echo": OPENAI_KEY})
    headers = [("content-type", "application/json"), ("content-length", str(len(raw)))]
    out = scrub_cassette(
        _one("GET", "https://x.test/", response=RecordedResponse.from_wire(200, "OK", headers, raw))
    )
    response = out.interactions[0].response
    assert dict(response.headers)["content-length"] == str(len(response.body))


def test_extra_pattern_with_inline_flags_and_secret_group() -> None:
    body = {"note": "ticket acme-internal-1234-ab", "other": "build=ZX81 ok"}
    out = (
        scrub_cassette(
            _one("POST", "https://x.test/", body),
            ["(?i)acme-internal-\\d{4}-[a-z]{2}", r"build=(?P<secret>[A-Z0-9]+)"],
        )
        .interactions[0]
        .request.json
    )
    assert out == {"note": "ticket REDACTED", "other": "build=REDACTED ok"}


def test_bad_extra_pattern_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"invalid secret pattern '\(unclosed'"):
        scrub_cassette(planted_cassette(), ["(unclosed"])


def test_empty_matching_extra_pattern_does_not_shred_text() -> None:
    out = scrub_cassette(_one("POST", "https://x.test/", {"a": "hello"}), ["x*"]).interactions[0].request.json
    assert out == {"a": "hello"}


# ---------------------------------------------------------------------------------------- patterns


SHAPES = {
    "anthropic-key": ANTHROPIC_KEY,
    "openrouter-key": OPENROUTER_KEY,
    "openai-key": OPENAI_KEY,
    "bearer-token": "Bearer " + BEARER_TOKEN,
    "basic-auth": "Basic " + "dXNlcjpodW50ZXIy",
    "aws-access-key-id": "AKIA" + "IOSFODNN7EXAMPLE",
    "google-api-key": GEMINI_KEY,
    "github-token": "ghp_" + "a" * 20 + "1" * 16,
    "huggingface-token": "hf_" + "AbCd" * 8,
    "groq-key": "gsk_" + "AbCd1234" * 6,
    "xai-key": "xai-" + "AbCd1234" * 6,
    "slack-token": "xoxb-" + "1234-5678-abcdef",
    "jwt": "eyJ" + "hbGciOiJIUzI1NiJ9.eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    "private-key": "-----BEGIN " + "PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
    "openai-org-id": ORG_ID,
    "openai-project-id": PROJECT_ID,
    "credential-query-param": "https://x.test/?api_key=" + "abc",
    "url-credentials": "https://user:" + "hunter2@host.test/",
    "credential-json-field": '{"client_secret": "' + "s3" + '"}',
    "credential-assignment": "OPENAI_API_KEY=" + "abcdef0123456789xyz",
}


def test_every_default_pattern_has_a_sample() -> None:
    assert set(SHAPES) == {kind for kind, _ in _NAMED_PATTERNS}
    assert len(DEFAULT_SECRET_PATTERNS) == len(_NAMED_PATTERNS)


@pytest.mark.parametrize(("kind", "sample"), SHAPES.items(), ids=list(SHAPES))
def test_each_shape_is_scanned_and_scrubbed(kind: str, sample: str) -> None:
    findings = scan_text(f"text: {sample} end")
    assert findings and findings[0].kind == kind
    scrubbed = _matcher(()).scrub(f"x {sample} y")
    assert REDACTED in scrubbed
    assert scan_text(scrubbed) == []


def test_gate_covers_every_pattern() -> None:
    # The literal gate is only an optimisation: scrubbing must equal running the full alternation.
    matcher = _matcher(())
    for sample in [*SHAPES.values(), *(f"{h}: value1" for h in SECRET_HEADERS)]:
        text = f"a line\nsome {sample} here\nlast"
        assert matcher.scrub(text) == matcher.substitute(text), sample
    for header in SECRET_HEADERS:
        assert any(g in f"{header}:" for g in _ALL_GATES), header


FRAGMENTS = [
    "sk-", "ant-", "proj-", "or-v1-", "Bearer ", "bearer\t", "AKIA", "eyJ", "abc", "ABC", "0123456789",
    "xyz_", "-", "_", ".", " ", "\n", ":", "=", '"', "'", "?", "&", "key", "token", "api_key", "password",
    "secret", "authorization", "cookie", "set-cookie", "x-api-key", "REDACTED", "://", "@", "org-", "é",
    "İ", "\\",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_gate_never_changes_the_result(text: str) -> None:
    matcher = _matcher(())
    assert matcher.scrub(text) == matcher.substitute(text)
    once = matcher.scrub(text)
    assert matcher.scrub(once) == once


# -------------------------------------------------------------------------------------------- speed


def test_scrubbing_a_thousand_interactions_leaves_no_secret() -> None:
    # Speed is measured by benchmarks, not asserted here; this checks the batch path stays complete.
    base = planted_cassette()
    big = Cassette(meta={}, interactions=[copy.deepcopy(i) for i in base.interactions * 250])
    text = dumps(scrub_cassette(big, [CUSTOM_PATTERN]))
    assert scan_text(text, "big.yaml", [CUSTOM_PATTERN]) == []


def test_header_rules_keep_noise_and_drop_named_headers_but_never_keep_credentials() -> None:
    response = RecordedResponse.from_wire(
        200,
        "OK",
        [("date", "Tue"), ("x-team", "core"), ("set-cookie", "a=1"), ("content-type", "text/plain")],
        b"hi",
    )
    cassette = _one("GET", "https://x.test/", response=response)
    default = dict(scrub_cassette(cassette).interactions[0].response.headers)
    assert "date" not in default and default["x-team"] == "core"
    rules = HeaderRules.of(keep=["Date", "set-cookie"], drop=["X-Team"])
    kept = dict(scrub_cassette(cassette, headers=rules).interactions[0].response.headers)
    assert kept["date"] == "Tue" and "x-team" not in kept
    assert kept["set-cookie"] == f"a={REDACTED}"  # "keep" does not un-redact a credential
