"""Transport faults: recorded from the exception a real transport raised, replayed as the same exception.

Faults that HTTP cannot carry (a read timeout, a connection reset, a stream cut short) are stored on the
interaction as ``fault: {error: ReadTimeout, message: ...}``. Replay raises the httpx (or httpx2)
exception of that name, which is what the real transport raises, so litellm and the client under test
map it exactly as they would in production.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NoReturn

from ..cassette import FAULT_NAMES, Fault

# httpx exception classes a transport raises: the fault names a cassette may hold.
TRANSPORT_ERRORS = FAULT_NAMES

# Exceptions from layers below httpx (aiohttp, sockets) and the httpx class that stands for them.
_FOREIGN = {
    "TimeoutError": "ReadTimeout",
    "ServerTimeoutError": "ReadTimeout",
    "ConnectionTimeoutError": "ConnectTimeout",
    "SocketTimeoutError": "ReadTimeout",
    "ServerDisconnectedError": "RemoteProtocolError",
    "ClientPayloadError": "RemoteProtocolError",
    "IncompleteRead": "RemoteProtocolError",
    "ConnectionResetError": "ReadError",
    "BrokenPipeError": "WriteError",
    "ClientConnectorError": "ConnectError",
    "ConnectionRefusedError": "ConnectError",
    "ClientOSError": "ReadError",
}


def fault_from_exception(exc: BaseException) -> Fault:
    """The fault to store for an exception raised while talking to the server."""
    for cls in type(exc).__mro__:
        if cls.__name__ in TRANSPORT_ERRORS:
            return Fault(cls.__name__, str(exc))
        if cls.__name__ in _FOREIGN:
            return Fault(_FOREIGN[cls.__name__], str(exc) or cls.__name__)
    return Fault("TransportError", f"{type(exc).__name__}: {exc}")


def is_known(error: str) -> bool:
    return error in TRANSPORT_ERRORS


def exception_for(fault: Fault, module: ModuleType, request: Any) -> Exception:
    """The exception the real transport raises for ``fault``, from the client's own httpx module."""
    cls = getattr(module, fault.error if is_known(fault.error) else "TransportError")
    return cls(fault.message or fault.error, request=request)


def raise_fault(fault: Fault, module: ModuleType, request: Any) -> NoReturn:
    raise exception_for(fault, module, request)
