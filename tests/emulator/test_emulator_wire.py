"""The emulator's bytes on the wire, checked with raw httpx/socket clients (no SDK in between)."""

from __future__ import annotations

import gzip
import json
import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from llm_cassettes.synthetic import wire
from llm_cassettes.synthetic.emulator import Emulator
from llm_cassettes.synthetic.wire import anthropic, openai, openrouter

PATHS = {name: module.PATH for name, module in wire.PROVIDERS.items()}
BODIES = {
    "openai": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]},
    "anthropic": {
        "model": "claude-3-5-haiku-20241022",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "What is 2+2?"}],
    },
    "openrouter": {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]},
}


# Each provider refuses a request without its credentials before anything else.
AUTH = {
    "openai": {"authorization": "Bearer sk-emulator-test"},
    "anthropic": {"x-api-key": "sk-ant-emulator-test"},
    "openrouter": {"authorization": "Bearer sk-or-emulator-test"},
}


def _post(emulator: Emulator, provider: str, body: object, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    with httpx.Client(timeout=5) as client:
        return client.post(
            emulator.url + PATHS[provider],
            content=content,
            headers={"content-type": "application/json", **AUTH[provider], **headers},
        )


def _raw_exchange(emulator: Emulator, path: str, body: bytes, extra: str = "") -> bytes:
    """The complete raw response bytes (status line, headers, framing) for one request."""
    request = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer sk-test\r\nx-api-key: sk-ant-test\r\n{extra}"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize("provider", list(PATHS))
@pytest.mark.parametrize("stream", [False, True])
def test_same_requests_give_identical_bytes(emulator: Emulator, provider: str, stream: bool) -> None:
    body = json.dumps({**BODIES[provider], "stream": stream}).encode()
    runs = []
    for _ in range(2):
        emulator.use_scenario("success")
        runs.append(
            [_raw_exchange(emulator, PATHS[provider], body, "Accept-Encoding: gzip\r\n") for _ in range(2)]
        )
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[0][1]  # the per-scenario counter changes ids between requests
    # The one Date is the frozen clock's, so the bytes never depend on when they were made.
    assert b"\r\nDate: Wed, 01 Jan 2025 00:00:00 GMT\r\n" in runs[0][0]
    assert b"\r\nserver:" not in runs[0][0].lower()


def test_openai_json_body_shape(emulator: Emulator) -> None:
    response = _post(emulator, "openai", BODIES["openai"], **{"accept-encoding": "gzip, deflate"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == "application/json"
    text = response.text  # httpx decompressed it
    assert text.startswith('{\n  "id": "chatcmpl-') and text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == [
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "service_tier",
        "system_fingerprint",
    ]
    assert data["model"] == "gpt-4o-mini-2024-07-18"
    assert data["choices"][0]["message"] == {
        "role": "assistant",
        "content": "4",
        "refusal": None,
        "annotations": [],
    }
    assert data["usage"]["completion_tokens_details"]["accepted_prediction_tokens"] == 0
    for name in (
        "x-request-id",
        "openai-processing-ms",
        "openai-version",
        "x-ratelimit-remaining-requests",
        "openai-organization",
        "openai-project",
    ):
        assert name in response.headers
    assert response.headers["x-request-id"].startswith("req_")
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("__cf_bm=FAKE-") for c in cookies)


def test_no_gzip_unless_accepted(emulator: Emulator) -> None:
    response = _post(emulator, "openai", BODIES["openai"], **{"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)


def test_openai_stream_framing(emulator: Emulator) -> None:
    body = {**BODIES["openai"], "stream": True, "stream_options": {"include_usage": True}}
    response = _post(emulator, "openai", body, **{"accept-encoding": "gzip"})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert "content-encoding" not in response.headers  # SSE is never compressed
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert all("usage" in c for c in chunks)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"


def test_anthropic_bodies(emulator: Emulator) -> None:
    response = _post(emulator, "anthropic", BODIES["anthropic"])
    assert response.text.startswith('{"model":"claude-3-5-haiku-20241022","id":"msg_01')
    # An alias comes back as the dated model that served it.
    alias = _post(emulator, "anthropic", {**BODIES["anthropic"], "model": "claude-haiku-4-5"}).json()
    assert alias["model"] == "claude-haiku-4-5-20251001"
    assert response.headers["anthropic-organization-id"].startswith("00000000-")
    assert response.headers["request-id"].startswith("req_011C")
    stream = _post(emulator, "anthropic", {**BODIES["anthropic"], "stream": True}).text
    names = [line.removeprefix("event: ") for line in stream.splitlines() if line.startswith("event: ")]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert 'event: ping\ndata: {"type": "ping"}\n\n' in stream


def test_anthropic_529_has_empty_reason_phrase(emulator: Emulator) -> None:
    emulator.use_scenario("overloaded")
    raw = _raw_exchange(emulator, anthropic.PATH, json.dumps(BODIES["anthropic"]).encode())
    assert raw.startswith(b"HTTP/1.1 529 \r\n")
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert json.loads(body)["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert b"\r\nx-should-retry: true\r\n" in raw


def test_openrouter_padding_and_stream(emulator: Emulator) -> None:
    raw = _post(emulator, "openrouter", BODIES["openrouter"], **{"accept-encoding": "identity"}).content
    assert raw.startswith(b'\n         \n{"id":"gen-')
    data = json.loads(raw)
    assert data["provider"] == "OpenAI" and data["choices"][0]["native_finish_reason"] == "stop"
    assert isinstance(data["usage"]["cost"], float) and data["usage"]["is_byok"] is False
    body = {**BODIES["openrouter"], "stream": True, "stream_options": {"include_usage": True}}
    text = _post(emulator, "openrouter", body).text
    assert text.startswith(": OPENROUTER PROCESSING\n\ndata: ")
    assert text.endswith("data: [DONE]\n\n")
    usage_chunk = json.loads(text.split("\n\n")[-3].removeprefix("data: "))
    assert usage_chunk["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert set(usage_chunk["usage"]) >= {"cost", "is_byok", "cost_details"}


def test_openrouter_rate_limit_headers(emulator: Emulator) -> None:
    emulator.use_scenario("rate_limit")
    response = _post(emulator, "openrouter", BODIES["openrouter"])
    assert response.status_code == 429 and "retry-after" not in response.headers
    assert response.headers["x-ratelimit-reset"] == "1735689602000"
    assert response.json()["error"]["metadata"]["headers"]["X-RateLimit-Remaining"] == "0"


def test_openai_error_formatting(emulator: Emulator) -> None:
    emulator.use_scenario("auth_error")
    response = _post(emulator, "openai", BODIES["openai"], **{"accept-encoding": "gzip"})
    assert response.status_code == 401 and response.reason_phrase == "Unauthorized"
    assert response.text.startswith('{\n    "error": {\n        "message": "Incorrect API key')
    assert response.text.endswith("\n    }\n}\n")
    assert response.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize("provider", list(PATHS))
def test_malformed_json_gets_provider_400(emulator: Emulator, provider: str) -> None:
    response = _post(emulator, provider, b"{not json")
    assert response.status_code == 400
    data = response.json()
    if provider == "anthropic":
        assert data["type"] == "error" and data["error"]["type"] == "invalid_request_error"
    elif provider == "openai":
        assert (
            data["error"]["type"] == "invalid_request_error" and "parse the JSON" in data["error"]["message"]
        )
    else:
        assert data == {"error": {"message": "Invalid JSON in request body", "code": 400}}
    assert emulator.requests[-1].body is None


@pytest.mark.parametrize(
    ("path", "shape"),
    [("/v1/models", "openai"), ("/v1/messages/count", "anthropic"), ("/api/v1/models", "openrouter")],
)
def test_unknown_route_is_provider_shaped_404(emulator: Emulator, path: str, shape: str) -> None:
    with httpx.Client() as client:
        response = client.post(emulator.url + path, json={})
    assert response.status_code == 404
    data = response.json()
    if shape == "anthropic":
        assert data["error"]["type"] == "not_found_error"
    elif shape == "openai":
        assert data["error"]["message"] == f"Invalid URL (POST {path})"
    else:
        assert data["error"]["code"] == 404


def test_parallel_requests(emulator: Emulator) -> None:
    def ask(n: int) -> str:
        body = {**BODIES["openai"], "messages": [{"role": "user", "content": f"What is {n}+1?"}]}
        return _post(emulator, "openai", body).json()["choices"][0]["message"]["content"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(24)))
    assert answers == [str(n + 1) for n in range(24)]
    assert len(emulator.requests) == 24


def test_requests_are_recorded(emulator: Emulator) -> None:
    _post(emulator, "anthropic", BODIES["anthropic"], **{"x-api-key": "fake"})
    (seen,) = emulator.requests
    assert seen.provider == "anthropic" and seen.path == "/v1/messages"
    assert seen.headers["x-api-key"] == "fake" and seen.body == BODIES["anthropic"]
    emulator.use_scenario("success")
    assert emulator.requests == []


def test_gzip_is_reproducible(emulator: Emulator) -> None:
    raw = _raw_exchange(
        emulator, openai.PATH, json.dumps(BODIES["openai"]).encode(), "Accept-Encoding: gzip\r\n"
    )
    assert b"\r\nContent-Encoding: gzip\r\n" in raw
    size_line, rest = raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n", 1)
    payload = rest[: int(size_line, 16)]
    assert payload[4:8] == b"\0\0\0\0"  # gzip mtime field is zero
    assert gzip.decompress(payload).startswith(b'{\n  "id"')


def test_only_loopback_and_env(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        Emulator(host="0.0.0.0")
    assert emulator.env() == {
        "OPENAI_API_BASE": emulator.url + "/v1",
        "OPENAI_BASE_URL": emulator.url + "/v1",
        "ANTHROPIC_API_BASE": emulator.url,
        "ANTHROPIC_BASE_URL": emulator.url,
        "OPENROUTER_API_BASE": emulator.url + "/api/v1",
        "OPENROUTER_BASE_URL": emulator.url + "/api/v1",
    }
    assert wire.provider_for_path("/api/v1/chat/completions") is openrouter


def test_stop_is_prompt_while_a_request_is_held() -> None:
    import time

    emulator = Emulator(scenario="read_timeout").start()
    sock = socket.create_connection(("127.0.0.1", emulator.port))
    body = json.dumps(BODIES["openai"]).encode()
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    time.sleep(0.1)
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 2
    sock.settimeout(2)
    assert sock.recv(100) == b""  # closed without a response
    sock.close()
