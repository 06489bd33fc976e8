"""The emulator's HTTP/1.1 plumbing: a threading loopback server, and responses framed as real servers do.

Knows sockets and HTTP framing (chunked transfer, gzip, content-length, aborted connections), nothing of
providers or scenarios: the emulator hands it a request handler and :class:`WireResponse` objects.
"""

from __future__ import annotations

import contextlib
import gzip
import select
import socket
import struct
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .wire import WireResponse


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Handler threads are unblocked by closing their sockets in stop(); never wait on them.
    block_on_close = False
    # Fail loudly if the port is taken instead of sharing it.
    allow_reuse_address = False

    def __init__(self, handle: Callable[[Handler], None], address: tuple[str, int]) -> None:
        self.handle_request_of = handle
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up mid-response (timeouts, resets) is routine here, not an error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
    # An idle keep-alive connection is dropped after this long so threads do not pile up.
    timeout = 60

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests assert on ``Emulator.requests`` instead of reading logs."""

    def send_response(self, code: int, message: str | None = None) -> None:
        # Also used by http.server's own error pages (bad request lines): never add the
        # wall-clock Date or the Server header, so every response is reproducible.
        self.send_response_only(code, message)

    def do_POST(self) -> None:
        self.server.handle_request_of(self)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    # --- low-level writing helpers used by send() and the emulator -------------------------------

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def start(self, status: int, reason: str, headers: list[tuple[str, str]]) -> None:
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def client_gone(self) -> bool:
        """True once the client has closed its side (EOF readable on the socket)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def abort(self, *, reset: bool) -> None:
        """Drop the connection: with a TCP RST (SO_LINGER 0) when ``reset``, else a plain FIN."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()


# Called before stream chunk ``i`` is sent; waits until it is due, False when the emulator is stopping.
Pacer = Callable[[int], bool]


def _stream_chunks(handler: Handler, chunks: tuple[bytes, ...], pacer: Pacer | None) -> bool:
    """One event per HTTP chunk, flushed, each when it is due, like a live stream; False if cut short."""
    for i, chunk in enumerate(chunks):
        if pacer is not None and not pacer(i):
            handler.abort(reset=False)
            return False
        handler.write_chunk(chunk)
    return True


def send(
    handler: Handler, response: WireResponse, request_headers: dict[str, str], pacer: Pacer | None = None
) -> None:
    headers = list(response.headers)
    if response.streaming:
        handler.start(response.status, response.reason, _framed(headers, [("Transfer-Encoding", "chunked")]))
        if _stream_chunks(handler, response.chunks, pacer):
            handler.end_chunks()
        return
    body = response.body
    if response.compress and _accepts_gzip(request_headers.get("accept-encoding", "")):
        compressed = gzip.compress(body, compresslevel=6, mtime=0)  # mtime=0 keeps bytes reproducible
        framing = [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
        handler.start(response.status, response.reason, _framed(headers, framing))
        handler.write_chunk(compressed)
        handler.end_chunks()
    elif len(response.chunks) > 1:
        handler.start(response.status, response.reason, _framed(headers, [("Transfer-Encoding", "chunked")]))
        for chunk in response.chunks:
            handler.write_chunk(chunk)
        handler.end_chunks()
    else:
        handler.start(
            response.status, response.reason, _framed(headers, [("Content-Length", str(len(body)))])
        )
        handler.wfile.write(body)
        handler.wfile.flush()


def send_truncated(handler: Handler, response: WireResponse, events: int, pacer: Pacer | None = None) -> None:
    """Start a 200 and drop the connection before the body is complete."""
    if response.streaming:
        handler.start(
            response.status,
            response.reason,
            _framed(list(response.headers), [("Transfer-Encoding", "chunked")]),
        )
        if not _stream_chunks(handler, response.chunks[: max(events, 0)], pacer):
            return
    else:
        # Promise the whole body, deliver half of it.
        body = response.body
        handler.start(
            response.status,
            response.reason,
            _framed(list(response.headers), [("Content-Length", str(len(body)))]),
        )
        handler.wfile.write(body[: len(body) // 2])
    handler.abort(reset=False)


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _framed(headers: list[tuple[str, str]], framing: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Insert the framing headers right after Content-Type, where real servers put them."""
    index = next((i + 1 for i, (name, _) in enumerate(headers) if name.lower() == "content-type"), 0)
    return headers[:index] + framing + headers[index:]


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False
