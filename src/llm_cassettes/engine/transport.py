"""Intercepting every httpx / httpx2 request while a cassette is active.

Clients pick a transport per request through ``Client._transport_for_url``. Patching that one method on
``httpx.Client``, ``httpx.AsyncClient`` and their httpx2 twins puts a cassette transport in front of
*any* transport the client was built with (the default one, litellm's aiohttp transport, a proxy
mount), and leaves the client's own request/response handling untouched.

Record mode hands the client the real response as it arrives: each chunk reaches the client when the
provider sends it, and a tee (``streams``) copies it, with its arrival time, into the recording; a body
that breaks raises the real transport's exception at the real moment. Replay hands out the recorded
chunks (at once, at the recorded pace, or split across events: ``ReplayTiming``) and raises a recorded
fault where the recording broke off.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import cache, partial
from types import ModuleType
from typing import Any

from ..cassette import Fault, Interaction, RecordedRequest, RecordedResponse, header
from ..cassette.codec import Headers, header_value_from_wire, header_value_to_wire
from .faults import exception_for, fault_from_exception, raise_fault
from .player import NO_WAITING, CassettePlayer
from .streams import (
    Arrival,
    ReplayTiming,
    apause,
    clock,
    elapsed_ms,
    pause,
    recorded_chunks,
    replay_stream_class,
    split_events,
    tee_stream_class,
)

# Headers that describe the transfer, not the content: the body is stored (and handed on) decoded.
_TRANSFER_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
_REQUEST_TRANSPORT_HEADERS = _TRANSFER_HEADERS | {"host", "accept-encoding"}
_HTTPX_MODULES = ("httpx", "httpx2")


_NOT_INSTALLED: set[str] = set()


def _client_modules() -> list[ModuleType]:
    # Called for every test: sys.modules first, and a failed import is not retried, since each attempt
    # searches the whole path (~0.1 ms). sys.modules is asked each time, not a copy of it: a nested
    # pytest run (pytester) may drop a module it imported and the next import makes a new one.
    modules = []
    for name in _HTTPX_MODULES:
        module = sys.modules.get(name)
        if module is None and name not in _NOT_INSTALLED:
            try:
                module = importlib.import_module(name)
            except ImportError:
                _NOT_INSTALLED.add(name)
        if module is not None:
            modules.append(module)
    return modules


def _raw_headers(headers: Any, skip: frozenset[str]) -> Headers:
    # The raw bytes, not httpx's decoded view: that one guesses one encoding for all values at once,
    # and a value outside ASCII could not be turned back into the bytes the server sent.
    pairs = ((name.decode("latin-1"), value) for name, value in headers.raw)
    return [(name, header_value_from_wire(value)) for name, value in pairs if name.lower() not in skip]


def _wire_request(request: Any, body: bytes) -> RecordedRequest:
    headers = _raw_headers(request.headers, _REQUEST_TRANSPORT_HEADERS)
    return RecordedRequest.from_wire(request.method, str(request.url), headers, body)


def _stored_headers(response: Any) -> Headers:
    return _raw_headers(response.headers, _TRANSFER_HEADERS)


def _wire_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Stored headers as the bytes the server sent (httpx would encode str values as ASCII)."""
    return [(name.encode("latin-1"), header_value_to_wire(value)) for name, value in headers]


def _extensions(reason: str) -> dict[str, bytes]:
    extensions = {"http_version": b"HTTP/1.1"}
    if reason:
        extensions["reason_phrase"] = reason.encode("latin-1", "replace")
    return extensions


def build_response(
    module: ModuleType, interaction: Interaction, request: Any, timing: ReplayTiming = NO_WAITING
) -> Any:
    """The response the real transport would have returned for this recording (or its exception)."""
    recorded = interaction.response
    if recorded is None:
        raise exception_for(interaction.fault or Fault("TransportError"), module, request)
    fault, chunks = interaction.fault, recorded.chunks
    split = timing.kind == "split" and "sse" in recorded.body_doc
    if fault is None and chunks is None and not split:
        stream = module.ByteStream(recorded.body)  # the common case, and the cheapest
    else:
        body = recorded.body
        if split:
            pieces = split_events(body)
        else:
            pieces = recorded_chunks(body, chunks) if chunks else [body] if body else []
        due = None  # no waiting
        if timing.paced:  # (split never is)
            due = [entry[1] * timing.factor for entry in chunks] if chunks else [0.0] * len(pieces)
        fail = partial(raise_fault, fault, module, request) if fault is not None else None
        fail_ms = fault.ms * timing.factor if fault is not None and fault.ms is not None else None
        stream = replay_stream_class(module)(pieces, due, fail, fail_ms)
    return module.Response(
        recorded.status,
        headers=_wire_headers(recorded.headers),
        stream=stream,
        extensions=_extensions(recorded.reason),
    )


