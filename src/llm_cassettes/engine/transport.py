"""Intercepting every httpx / httpx2 request while a cassette is active.

Clients pick a transport per request through ``Client._transport_for_url``. Patching that one method on
``httpx.Client``, ``httpx.AsyncClient`` and their httpx2 twins puts a cassette transport in front of
*any* transport the client was built with (the default one, litellm's aiohttp transport, a proxy
mount), and leaves the client's own request/response handling untouched.

Record mode fetches the whole response from the real transport, stores it, then hands the client the
same replayed response it will get from the cassette later, so a recording run and a replay run behave
identically, down to a stream that breaks after its third event.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from collections.abc import Iterator
from functools import cache
from types import ModuleType
from typing import Any

from ..cassette import Fault, Interaction, RecordedRequest, RecordedResponse
from ..cassette.codec import Headers, header_value_from_wire, header_value_to_wire
from .faults import exception_for, fault_from_exception, interrupted_stream_class
from .player import CassettePlayer

# Headers that describe the transfer, not the content: the body is stored decoded and whole.
_TRANSFER_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
_REQUEST_TRANSPORT_HEADERS = _TRANSFER_HEADERS | {"host", "accept-encoding"}
_HTTPX_MODULES = ("httpx", "httpx2")


def _client_modules() -> list[ModuleType]:
    modules = []
    for name in _HTTPX_MODULES:
        with contextlib.suppress(ImportError):
            modules.append(importlib.import_module(name))
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


def build_response(module: ModuleType, interaction: Interaction, request: Any) -> Any:
    """The response the real transport would have returned for this recording (or its exception)."""
    recorded = interaction.response
    if recorded is None:
        raise exception_for(interaction.fault or Fault("TransportError"), module, request)
    if interaction.fault is not None:
        stream = interrupted_stream_class(module)(recorded.body, interaction.fault, request)
    else:
        stream = module.ByteStream(recorded.body)
    extensions = {"http_version": b"HTTP/1.1"}
    if recorded.reason:
        extensions["reason_phrase"] = recorded.reason.encode("latin-1", "replace")
    headers = [(name.encode("latin-1"), header_value_to_wire(value)) for name, value in recorded.headers]
    return module.Response(recorded.status, headers=headers, stream=stream, extensions=extensions)


class _CassetteTransport:
    """Shared logic of the sync and async transports: lookup, and turning a real exchange into a record."""

    def __init__(self, module: ModuleType, inner: Any, player: CassettePlayer) -> None:
        self.module = module
        self.inner = inner
        self.player = player

    def _replayed(self, request: Any, body: bytes) -> Any | None:
        interaction = self.player.lookup(request.method, str(request.url), body)
        return None if interaction is None else build_response(self.module, interaction, request)

    def _failed(self, request: Any, body: bytes, exc: BaseException) -> None:
        self.player.record(Interaction(_wire_request(request, body), fault=fault_from_exception(exc)))

    def _completed(
        self, request: Any, body: bytes, response: Any, content: bytes, exc: BaseException | None
    ) -> Any:
        unheard = self.player.unheard_headers
        headers = [(k, v) for k, v in _stored_headers(response) if k.lower() not in unheard]
        recorded = RecordedResponse.from_wire(response.status_code, response.reason_phrase, headers, content)
        interaction = Interaction(
            _wire_request(request, body), recorded, fault_from_exception(exc) if exc is not None else None
        )
        self.player.record(interaction)
        return build_response(self.module, interaction, request)


class SyncCassetteTransport(_CassetteTransport):
    def handle_request(self, request: Any) -> Any:
        body = request.read()
        replayed = self._replayed(request, body)
        if replayed is not None:
            return replayed
        time.sleep(self.player.rate_gate.wait_time())
        self.player.rate_gate.mark()
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            self._failed(request, body, exc)
            raise
        chunks: list[bytes] = []
        error: BaseException | None = None
        try:
            for chunk in response.iter_bytes():  # decodes gzip/deflate/br: cassettes hold readable bodies
                chunks.append(chunk)
        except Exception as exc:
            error = exc
        finally:
            with contextlib.suppress(Exception):
                response.close()
        return self._completed(request, body, response, b"".join(chunks), error)

    def close(self) -> None:
        self.inner.close()


class AsyncCassetteTransport(_CassetteTransport):
    async def handle_async_request(self, request: Any) -> Any:
        body = await request.aread()
        replayed = self._replayed(request, body)
        if replayed is not None:
            return replayed
        await asyncio.sleep(self.player.rate_gate.wait_time())
        self.player.rate_gate.mark()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            self._failed(request, body, exc)
            raise
        chunks: list[bytes] = []
        error: BaseException | None = None
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
        except Exception as exc:
            error = exc
        finally:
            with contextlib.suppress(Exception):
                await response.aclose()
        return self._completed(request, body, response, b"".join(chunks), error)

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
