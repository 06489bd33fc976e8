"""A loopback HTTP/1.1 server that speaks the OpenAI, Anthropic and OpenRouter chat APIs.

It lets tests and the recorder talk to something byte-faithful to the real providers
without a network or keys: the provider shapes come from ``synthetic.wire``, the
answers from ``synthetic.responder``, and scripted errors and faults from
``synthetic.scenarios``; ``_http`` frames them. Output is deterministic: the same request sequence gives
byte-identical responses (ids derived from the request, a ``Date`` from a frozen clock, no Server header).

Before a scenario step is used, a request passes the checks the real APIs make (credentials, required
fields: :mod:`.validation`); a refused request, like an unknown path or a body that is not JSON, uses
no step. Every other request uses the next step, whatever its endpoint, so a scenario's steps count an
agent loop's turns: step 2 answers the loop's second request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from ..providers import PROVIDERS
from . import endpoints, validation, wire
from ._http import Handler, Pacer, Server, reason_phrase, send, send_truncated
from .arguments import UnsatisfiableSchema
from .endpoints import Answer
from .pacing import DEFAULT_PACE, pacing_of
from .scenarios import Scenario, Step, StepKind, resolve
from .usage import PromptCache
from .wire import Exchange, WireResponse
from .wire._common import DATE

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
        self.unknown_routes: list[str] = []  # "METHOD /path" of requests no provider serves
        self.scenario_errors: list[str] = []  # schemas the emulator could not satisfy, in its words
        self.cache = PromptCache()  # prompt-cache prefixes written in this scenario run

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
        """Every variable a supported client reads its base URL from (litellm's ``*_API_BASE``, the SDKs'
        ``OPENAI_BASE_URL`` / ``ANTHROPIC_BASE_URL``, ...), pointing at this emulator."""
        return {name: p.base_url(self.url) for p in PROVIDERS.values() for name in p.base_envs}

    def use_scenario(self, scenario: Scenario | str | None) -> None:
        """Switch scenario and start it from its first step, with an empty request log."""
        resolved = resolve(scenario)
        with self._lock:
            self.scenario = resolved
            self._step_index = 0
            self._sequence = 0
            self.requests.clear()
            self.unknown_routes.clear()
            self.scenario_errors.clear()
            self.cache.clear()

    # --- request handling ----------------------------------------------------------------------

    def _handle(self, handler: Handler) -> None:
        raw = handler.read_body()
        headers = {name.lower(): value for name, value in handler.headers.items()}
        body = _parse_json(raw)
        found = endpoints.route(handler.command, handler.path, headers)
        if found is None:
            seed, _ = self._log(handler, None, headers, body, raw, consume_step=False)
            with self._lock:
                self.unknown_routes.append(f"{handler.command} {handler.path.split('?', 1)[0]}")
            guess = wire.provider_for_path(handler.path) or wire.provider_guess(handler.path)
            exchange = Exchange(seed=seed, path=handler.path, method=handler.command)
            self._send(handler, guess.not_found_route(exchange), headers)
            return
        provider = found.provider
        if handler.command == "POST" and not isinstance(body, dict):
            # A body the provider could not parse never reaches the "model": no step is used.
            seed, _ = self._log(handler, provider, headers, body, raw, consume_step=False)
            self._send(handler, provider.error_response("bad_request", Exchange(seed=seed)), headers)
            return
        body = body if isinstance(body, dict) else {}
        endpoint = "models" if found.endpoint == "model" else found.endpoint
        refused = validation.check(
            provider.NAME, endpoint, headers, body, endpoints.prompt_tokens(found, body)
        )
        seed, step = self._log(handler, provider, headers, body, raw, consume_step=refused is None)
        answer = Answer(found, seed, body, handler.path, self.cache)
        if refused is not None:
            response = provider.rejection_response(
                refused.status, refused.message, answer.stub, param=refused.param, code=refused.code
            )
            self._send(handler, response, headers)
            return
        self._run_step(handler, answer, step, headers)

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

    def _run_step(self, handler: Handler, answer: Answer, step: Step, headers: dict[str, str]) -> None:
        provider = answer.route.provider
        if step.kind is StepKind.ERROR:
            response = provider.error_response(step.error, answer.stub, retry_after=step.retry_after)
            if step.status is not None:
                response = WireResponse(
                    step.status,
                    reason_phrase(step.status),
                    response.headers,
                    response.chunks,
                    compress=response.compress,
                )
            self._send(handler, response, headers)
        elif step.kind is StepKind.CONNECTION_RESET:
            handler.abort(reset=True)
        elif step.kind is StepKind.READ_TIMEOUT:
            self._hold(handler, step.delay or 30.0)
            handler.abort(reset=False)
        else:
            if step.kind is StepKind.DELAY and self._stopping.wait(step.delay):
                handler.abort(reset=False)
                return
            try:
                response = answer.midstream() if step.kind is StepKind.MIDSTREAM_ERROR else answer.success()
            except UnsatisfiableSchema as exc:
                # The real APIs reject schemas they cannot use with a 400; say what the emulator lacks.
                with self._lock:
                    self.scenario_errors.append(str(exc))
                self._send(handler, provider.rejection_response(400, str(exc), answer.stub), headers)
                return
            pacer = self._pacer(provider)
            if step.kind is StepKind.TRUNCATED_STREAM:
                send_truncated(handler, _dated(response), step.events, pacer)
            else:
                send(handler, _dated(response), headers, pacer)

    @staticmethod
    def _send(handler: Handler, response: WireResponse, headers: dict[str, str]) -> None:
        send(handler, _dated(response), headers)

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


def _dated(response: WireResponse) -> WireResponse:
    """The response with the HTTP Date every real server sends, from the frozen clock."""
    return replace(response, headers=(("Date", DATE), *response.headers))