class _CassetteTransport:
    """Shared logic of the sync and async transports: lookup, and turning a real exchange into a record."""

    def __init__(self, module: ModuleType, inner: Any, player: CassettePlayer) -> None:
        self.module = module
        self.inner = inner
        self.player = player

    def _lookup(self, request: Any, body: bytes) -> Interaction | None:
        return self.player.lookup(request.method, str(request.url), body, request.headers.multi_items())

    def _wait_before(self, interaction: Interaction) -> float:
        """Seconds a paced replay waits before raising a fault that came instead of a response."""
        timing, fault = self.player.timing, interaction.fault
        if not timing.paced or interaction.response is not None or fault is None or fault.ms is None:
            return 0.0
        return fault.ms * timing.factor / 1000

    def _failed(self, request: Any, body: bytes, exc: BaseException, started: float) -> None:
        fault = replace(fault_from_exception(exc), ms=elapsed_ms(started))
        self.player.record(Interaction(_wire_request(request, body), fault=fault))

    def _live(self, request: Any, body: bytes, response: Any, started: float) -> Any:
        """The real response, its body teed into the recording as the client reads it."""
        unheard = self.player.unheard_headers
        headers = [(k, v) for k, v in _stored_headers(response) if k.lower() not in unheard]
        status, reason = response.status_code, response.reason_phrase
        streamed = "event-stream" in header(headers, "content-type")
        # In the recording from the start, so exchanges keep the order of their responses.
        interaction = Interaction(
            _wire_request(request, body), RecordedResponse.from_wire(status, reason, headers, b"")
        )

        def arrived(arrival: Arrival) -> None:
            interaction.response = RecordedResponse.from_wire(
                status, reason, headers, arrival.body, arrival.timing() if streamed else None
            )
            if arrival.error is not None:
                interaction.fault = replace(fault_from_exception(arrival.error), ms=arrival.error_ms)

        tee = tee_stream_class(self.module)(response, Arrival(started), arrived)
        self.player.record(interaction, tee)
        return self.module.Response(
            status, headers=_wire_headers(headers), stream=tee, extensions=_extensions(reason)
        )


class SyncCassetteTransport(_CassetteTransport):
    def handle_request(self, request: Any) -> Any:
        body = request.read()
        interaction = self._lookup(request, body)
        if interaction is not None:
            if wait := self._wait_before(interaction):
                pause(wait)
            return build_response(self.module, interaction, request, self.player.timing)
        time.sleep(self.player.rate_gate.wait_time())
        self.player.rate_gate.mark()
        started = clock()
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            self._failed(request, body, exc, started)
            raise
        return self._live(request, body, response, started)

    def close(self) -> None:
        self.inner.close()


class AsyncCassetteTransport(_CassetteTransport):
    async def handle_async_request(self, request: Any) -> Any:
        body = await request.aread()
        interaction = self._lookup(request, body)
        if interaction is not None:
            if wait := self._wait_before(interaction):
                await apause(wait)
            return build_response(self.module, interaction, request, self.player.timing)
        await asyncio.sleep(self.player.rate_gate.wait_time())
        self.player.rate_gate.mark()
        started = clock()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            self._failed(request, body, exc, started)
            raise
        return self._live(request, body, response, started)

    async def aclose(self) -> None:
        await self.inner.aclose()


# Built once per httpx module rather than on every intercept() (i.e. every test): two type() calls cost
# ~100 us, more than a whole replayed request.
@cache
def _make_transport_classes(module: ModuleType) -> tuple[type, type]:
    sync_cls = type("SyncCassetteTransport", (SyncCassetteTransport, module.BaseTransport), {})
    async_cls = type("AsyncCassetteTransport", (AsyncCassetteTransport, module.AsyncBaseTransport), {})
    return sync_cls, async_cls


@contextlib.contextmanager
def intercept(player: CassettePlayer) -> Iterator[None]:
    """Route every httpx/httpx2 request through ``player`` for the duration of the block."""
    patched: list[tuple[type, Any]] = []
    try:
        for module in _client_modules():
            sync_cls, async_cls = _make_transport_classes(module)
            for client_cls, transport_cls in ((module.Client, sync_cls), (module.AsyncClient, async_cls)):
                original = client_cls.__dict__["_transport_for_url"]

                def transport_for_url(
                    self: Any,
                    url: Any,
                    _original: Any = original,
                    _cls: type = transport_cls,
                    _module: Any = module,
                ) -> Any:
                    return _cls(_module, _original(self, url), player)

                patched.append((client_cls, original))
                client_cls._transport_for_url = transport_for_url
        yield
    finally:
        for client_cls, original in reversed(patched):
            client_cls._transport_for_url = original
