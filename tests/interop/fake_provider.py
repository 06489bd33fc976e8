"""A loopback stand-in for the OpenAI and Anthropic APIs, for recording the interop suite.

It speaks enough of each wire format for the official SDKs to run unmodified against it: chat
completions (JSON, gzip and SSE, tool calls), embeddings (float and base64), file uploads and audio
transcriptions (multipart), and Anthropic messages (JSON and ``event:``/``data:`` SSE, tool use). Shapes
follow real recordings: OpenAI's pretty-printed JSON and ``data:`` chunks ending in ``[DONE]``, Anthropic's
compact JSON, ``ping`` events and space-padded data lines, ``x-request-id`` / ``request-id`` headers.

Unlike the project's own emulator it is deliberately *not* deterministic: every response carries fresh
random ids and request ids, so a replay that equals its recording proves it came from the cassette and
not from a second trip to a server. It is independent of ``llm_cassettes`` on purpose: the suite checks
the engine against something the engine did not write.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import struct
import threading
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1735689600  # 2025-01-01T00:00:00Z
# Sent only when a request carries ``x-fake-note``: a header value outside ASCII, as UTF-8 bytes
# (``x-fake-note: utf-8``, what most servers send) or ISO-8859-1 bytes (``latin-1``, what Python's own
# http.server and Starlette send).
NOTE_HEADER = ("x-note", "café ünïcödé")


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = field(repr=False)


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    chunks: list[bytes]
    stream: bool = False


def _random(alphabet_len: int = 24) -> str:
    return secrets.token_urlsafe(alphabet_len)[:alphabet_len].replace("-", "x").replace("_", "y")


def _sse(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _anthropic_event(name: str, payload: Any, padding: int = 0) -> bytes:
    data = json.dumps(payload, separators=(",", ":"))
    if padding:  # Anthropic pads some data lines with spaces before the closing brace
        data = data[:-1] + " " * padding + "}"
    return f"event: {name}\ndata: {data}\n\n".encode()


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        texts = [part.get("text", "") for part in content or [] if part.get("type") == "text"]
        if texts:
            return " ".join(texts)
    return ""


def _tool_result(messages: list[dict[str, Any]]) -> str | None:
    """The content of a tool result answering the model's last tool call, if the history ends with one."""
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return str(last.get("content"))
    content = last.get("content")
    if last.get("role") == "user" and isinstance(content, list):
        for part in content:
            if part.get("type") == "tool_result":
                inner = part.get("content")
                return inner if isinstance(inner, str) else json.dumps(inner)
    return None


def _arguments_for(schema: dict[str, Any]) -> dict[str, Any]:
    """Plausible arguments for a tool's JSON schema: 'Paris' for strings, 3 for numbers."""
    properties = schema.get("properties") or {}
    return {
        name: 3 if spec.get("type") in ("integer", "number") else "Paris" for name, spec in properties.items()
    }


