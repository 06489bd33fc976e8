"""A hostile loopback provider: it sends the caller's credentials back in every form a recording can hold.

It speaks just enough of each provider's wire format (OpenAI and OpenRouter chat completions, Anthropic
messages; shapes as in the real recordings: ``data:`` chunks, ``event:``/``data:`` pairs, OpenRouter's
``: OPENROUTER PROCESSING`` comments) for litellm to parse its answers, and it puts the key it was sent
where a careless recorder would keep it:

- ``echo json``            the key in the reply text of a normal JSON completion;
- ``echo stream N``        the reply ``Your key is <key>.`` streamed N characters per SSE event;
- ``echo tool N``          a streamed tool call whose JSON arguments ``{"key": "<key>"}`` arrive N
                           characters per event (OpenAI ``tool_calls`` / Anthropic ``input_json_delta``);
- anything else            a plain ``No.`` (for key-shaped prompts that must still replay).

Plain ``httpx`` routes, for bodies litellm never sees:

- ``POST /echo/binary``    ``application/octet-stream`` bytes (not UTF-8) with the key inside;
- ``POST /echo/base64``    JSON whose field holds the base64 of the key;
- ``POST /echo/header``    the value of the ``x-gateway-api-key`` request header, in a JSON body and in
                           an innocently named response header;
- ``POST /echo/body``      the request body (a multipart upload, JSON), sent back as it came.

The credential is read from the request (``Authorization: Bearer``, ``x-api-key``), never configured,
so the server echoes whatever the test sent.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1735689600
REPLY_PREFIX = "Your key is "


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --------------------------------------------------------------------------------- OpenAI / OpenRouter


def _chat_chunk(delta: dict[str, Any], finish: str | None, openrouter: bool) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    chunk: dict[str, Any] = {
        "id": "gen-echo-1" if openrouter else "chatcmpl-echo1",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "openai/gpt-4o-mini" if openrouter else "gpt-4o-mini-2024-07-18",
        "choices": [choice],
    }
    if openrouter:
        chunk["provider"] = "OpenAI"
        choice["native_finish_reason"] = finish
    else:
        chunk["system_fingerprint"] = "fp_echo"
        chunk["usage"] = None
    return chunk


def chat_stream(key: str, command: list[str], openrouter: bool) -> list[bytes]:
    """The SSE events of a chat-completions stream that carries ``key`` in pieces."""
    mode, size = command[1], int(command[2])
    events: list[bytes] = [b": OPENROUTER PROCESSING\n\n"] if openrouter else []

    def data(chunk: dict[str, Any]) -> None:
        events.append(b"data: " + _compact(chunk) + b"\n\n")

    if mode == "tool":
        call = {
            "index": 0,
            "id": "call_echo1",
            "type": "function",
            "function": {"name": "remember", "arguments": ""},
        }
        data(_chat_chunk({"role": "assistant", "content": None, "tool_calls": [call]}, None, openrouter))
        for piece in pieces(json.dumps({"key": key}), size):
            data(
                _chat_chunk(
                    {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}, None, openrouter
                )
            )
        data(_chat_chunk({}, "tool_calls", openrouter))
    else:
        data(_chat_chunk({"role": "assistant", "content": "", "refusal": None}, None, openrouter))
        for piece in pieces(f"{REPLY_PREFIX}{key}.", size):
            data(_chat_chunk({"content": piece}, None, openrouter))
        data(_chat_chunk({}, "stop", openrouter))
    if openrouter:
        events.append(b": OPENROUTER PROCESSING\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def chat_body(text: str, openrouter: bool) -> bytes:
    body = {
        "id": "gen-echo-2" if openrouter else "chatcmpl-echo2",
        "object": "chat.completion",
        "created": CREATED,
        "model": "openai/gpt-4o-mini" if openrouter else "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
    }
    return (json.dumps(body, indent=2) + "\n").encode()


# ------------------------------------------------------------------------------------------- Anthropic


def _anthropic_event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\n".encode() + b"data: " + _compact(data) + b"\n\n"


def anthropic_stream(key: str, command: list[str]) -> list[bytes]:
    mode, size = command[1], int(command[2])
    message = {
        "id": "msg_echo1",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-haiku-20241022",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": 1},
    }
    events = [_anthropic_event("message_start", {"type": "message_start", "message": message})]
    if mode == "tool":
        block: dict[str, Any] = {"type": "tool_use", "id": "toolu_echo1", "name": "remember", "input": {}}
        texts, delta_type, field = pieces(json.dumps({"key": key}), size), "input_json_delta", "partial_json"
        stop = "tool_use"
    else:
        block = {"type": "text", "text": ""}
        texts, delta_type, field = pieces(f"{REPLY_PREFIX}{key}.", size), "text_delta", "text"
        stop = "end_turn"
    events.append(
        _anthropic_event(
            "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
        )
    )
    events.append(b'event: ping\ndata: {"type": "ping"}\n\n')
    for piece in texts:
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": delta_type, field: piece}}
        events.append(_anthropic_event("content_block_delta", delta))
    events.append(_anthropic_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(
        _anthropic_event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 12},
            },
        )
    )
    events.append(_anthropic_event("message_stop", {"type": "message_stop"}))
    return events


def anthropic_body(text: str) -> bytes:
    body = {
        "id": "msg_echo2",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-haiku-20241022",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": 12},
    }
    return _compact(body)


# ------------------------------------------------------------------------------------------------ server


def _last_user_text(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # Anthropic / OpenAI content parts
                return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


_BEARER = re.compile(r"(?i)bearer\s+(?P<token>\S+)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EchoServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _credential(self) -> str:
        match = _BEARER.match(self.headers.get("authorization", ""))
        return match["token"] if match else self.headers.get("x-api-key", "")

    def _send(self, status: int, content_type: str, body: bytes, extra: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, events: list[bytes]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for event in events:
            self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.requests.append((self.path, dict(self.headers), raw))
        key = self._credential()
        if path == "/echo/binary":
            body = (
                b"\x89ECHO\x00\xff\xfe" + key.encode() + b"\x00\xc3\x28" + key.encode("utf-16-le") + b"\xff"
            )
            return self._send(200, "application/octet-stream", body)
        if path == "/echo/base64":
            return self._send(
                200, "application/json", _compact({"blob": base64.b64encode(key.encode()).decode()})
            )
        if path == "/echo/header":
            echoed = self.headers.get("x-gateway-api-key", "")
            body = _compact({"received": {"gateway": echoed}, "note": f"gateway key {echoed} accepted"})
            return self._send(200, "application/json", body, [("x-echo-gateway", echoed)])
        if path == "/echo/body":
            return self._send(200, self.headers.get("content-type", "application/octet-stream"), raw)
        request = json.loads(raw or b"{}")
        command = _last_user_text(request).split()
        echo = command[:1] == ["echo"]
        if path.endswith("/messages"):
            if request.get("stream") and echo:
                return self._stream(anthropic_stream(key, command))
            text = f"{REPLY_PREFIX}{key}." if echo else "No."
            return self._send(200, "application/json", anthropic_body(text))
        openrouter = path.startswith("/api/")
        if request.get("stream") and echo:
            return self._stream(chat_stream(key, command, openrouter))
        text = f"{REPLY_PREFIX}{key}." if echo else "No."
        return self._send(200, "application/json", chat_body(text, openrouter))


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Base-URL variables pointing litellm (and plain httpx tests) at this server."""
        return {
            "OPENAI_API_BASE": self.url + "/v1",
            "ANTHROPIC_API_BASE": self.url,
            "OPENROUTER_API_BASE": self.url + "/api/v1",
            "ECHO_BASE": self.url,
        }

    def __enter__(self) -> EchoServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
