"""Replay's network guard: nothing leaves the machine, and whatever tries says where it wanted to go.

Builds on pytest-recording's socket guard (``connect``/``connect_ex``) and adds host-name lookups, which
the socket guard cannot see: it only gets the resolved address, after the DNS query has already left.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pytest_recording.network import blocking_context, is_host_in_allowed_hosts

LOOPBACK_HOSTS = [r"127\.0\.0\.1$", r"localhost$", r"::1$"]


@contextmanager
def loopback_only() -> Iterator[None]:
    """Connections to anything but loopback raise, naming the host; so does resolving a host name.

    The socket guard alone only sees the resolved IP, after the DNS query has left the machine, and
    without a network the test dies of "Name or service not known", which names no host at all.
    """
    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, (bytes, bytearray)) else host
        if name and not is_host_in_allowed_hosts(name, [*LOOPBACK_HOSTS, r"0\.0\.0\.0$"]):
            raise RuntimeError(f"Network is disabled for host {name!r} (llm-cassettes replay: loopback only)")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = guarded_getaddrinfo
    try:
        with blocking_context(allowed_hosts=LOOPBACK_HOSTS):
            yield
    finally:
        socket.getaddrinfo = real_getaddrinfo
