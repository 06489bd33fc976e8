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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


_INHERITED = object()  # marks a method that came from a base class (socket.socket's C methods)


@contextmanager
def loopback_only(refusal: Refusal) -> Iterator[None]:
    """Refuse every connection, datagram and name lookup that could leave this machine."""
    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        patches.append((owner, name, owner.__dict__.get(name, _INHERITED)))
        setattr(owner, name, make(getattr(owner, name)))

    def by_name(original: Any, via: str) -> Any:
        def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_local_host(host):
                raise refusal.error(host, via)
            return original(host, *args, **kwargs)

        return guarded

    def by_sockaddr(original: Any, via: str) -> Any:
        def guarded(sockaddr: Any, *args: Any, **kwargs: Any) -> Any:
            host = sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr
            if not is_local_host(host):
                raise refusal.error(host, via)
            return original(sockaddr, *args, **kwargs)

        return guarded

    def connecting(original: Any, via: str) -> Any:
        def guarded(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> Any:
            local, host = _address_host(self, address)
            if not local:
                raise refusal.error(host, via)
            return original(self, address, *args, **kwargs)

        return guarded

    def sending_to(original: Any) -> Any:
        # sendto(data, address) or sendto(data, flags, address): the address is always last.
        def guarded(self: socket.socket, data: Any, *args: Any) -> Any:
            if args:
                local, host = _address_host(self, args[-1])
                if not local:
                    raise refusal.error(host, "sendto")
            return original(self, data, *args)

        return guarded

    def sending_msg(original: Any) -> Any:
        # sendmsg(buffers, ancdata, flags, address): an address only for unconnected datagram sockets.
        def guarded(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
            address = args[3] if len(args) > 3 else kwargs.get("address")
            if address is not None:
                local, host = _address_host(self, address)
                if not local:
                    raise refusal.error(host, "sendmsg")
            return original(self, *args, **kwargs)

        return guarded

    try:
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
            patch(socket, name, lambda original, name=name: by_name(original, name))
        patch(socket, "getnameinfo", lambda original: by_sockaddr(original, "getnameinfo"))
        patch(socket.socket, "connect", lambda original: connecting(original, "connect"))
        patch(socket.socket, "connect_ex", lambda original: connecting(original, "connect_ex"))
        patch(socket.socket, "sendto", sending_to)
        if hasattr(socket.socket, "sendmsg"):
            patch(socket.socket, "sendmsg", sending_msg)
        yield
    finally:
        # Put back exactly what was there: a guard entered inside another (pytester) restores the outer one.
        for owner, name, original in reversed(patches):
            if original is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
