"""A loopback OpenAI-style provider that streams slowly: each chunk 100-200 ms after the previous one.

``POST /v1/chat/completions`` with ``"stream": true`` answers "1", "2", "3" as OpenAI ``data:`` events,
one HTTP chunk at each moment of :data:`SCHEDULE_MS`, so a client that really streams sees the chunks
spread over ~0.35 s, and one that is handed the whole body at the end sees them all at once. A request
whose model is ``"break"`` gets the first :data:`BREAK_AFTER` chunks and then a dropped connection (no
terminating chunk), like a provider that fails mid-stream.

Deliberately not the emulator: the engine's live streaming is tested against a server written for the
test, whose pace is known exactly and owes nothing to the emulator's own pacing.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# When each chunk leaves, in ms after the request arrived: a 100 ms time to first chunk, then gaps of
# 100, 150 and 100 ms (uneven on purpose: a replay that paced evenly would not match).
SCHEDULE_MS = (100, 200, 350, 450)
BREAK_AFTER = 2
CREATED = 1735689600
# Bound at import: the projects run in-process, and one of their tests patches time.sleep.
_sleep = time.sleep


def _event(delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-paced1",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


# One HTTP chunk per scheduled moment; the last carries the finish event and [DONE] with the text.
CHUNKS = (
    _event({"role": "assistant", "content": ""}) + _event({"content": "1"}),
    _event({"content": "\n2"}),
    _event({"content": "\n3"}),
    _event({}, "stop") + b"data: [DONE]\n\n",
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.send_response_only(200, "OK")
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        broken = body.get("model") == "break"
        for i, (due_ms, chunk) in enumerate(zip(SCHEDULE_MS, CHUNKS, strict=True)):
            if broken and i == BREAK_AFTER:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            _sleep(max(0.0, arrived + due_ms / 1000 - time.perf_counter()))
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            except OSError:  # the client closed the stream early: routine in these tests
                self.close_connection = True
                return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: clients that drop the connection (the tests that stop reading) are routine here."""


class PacedProvider:
    """Context manager: ``with PacedProvider() as server: server.base_url`` (``.../v1``)."""

    def __enter__(self) -> PacedProvider:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
