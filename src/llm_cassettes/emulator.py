"""A loopback HTTP/1.1 server that speaks the OpenAI, Anthropic and OpenRouter chat APIs.

It lets tests and the recorder talk to something byte-faithful to the real providers
without a network or keys: the provider shapes come from ``llm_cassettes.wire``, the
answers from ``llm_cassettes.responder``, and scripted errors and faults from
``llm_cassettes.scenarios``. Output is deterministic: the same request sequence gives
byte-identical responses (no Date/Server headers, ids derived from the request).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import select
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from llm_cassettes import responder, wire
from llm_cassettes.scenarios import Scenario, ScenarioError, Step, load_scenario_file, resolve
from llm_cassettes.wire import Exchange, WireResponse

LOOPBACK = "127.0.0.1"
# How often blocking waits (delays, held requests) look at the stop flag and the client.
_POLL = 0.05


@dataclass
class ReceivedRequest:
    """One request as the emulator saw it, for test assertions."""

    provider: str  # "openai" | "anthropic" | "openrouter" | "unknown"
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None when the body was not valid JSON
    raw: bytes = field(repr=False, default=b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Handler threads are unblocked by closing their sockets in stop(); never wait on them.
    block_on_close = False
    # Fail loudly if the port is taken instead of sharing it.
    allow_reuse_address = False

    def __init__(self, emulator: Emulator, address: tuple[str, int]) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up mid-response (timeouts, resets) is routine here, not an error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
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
        self.server.emulator._handle(self)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    # --- low-level writing helpers used by Emulator._handle -------------------------------

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


class Emulator:
    """The provider emulator; use as a context manager or call start()/stop()."""

    def __init__(self, host: str = LOOPBACK, port: int = 0, scenario: Scenario | str | None = None) -> None:
        if host != LOOPBACK:
            raise ValueError(f"the emulator only binds {LOOPBACK}, not {host!r}")
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.scenario = resolve(scenario)
        self._step_index = 0
        self._sequence = 0
        self.requests: list[ReceivedRequest] = []

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self, (self.host, self.port))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL},
            name="llm-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes delays and held requests
        server.shutdown()
        with server.connections_lock:
            connections = list(server.connections)
        for conn in connections:  # unblocks handler threads waiting on keep-alive reads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment variables pointing litellm (and the provider SDKs) at this emulator."""
        return {module.BASE_ENV: module.base_url(self.url) for module in wire.PROVIDERS.values()}

    def use_scenario(self, scenario: Scenario | str | None) -> None:
        """Switch scenario and start it from its first step, with an empty request log."""
        resolved = resolve(scenario)
        with self._lock:
            self.scenario = resolved
            self._step_index = 0
            self._sequence = 0
            self.requests.clear()

    # --- request handling ----------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        raw = handler.read_body()
        provider = wire.provider_for_path(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        body = _parse_json(raw)
        if provider is None or handler.command != "POST":
            seed, _ = self._log(handler, provider, headers, body, raw, consume_step=False)
            guess = provider or wire.provider_guess(handler.path)
            exchange = Exchange(seed=seed, path=handler.path, method=handler.command)
            self._send(handler, guess.not_found_route(exchange), headers)
        elif not isinstance(body, dict):
            # A body the provider could not parse never reaches the "model": no step is used.
            seed, _ = self._log(handler, provider, headers, body, raw, consume_step=False)
            self._send(handler, provider.error_response("bad_request", Exchange(seed=seed)), headers)
        else:
            seed, step = self._log(handler, provider, headers, body, raw, consume_step=True)
            self._run_step(handler, provider, step, _exchange(seed, body, handler.path), headers)

    def _log(
        self,
        handler: _Handler,
        provider: ModuleType | None,
        headers: dict[str, str],
        body: Any,
        raw: bytes,
        *,
        consume_step: bool,
    ) -> tuple[str, Step]:
        """Record the request; return its id seed and the scenario step that answers it."""
        name = provider.NAME if provider else "unknown"
        with self._lock:
            # Seeds depend on the request bytes and its position in the scenario run only,
            # so a replayed sequence of requests gets byte-identical responses.
            seed = hashlib.sha256(f"{self.scenario.name}:{self._sequence}:".encode() + raw).hexdigest()
            self._sequence += 1
            step = self.scenario.step_for(self._step_index)
            if consume_step:
                self._step_index += 1
            self.requests.append(ReceivedRequest(name, handler.command, handler.path, headers, body, raw))
        return seed, step

    def _run_step(
        self, handler: _Handler, provider: ModuleType, step: Step, exchange: Exchange, headers: dict[str, str]
    ) -> None:
        if step.kind == "error":
            response = provider.error_response(step.error, exchange, retry_after=step.retry_after)
            if step.status is not None:
                response = WireResponse(
                    step.status,
                    _reason(step.status),
                    response.headers,
                    response.chunks,
                    compress=response.compress,
                )
            self._send(handler, response, headers)
        elif step.kind == "connection_reset":
            handler.abort(reset=True)
        elif step.kind == "read_timeout":
            self._hold(handler, step.delay or 30.0)
            handler.abort(reset=False)
        elif step.kind == "truncated_stream":
            self._send_truncated(handler, _success(provider, exchange), step.events, headers)
        elif step.kind == "midstream_error":
            self._send(handler, provider.midstream_error_response(exchange), headers)
        else:  # "ok" and "delay"
            if step.kind == "delay" and self._stopping.wait(step.delay):
                handler.abort(reset=False)
                return
            self._send(handler, _success(provider, exchange), headers)

    def _hold(self, handler: _Handler, seconds: float) -> None:
        """Keep the request unanswered until the client gives up, the time is up, or we stop."""
        waited = 0.0
        while waited < seconds and not handler.client_gone():
            if self._stopping.wait(_POLL):
                return
            waited += _POLL

    def _send(self, handler: _Handler, response: WireResponse, request_headers: dict[str, str]) -> None:
        headers = list(response.headers)
        if response.streaming:
            handler.start(
                response.status, response.reason, _framed(headers, [("Transfer-Encoding", "chunked")])
            )
            for chunk in response.chunks:  # one event per HTTP chunk, flushed, like a live stream
                handler.write_chunk(chunk)
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
            handler.start(
                response.status, response.reason, _framed(headers, [("Transfer-Encoding", "chunked")])
            )
            for chunk in response.chunks:
                handler.write_chunk(chunk)
            handler.end_chunks()
        else:
            handler.start(
                response.status, response.reason, _framed(headers, [("Content-Length", str(len(body)))])
            )
            handler.wfile.write(body)
            handler.wfile.flush()

    def _send_truncated(
        self, handler: _Handler, response: WireResponse, events: int, request_headers: dict[str, str]
    ) -> None:
        """Start a 200 and drop the connection before the body is complete."""
        if response.streaming:
            handler.start(
                response.status,
                response.reason,
                _framed(list(response.headers), [("Transfer-Encoding", "chunked")]),
            )
            for chunk in response.chunks[: max(events, 0)]:
                handler.write_chunk(chunk)
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


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _exchange(seed: str, body: dict[str, Any], path: str) -> Exchange:
    stream_options = body.get("stream_options")
    include_usage = isinstance(stream_options, dict) and bool(stream_options.get("include_usage"))
    return Exchange(
        seed=seed,
        model=str(body.get("model") or ""),
        stream=bool(body.get("stream")),
        include_usage=include_usage,
        reply=responder.respond(body),
        path=path,
    )


def _success(provider: ModuleType, exchange: Exchange) -> WireResponse:
    if exchange.stream:
        return provider.stream_response(exchange)
    return provider.success_response(exchange)


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


# --- command line -------------------------------------------------------------------------------


def serve(argv: list[str] | None = None) -> int:
    """Run the emulator in the foreground (``llm-cassettes serve``) until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="llm-cassettes serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--scenario", default="success", help="builtin scenario, or one from --scenario-file")
    parser.add_argument("--scenario-file", type=Path, help="YAML file of extra scenarios")
    args = parser.parse_args(_strip_command(sys.argv[1:] if argv is None else argv))
    try:
        scenario = _pick_scenario(args.scenario, args.scenario_file)
        emulator = Emulator(port=args.port, scenario=scenario).start()
    except (ScenarioError, OSError) as exc:
        print(f"llm-cassettes serve: {exc}", file=sys.stderr)
        return 2
    try:  # Ctrl-C may land while we are still printing: stop cleanly in every case
        _print_exports(emulator, scenario)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def _print_exports(emulator: Emulator, scenario: Scenario) -> None:
    print(f"# llm-cassettes emulator on {emulator.url} (scenario: {scenario.name}); Ctrl-C to stop")
    for name, value in emulator.env().items():
        print(f"export {name}={value}")
    for module in wire.PROVIDERS.values():  # litellm insists on a key; the emulator ignores it
        print(f"export {module.KEY_ENV}=fake-{module.NAME}-key-for-emulator")
    sys.stdout.flush()


def _strip_command(argv: list[str]) -> list[str]:
    return argv[1:] if argv[:1] == ["serve"] else argv


def _pick_scenario(name: str, scenario_file: Path | None) -> Scenario:
    if scenario_file is not None:
        loaded = load_scenario_file(scenario_file)
        if name in loaded:
            return loaded[name]
    return resolve(name)