def _chunked(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def parse_multipart(content_type: str, body: bytes) -> list[dict[str, Any]]:
    """The parts of a multipart/form-data body: name, filename, content type, content."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts = []
    for part in message.iter_parts() if message.is_multipart() else []:
        assert isinstance(part, Message)
        parts.append(
            {
                "name": part.get_param("name", header="content-disposition"),
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "content": part.get_payload(decode=True) or b"",
            }
        )
    return parts


class OpenAIRoutes:
    """api.openai.com: /v1/chat/completions, /v1/embeddings, /v1/files, /v1/audio/transcriptions."""

    @staticmethod
    def headers(content_type: str) -> list[tuple[str, str]]:
        return [
            ("content-type", content_type),
            ("openai-organization", "org-FAKEprovider000000000000"),
            ("openai-processing-ms", str(secrets.randbelow(900) + 100)),
            ("openai-version", "2020-10-01"),
            ("x-ratelimit-limit-requests", "5000"),
            ("x-ratelimit-remaining-requests", "4999"),
            ("x-ratelimit-reset-requests", "12ms"),
            ("x-request-id", "req_" + secrets.token_hex(16)),
            ("access-control-expose-headers", "X-Request-ID"),
        ]

    def chat(self, request: dict[str, Any]) -> Reply:
        model = request.get("model", "gpt-4o-mini")
        messages = request.get("messages") or []
        completion_id = "chatcmpl-" + _random(29)
        tool_output = _tool_result(messages)
        tools = request.get("tools") or []
        tool_call = None
        if tools and tool_output is None:
            function = tools[0]["function"]
            tool_call = {
                "id": "call_" + _random(24),
                "type": "function",
                "function": {
                    "name": function["name"],
                    "arguments": json.dumps(_arguments_for(function.get("parameters") or {})),
                },
            }
        text = (
            f"The tool said: {tool_output}"
            if tool_output is not None
            else f"Echo: {_last_user_text(messages)}"
        )
        usage = {
            "prompt_tokens": 9 + len(messages),
            "completion_tokens": len(text.split()),
            "total_tokens": 0,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        finish = "tool_calls" if tool_call else "stop"
        base = {"id": completion_id, "created": CREATED, "model": model + "-2024-07-18"}
        if not request.get("stream"):
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None if tool_call else text,
                "refusal": None,
            }
            if tool_call:
                message["tool_calls"] = [tool_call]
            message["annotations"] = []
            body = {
                **base,
                "object": "chat.completion",
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                "usage": usage,
                "service_tier": "default",
                "system_fingerprint": "fp_fake0001",
            }
            raw = (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()
            return Reply(200, self.headers("application/json"), [raw])
        chunk = {**base, "object": "chat.completion.chunk", "service_tier": "default"}
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))

        def event(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            payload = {
                **chunk,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            if include_usage:
                payload["usage"] = None
            payload["obfuscation"] = _random(12)
            return _sse(payload)

        events = []
        if tool_call:
            function = tool_call["function"]
            first = {**tool_call, "function": {"name": function["name"], "arguments": ""}}
            events.append(
                event({"role": "assistant", "content": None, "tool_calls": [{"index": 0, **first}]})
            )
            for piece in _chunked(function["arguments"]):
                events.append(event({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        else:
            events.append(event({"role": "assistant", "content": "", "refusal": None}))
            events += [event({"content": piece}) for piece in _chunked(text)]
        events.append(event({}, finish))
        if include_usage:
            events.append(_sse({**chunk, "choices": [], "usage": usage}))
        events.append(b"data: [DONE]\n\n")
        return Reply(200, self.headers("text/event-stream; charset=utf-8"), events, stream=True)

    def embeddings(self, request: dict[str, Any]) -> Reply:
        inputs = request.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        as_base64 = request.get("encoding_format") == "base64"
        data = []
        for index, _ in enumerate(inputs):
            vector = [round(secrets.randbelow(2000) / 1000 - 1, 3) for _ in range(8)]
            encoded: Any = vector
            if as_base64:
                encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(str(text).split()) for text in inputs)
        body = {
            "object": "list",
            "data": data,
            "model": request.get("model", "text-embedding-3-small"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        raw = (json.dumps(body, indent=2) + "\n").encode()
        return Reply(200, self.headers("application/json"), [raw])

    def files(self, parts: list[dict[str, Any]]) -> Reply:
        fields = {p["name"]: p for p in parts}
        upload = fields.get("file") or {"filename": None, "content": b""}
        body = {
            "object": "file",
            "id": "file-" + _random(22),
            "purpose": (fields.get("purpose") or {}).get("content", b"").decode(),
            "filename": upload["filename"],
            "bytes": len(upload["content"]),
            "created_at": CREATED,
            "expires_at": None,
            "status": "processed",
            "status_details": None,
        }
        raw = (json.dumps(body, indent=2) + "\n").encode()
        return Reply(200, self.headers("application/json"), [raw])

    def transcription(self, parts: list[dict[str, Any]]) -> Reply:
        fields = {p["name"]: p for p in parts}
        upload = fields.get("file") or {"filename": "?", "content": b""}
        words = _random(6)
        text = f"Transcript {words} of {upload['filename']} ({len(upload['content'])} bytes)"
        body = {"text": text, "usage": {"type": "duration", "seconds": 1}}
        return Reply(200, self.headers("application/json"), [json.dumps(body).encode()])

    def not_found(self, path: str) -> Reply:
        body = {
            "error": {
                "message": f"Invalid URL (POST {path})",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        }
        raw = (json.dumps(body, indent=4) + "\n").encode()
        return Reply(404, self.headers("application/json; charset=utf-8"), [raw])


class AnthropicRoutes:
    """api.anthropic.com: /v1/messages."""

    @staticmethod
    def headers(content_type: str) -> list[tuple[str, str]]:
        return [
            ("content-type", content_type),
            ("anthropic-ratelimit-requests-limit", "4000"),
            ("anthropic-ratelimit-requests-remaining", "3999"),
            ("anthropic-ratelimit-requests-reset", "2025-01-01T00:00:01Z"),
            ("request-id", "req_011C" + _random(20)),
            ("anthropic-organization-id", "00000000-0000-4000-8000-0000000fa4e0"),
            ("x-robots-tag", "none"),
        ]

    def messages(self, request: dict[str, Any]) -> Reply:
        model = request.get("model", "claude-haiku-4-5")
        messages = request.get("messages") or []
        message_id = "msg_01" + _random(22)
        tool_output = _tool_result(messages)
        tools = request.get("tools") or []
        tool_use = None
        if tools and tool_output is None:
            tool_use = {
                "type": "tool_use",
                "id": "toolu_01" + _random(22),
                "name": tools[0]["name"],
                "input": _arguments_for(tools[0].get("input_schema") or {}),
            }
        text = (
            f"The tool said: {tool_output}"
            if tool_output is not None
            else f"Echo: {_last_user_text(messages)}"
        )
        stop = "tool_use" if tool_use else "end_turn"
        usage = {"input_tokens": 8 + len(messages), "output_tokens": len(text.split())}
        if not request.get("stream"):
            content: list[dict[str, Any]] = [{"type": "text", "text": "Let me check." if tool_use else text}]
            if tool_use:
                content.append(tool_use)
            body = {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            }
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            return Reply(200, self.headers("application/json"), [raw])
        start = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1},
        }
        events = [_anthropic_event("message_start", {"type": "message_start", "message": start})]
        shown = "Let me check." if tool_use else text
        events.append(
            _anthropic_event(
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                padding=13,
            )
        )
        for position, piece in enumerate(_chunked(shown, 5)):
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
            events.append(_anthropic_event("content_block_delta", delta, padding=position % 3))
            if position == 1:
                events.append(b'event: ping\ndata: {"type": "ping"}\n\n')
        events.append(
            _anthropic_event("content_block_stop", {"type": "content_block_stop", "index": 0}, padding=5)
        )
        if tool_use:
            block = {**tool_use, "input": {}}
            events.append(
                _anthropic_event(
                    "content_block_start", {"type": "content_block_start", "index": 1, "content_block": block}
                )
            )
            for piece in ["", *_chunked(json.dumps(tool_use["input"]), 6)]:
                delta = {"type": "input_json_delta", "partial_json": piece}
                events.append(
                    _anthropic_event(
                        "content_block_delta", {"type": "content_block_delta", "index": 1, "delta": delta}
                    )
                )
            events.append(_anthropic_event("content_block_stop", {"type": "content_block_stop", "index": 1}))
        events.append(
            _anthropic_event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]},
                },
                padding=12,
            )
        )
        events.append(_anthropic_event("message_stop", {"type": "message_stop"}, padding=3))
        headers = [*self.headers("text/event-stream; charset=utf-8"), ("cache-control", "no-cache")]
        return Reply(200, headers, events, stream=True)

    def not_found(self, path: str) -> Reply:
        body = {"type": "error", "error": {"type": "not_found_error", "message": f"Not found: {path}"}}
        return Reply(404, self.headers("application/json"), [json.dumps(body).encode()])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests look at FakeProvider.requests."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.provider.seen(SeenRequest(self.command, self.path, headers, body))
        reply = self.server.provider.route(self.path, headers, body)
        self._send(reply, headers)

    do_GET = do_POST

    def _send(self, reply: Reply, request_headers: dict[str, str]) -> None:
        self.send_response_only(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        encoding = request_headers.get("x-fake-note")
        if encoding in ("utf-8", "latin-1"):
            name, value = NOTE_HEADER
            self._headers_buffer.append(f"{name}: {value}\r\n".encode(encoding))
        if reply.stream:
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for chunk in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        raw = b"".join(reply.chunks)
        if "gzip" in request_headers.get("accept-encoding", "") and reply.status == 200:
            raw = gzip.compress(raw, mtime=0)
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        super().__init__(("127.0.0.1", 0), _Handler)


class FakeProvider:
    """``with FakeProvider() as fake:`` serves on ``fake.url`` (127.0.0.1, a free port) until the end."""

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.openai = OpenAIRoutes()
        self.anthropic = AnthropicRoutes()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeProvider is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """The variables that point the official SDKs at this server."""
        return {"OPENAI_BASE_URL": self.url + "/v1", "ANTHROPIC_BASE_URL": self.url}

    def seen(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def route(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        bare = path.split("?", 1)[0].rstrip("/")
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            parts = parse_multipart(content_type, body)
            if bare == "/v1/files":
                return self.openai.files(parts)
            if bare == "/v1/audio/transcriptions":
                return self.openai.transcription(parts)
            return self.openai.not_found(bare)
        request = json.loads(body) if body else {}
        if bare == "/v1/chat/completions":
            return self.openai.chat(request)
        if bare == "/v1/embeddings":
            return self.openai.embeddings(request)
        if bare == "/v1/messages":
            return self.anthropic.messages(request)
        return self.openai.not_found(bare)

    def start(self) -> FakeProvider:
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._server = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
