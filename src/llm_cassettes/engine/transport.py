"""Intercepting every httpx / httpx2 request while a cassette is active.

Clients pick a transport per request through ``Client._transport_for_url``. Patching that one method on
``httpx.Client``, ``httpx.AsyncClient`` and their httpx2 twins puts a cassette transport in front of
*any* transport the client was built with (the default one, litellm's aiohttp transport, a proxy
mount), and leaves the client's own request/response handling untouched. The patch is made once per
process and does nothing while no cassette is active; a test only makes its player the active one.

Record mode hands the client the real response as it arrives: each chunk reaches the client when the
provider sends it, and a tee (``streams``) copies it, with its arrival time, into the recording; a body
that breaks raises the real transport's exception at the real moment. Replay hands out the recorded
chunks (at once, at the recorded pace, or split across events: ``ReplayTiming``) and raises a recorded
fault where the recording broke off.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import sys
import time
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


# ------------------------------------------------------------------------------------ interception
#
# The client classes are patched once per process, not once per test: the patched method asks
# ``_ACTIVE`` which player (if any) answers, so a test only pushes and pops its player. A client module
# imported later, even in the middle of a test, is patched as its import finishes (``_PatchOnImport``);
# httpx2 is never imported just to be patched. Each ``intercept`` also re-checks the modules already
# imported: a nested pytest run (pytester) may drop a module it imported, and the next import makes a
# new one with new classes, and it may put back a ``sys.meta_path`` without the import hook.

# The players of the tests in flight, innermost last (a pytester run inside a test pushes its own).
_ACTIVE: list[CassettePlayer] = []
_PATCH_MARK = "_llm_cassettes_patched"


def _patched(client_cls: type) -> bool:
    return getattr(client_cls.__dict__.get("_transport_for_url"), _PATCH_MARK, False)


def _patch(module: ModuleType) -> None:
    """Put a cassette transport in front of every transport ``module``'s clients pick, while one is active."""
    sync_cls, async_cls = _make_transport_classes(module)
    for client_cls, transport_cls in ((module.Client, sync_cls), (module.AsyncClient, async_cls)):
        original = client_cls.__dict__.get("_transport_for_url")
        if original is None or _patched(client_cls):
            continue

        def transport_for_url(
            self: Any, url: Any, _original: Any = original, _cls: type = transport_cls, _module: Any = module
        ) -> Any:
            __tracebackhide__ = True  # a client error outside any cassette shows the client's frames only
            transport = _original(self, url)
            return _cls(_module, transport, _ACTIVE[-1]) if _ACTIVE else transport

        setattr(transport_for_url, _PATCH_MARK, True)
        transport_for_url.__wrapped__ = original  # type: ignore[attr-defined]
        client_cls._transport_for_url = transport_for_url


def _patch_if_ready(module: ModuleType) -> None:
    client, async_client = getattr(module, "Client", None), getattr(module, "AsyncClient", None)
    ready = isinstance(client, type) and isinstance(async_client, type)  # not half-way through its import
    if ready and not (_patched(client) and _patched(async_client)):
        _patch(module)


class _PatchingLoader(importlib.abc.Loader):
    """Runs a client module's own loader, then patches the module before anyone can use it."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _patch_if_ready(module)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, get_filename, is_package, ...
        return getattr(self._loader, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds httpx and httpx2 with the finders after it, and hands out their loader wrapped."""

    _finding = False

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in _HTTPX_MODULES or self._finding:  # another hook asking the others, us among them
            return None
        self._finding = True
        try:
            for finder in sys.meta_path:
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(name, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _PatchingLoader(spec.loader)
                    return spec
            return None
        finally:
            self._finding = False


_IMPORT_HOOK = _PatchOnImport()


def install() -> None:
    """Patch the client modules imported so far, and the ones imported from now on (idempotent, cheap)."""
    if _IMPORT_HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _IMPORT_HOOK)
    for name in _HTTPX_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            _patch_if_ready(module)


class intercept:
    """Route every httpx/httpx2 request through ``player`` for the duration of the block.

    A class rather than a generator: entered and left by every test with a cassette.
    """

    def __init__(self, player: CassettePlayer) -> None:
        self.player = player

    def __enter__(self) -> None:
        install()
        _ACTIVE.append(self.player)

    def __exit__(self, *exc_info: object) -> None:
        _ACTIVE.remove(self.player)  # players compare by identity; nested blocks may end in any order
