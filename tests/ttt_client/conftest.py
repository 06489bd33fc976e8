"""Fixtures shared by the client's unit tests: a litellm call spy, litellm's mock tool calls, a
fake clock for retries, and a loopback HTTP server for what litellm's mock cannot do."""

from __future__ import annotations

import email.utils
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import litellm
import pytest

from fakes import FakeTime
from ttt import retry as retry_module
from ttt.retry import RetryPolicy


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The kwargs of every litellm.completion / acompletion call (still answered, by mock_response)."""
    seen: list[dict] = []
    real, areal = litellm.completion, litellm.acompletion

    def completion(**kw):
        seen.append(kw)
        return real(**kw)

    async def acompletion(**kw):
        seen.append(kw)
        return await areal(**kw)

    monkeypatch.setattr(litellm, "completion", completion)
    monkeypatch.setattr(litellm, "acompletion", acompletion)
    return seen


@pytest.fixture
def mock_tool_calls(monkeypatch: pytest.MonkeyPatch, calls: list[dict]) -> Callable[[list[dict]], None]:
    """``mock_tool_calls([...])`` makes litellm's mock answer with those (OpenAI-format) tool calls.

    ttt has no option for it, so it is added below ttt, on the way into litellm; ``calls`` still
    records what ttt sent.
    """
    spy, aspy = litellm.completion, litellm.acompletion

    def use(tool_calls: list[dict]) -> None:
        monkeypatch.setattr(litellm, "completion", lambda **kw: spy(**kw, mock_tool_calls=tool_calls))

        async def acompletion(**kw):
            return await aspy(**kw, mock_tool_calls=tool_calls)

        monkeypatch.setattr(litellm, "acompletion", acompletion)

    return use


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The module-default retry policy on a fake clock: jitter 0, base 1 s, 3 attempts, no real sleep."""
    t = FakeTime(now=1_000.0)
    policy = RetryPolicy(
        max_attempts=3, base_delay=1.0, jitter=0.0, sleep=t.sleep, async_sleep=t.async_sleep, clock=t.clock
    )
    monkeypatch.setattr(retry_module, "_default_policy", policy)
    return t


class Loopback:
    """An HTTP server on 127.0.0.1 that answers POSTs from a queue of canned replies.

    It speaks whatever the test queues (OpenAI chat JSON or SSE, Anthropic messages JSON) and
    records every request body, so tests see exactly what litellm put on the wire. Replies carry
    only the headers given: no automatic ``Date`` or ``Server``.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[tuple[int, dict[str, str], bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                owner.requests.append({"path": self.path, "json": json.loads(body or b"null")})
                if owner.replies:
                    status, headers, payload = owner.replies.pop(0)
                else:
                    status, headers, payload = 500, {}, b'{"error": {"message": "no reply queued"}}'
                self.send_response_only(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"

    def json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.replies.append((status, {"content-type": "application/json", **(headers or {})}, body))

    def sse(self, events: list[dict[str, Any]]) -> None:
        """An OpenAI-style stream: one ``data:`` line per event, then ``data: [DONE]``."""
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        self.replies.append((200, {"content-type": "text/event-stream"}, body.encode()))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ payload builders

    @staticmethod
    def http_date(epoch: float) -> str:
        return email.utils.formatdate(epoch, usegmt=True)

    @staticmethod
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        """One OpenAI chat.completion.chunk event."""
        return {
            "id": "chatcmpl-loop",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    @staticmethod
    def usage_chunk() -> dict[str, Any]:
        return {
            "id": "chatcmpl-loop",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [],
            "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
        }

    @staticmethod
    def completion(content: str | None, tool_calls: list[dict] | None = None, finish: str = "stop") -> dict:
        """One OpenAI chat.completion body."""
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if tool_calls:
            message["tool_calls"] = tool_calls
        return {
            "id": "chatcmpl-loop",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
        }


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loopback]:
    """A Loopback server that all three providers' base URLs point to (with placeholder keys)."""
    server = Loopback()
    bases = {"OPENAI": "/v1", "ANTHROPIC": "", "OPENROUTER": "/api/v1"}
    for provider, path in bases.items():
        monkeypatch.setenv(f"{provider}_API_KEY", f"sk-test-{provider.lower()}")
        monkeypatch.setenv(f"{provider}_API_BASE", server.origin + path)
    yield server
    server.close()
