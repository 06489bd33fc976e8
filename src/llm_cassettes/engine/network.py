"""The network guard: nothing leaves the machine, and whatever tries is told where it wanted to go.

Every way a test can reach another machine is refused while the guard is on, each naming the host:
name lookups (``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``,
``getnameinfo``), TCP connections (``connect``, ``connect_ex``, which ``create_connection``, asyncio and
SSL sockets all go through) and datagrams (``sendto``, ``sendmsg`` to an address). What stays open is
this machine: the whole loopback range (127.0.0.0/8, ``::1``, ``localhost``), unspecified addresses a
server binds to, and Unix sockets.

A lookup is refused by name, before it happens: the socket guard alone would only see the resolved
address, after the DNS query had already left the machine, and without a network a test would die of
"Name or service not known", which names no host at all.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import NetworkBlocked

# A name a test may look up: this machine, whatever the resolver says about other names.
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# This machine's own name: libraries resolve it for message ids and log records; it names no other host.
_THIS_MACHINE = socket.gethostname().lower()


def is_local_host(host: Any) -> bool:
    """True for this machine: loopback addresses and names, unspecified addresses, no host at all."""
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    name = str(host).strip().lower().rstrip(".")
    if name == "" or name in _LOCAL_NAMES or name.endswith(".localhost") or name == _THIS_MACHINE:
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_unspecified


@dataclass(frozen=True)
class Refusal:
    """Who is refusing and why: the text every refusal carries after the host it names."""

    test: str  # the test's node id
    reason: str  # e.g. "replay allows only this machine"
    fix: str  # the command or setting that lets it through, or makes it unnecessary

    def error(self, host: Any, via: str) -> NetworkBlocked:
        found = f"llm-cassettes: {self.test} tried to reach {_show(host)} ({via})"
        return NetworkBlocked(f"{found}; {self.reason}\n  fix: {self.fix}")


def _show(host: Any) -> str:
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    return repr(str(host))


def _address_host(sock: socket.socket, address: Any) -> tuple[bool, Any]:
    """(is the destination this machine?, the host to name) for a socket call's address argument."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True, None  # Unix sockets, netlink, ...: never leave the machine
    host = address[0] if isinstance(address, tuple) and address else address
    return is_local_host(host), host


# The guard is installed once per process, as wrappers that each consult their layer's ``refusal``: a
# test sets it and puts back what was there, and while it is None every wrapper just calls the function
# it wraps. Whatever has replaced a wrapper since (pytest-socket, a test's own patch, a nested pytester
# run's conftest) gets a wrapper of a new layer on top of it at the next guard, and the old layer keeps
# its own refusal: a guard entered inside another still leaves the outer one in force below it, as nested
# patches always did. A patch that is undone uncovers the old wrapper again, so layers do not pile up.


class _Layer:
    def __init__(self) -> None:
        self.refusal: Refusal | None = None

    def refuse(self, host: Any, via: str) -> None:
        refusal = self.refusal
        if refusal is not None and not is_local_host(host):
            raise refusal.error(host, via)


_LAYER_MARK = "_llm_cassettes_layer"


def _by_name(layer: _Layer, original: Any, via: str) -> Any:
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # an unguarded test's network error shows no frame of this module
        if layer.refusal is not None:
            layer.refuse(host, via)
        return original(host, *args, **kwargs)

    return guarded


def _by_sockaddr(layer: _Layer, original: Any, via: str) -> Any:
    def guarded(sockaddr: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if layer.refusal is not None:
            layer.refuse(sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr, via)
        return original(sockaddr, *args, **kwargs)

    return guarded


def _check_address(layer: _Layer, sock: socket.socket, address: Any, via: str) -> None:
    local, host = _address_host(sock, address)
    if not local:
        layer.refuse(host, via)


def _connecting(layer: _Layer, original: Any, via: str) -> Any:
    def guarded(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if layer.refusal is not None:
            _check_address(layer, self, address, via)
        return original(self, address, *args, **kwargs)

    return guarded


def _sending_to(layer: _Layer, original: Any, via: str) -> Any:
    # sendto(data, address) or sendto(data, flags, address): the address is always last.
    def guarded(self: socket.socket, data: Any, *args: Any) -> Any:
        __tracebackhide__ = True
        if layer.refusal is not None and args:
            _check_address(layer, self, args[-1], via)
        return original(self, data, *args)

    return guarded


def _sending_msg(layer: _Layer, original: Any, via: str) -> Any:
    # sendmsg(buffers, ancdata, flags, address): an address only for unconnected datagram sockets.
    def guarded(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        if layer.refusal is not None:
            address = args[3] if len(args) > 3 else kwargs.get("address")
            if address is not None:
                _check_address(layer, self, address, via)
        return original(self, *args, **kwargs)

    return guarded


_GUARDS: list[tuple[Any, str, Callable[[_Layer, Any, str], Any]]] = [
    *(
        (socket, name, _by_name)
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")
    ),
    (socket, "getnameinfo", _by_sockaddr),
    (socket.socket, "connect", _connecting),
    (socket.socket, "connect_ex", _connecting),
    (socket.socket, "sendto", _sending_to),
    *([(socket.socket, "sendmsg", _sending_msg)] if hasattr(socket.socket, "sendmsg") else []),
]


# The guarded functions as the last guarded test left them, and their layers: most tests find them
# unchanged, and one identity check per function replaces the walk below.
_last_seen: tuple[tuple[Any, ...], list[_Layer]] = ((), [])


def _layers_on_top() -> list[_Layer]:
    """The layers whose wrappers are what each guarded function is now, wrapping anew what is not ours."""
    global _last_seen
    current = tuple([getattr(owner, name) for owner, name, _ in _GUARDS])
    seen, layers = _last_seen
    if len(seen) == len(current) and all(a is b for a, b in zip(seen, current, strict=True)):
        return layers
    layers = _wrap_what_is_not_ours()
    _last_seen = (tuple([getattr(owner, name) for owner, name, _ in _GUARDS]), layers)
    return layers


def _wrap_what_is_not_ours() -> list[_Layer]:
    layers: list[_Layer] = []
    fresh: _Layer | None = None
    for owner, name, make in _GUARDS:
        current = getattr(owner, name)
        layer = getattr(current, _LAYER_MARK, None)
        if layer is None:
            layer = fresh = fresh or _Layer()
            guarded = make(layer, current, name)
            setattr(guarded, _LAYER_MARK, layer)
            guarded.__wrapped__ = current
            setattr(owner, name, guarded)
        if all(layer is not known for known in layers):
            layers.append(layer)
    return layers


class loopback_only:
    """Refuse every connection, datagram and name lookup that could leave this machine, in the block.

    A class rather than a generator: entered and left by every guarded test, and a generator-based
    context manager costs several times more.
    """

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal

    def __enter__(self) -> None:
        self.layers = _layers_on_top()
        self.previous = [layer.refusal for layer in self.layers]
        for layer in self.layers:
            layer.refusal = self.refusal

    def __exit__(self, *exc_info: object) -> None:
        for layer, previous in zip(self.layers, self.previous, strict=True):
            layer.refusal = previous
