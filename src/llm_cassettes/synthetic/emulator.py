"""A loopback HTTP/1.1 server that speaks the OpenAI, Anthropic and OpenRouter chat APIs.

It lets tests and the recorder talk to something byte-faithful to the real providers
without a network or keys: the provider shapes come from ``synthetic.wire``, the
answers from ``synthetic.responder``, and scripted errors and faults from
``synthetic.scenarios``; ``_http`` frames them. Output is deterministic: the same request sequence gives
byte-identical responses (no Date/Server headers, ids derived from the request).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from . import responder, wire
from ._http import Handler, Pacer, Server, reason_phrase, send, send_truncated
from .pacing import DEFAULT_PACE, pacing_of
from .scenarios import Scenario, Step, StepKind, resolve
from .wire import Exchange, WireResponse

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


class Emulator:
    """The provider emulator; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        host: str = LOOPBACK,
        port: int = 0,
        scenario: Scenario | str | None = None,
        pace: float = DEFAULT_PACE,
    ) -> None:
        """``pace``: the share of each provider's nominal stream pacing (``synthetic.pacing``) really
        waited: 1.0 streams like the provider, the default a hundredth of it, 0 not at all."""
        if host != LOOPBACK:
            raise ValueError(f"the emulator only binds {LOOPBACK}, not {host!r}")
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.scenario = resolve(scenario)
        self.pace = pace
        self._step_index = 0
        self._sequence = 0
        self.requests: list[ReceivedRequest] = []

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = Server(self._handle, (self.host, self.port))
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

    def _handle(self, handler: Handler) -> None:
        raw = handler.read_body()
        provider = wire.provider_for_path(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        body = _parse_json(raw)
        if provider is None or handler.command != "POST":
            seed, _ = self._log(handler, provider, headers, body, raw, consume_step=False)
            guess = provider or wire.provider_guess(handler.path)
            exchange = Exchange(seed=seed, path=handler.path, method=handler.command)
            send(handler, guess.not_found_route(exchange), headers)
        elif not isinstance(body, dict):
            # A body the provider could not parse never reaches the "model": no step is used.
            seed, _ = self._log(handler, provider, headers, body, raw, consume_step=False)
            send(handler, provider.error_response("bad_request", Exchange(seed=seed)), headers)
        else:
            seed, step = self._log(handler, provider, headers, body, raw, consume_step=True)
            self._run_step(handler, provider, step, _exchange(seed, body, handler.path), headers)

    def _log(
        self,
        handler: Handler,
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
        self, handler: Handler, provider: ModuleType, step: Step, exchange: Exchange, headers: dict[str, str]
    ) -> None:
        if step.kind is StepKind.ERROR:
            response = provider.error_response(step.error, exchange, retry_after=step.retry_after)
            if step.status is not None:
                response = WireResponse(
                    step.status,
                    reason_phrase(step.status),
                    response.headers,
                    response.chunks,
                    compress=response.compress,
                )
            send(handler, response, headers)
        elif step.kind is StepKind.CONNECTION_RESET:
            handler.abort(reset=True)
        elif step.kind is StepKind.READ_TIMEOUT:
            self._hold(handler, step.delay or 30.0)
            handler.abort(reset=False)
        elif step.kind is StepKind.TRUNCATED_STREAM:
            send_truncated(handler, _success(provider, exchange), step.events, self._pacer(provider))
        elif step.kind is StepKind.MIDSTREAM_ERROR:
            send(handler, provider.midstream_error_response(exchange), headers, self._pacer(provider))
        else:  # "ok" and "delay"
            if step.kind is StepKind.DELAY and self._stopping.wait(step.delay):
                handler.abort(reset=False)
                return
            send(handler, _success(provider, exchange), headers, self._pacer(provider))

    def _pacer(self, provider: ModuleType) -> Pacer | None:
        """Waits until each stream chunk is due at the provider's pace (times ``self.pace``)."""
        if self.pace <= 0:
            return None
        pacing, started = pacing_of(provider.NAME), time.monotonic()

        def wait_for(index: int) -> bool:
            delay = started + self.pace * pacing.due_ms(index) / 1000 - time.monotonic()
            return delay <= 0 or not self._stopping.wait(delay)

        return wait_for

    def _hold(self, handler: Handler, seconds: float) -> None:
        """Keep the request unanswered until the client gives up, the time is up, or we stop."""
        waited = 0.0
        while waited < seconds and not handler.client_gone():
            if self._stopping.wait(_POLL):
                return
            waited += _POLL


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
