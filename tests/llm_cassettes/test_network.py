"""engine/network.py: which hosts count as this machine, and what the guard puts back when it ends.

End to end (every way out refused in a real pytest run, loopback open, scope per ini) is in
tests/interop/test_network_guard.py; these are the rules underneath, checked directly.
"""

from __future__ import annotations

import socket

import pytest

from llm_cassettes import NetworkBlocked
from llm_cassettes.engine.network import Refusal, is_local_host, loopback_only

REFUSAL = Refusal("tests/t.py::test_x", "replay allows only this machine", "record it")


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.3.2.1",
        "127.255.255.254",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
        "localhost",
        "LOCALHOST.",
        "api.localhost",
        "0.0.0.0",
        "::",
        "",
        None,
        b"127.0.0.1",
        socket.gethostname(),
    ],
)
def test_this_machine(host: object) -> None:
    assert is_local_host(host)


@pytest.mark.parametrize(
    "host",
    ["api.openai.com", "10.0.0.5", "192.168.1.1", "::ffff:10.0.0.1", "2001:db8::1", "128.0.0.1", "dbhost"],
)
def test_other_machines(host: str) -> None:
    assert not is_local_host(host)


def test_refusal_names_the_test_the_host_the_call_and_the_fix() -> None:
    with loopback_only(REFUSAL), pytest.raises(NetworkBlocked) as info:
        socket.gethostbyname("api.openai.com")
    assert str(info.value) == (
        "llm-cassettes: tests/t.py::test_x tried to reach 'api.openai.com' (gethostbyname); "
        "replay allows only this machine\n  fix: record it"
    )
    assert isinstance(info.value, RuntimeError)  # not an OSError: clients would retry it as a connect error


def test_sendmsg_to_another_machine_is_refused_and_loopback_datagrams_pass() -> None:
    with loopback_only(REFUSAL), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(NetworkBlocked, match=r"'192\.0\.2\.7' \(sendmsg\)"):
            sock.sendmsg([b"x"], [], 0, ("192.0.2.7", 9))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
            receiver.bind(("127.0.0.1", 0))
            sock.sendmsg([b"ping"], [], 0, receiver.getsockname())
            assert receiver.recv(10) == b"ping"


def test_unix_sockets_stay_open(tmp_path) -> None:
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as server, loopback_only(REFUSAL):
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)


def fake_resolver(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """socket.getaddrinfo answering every name itself (no DNS here), noting what it was asked."""
    asked: list[object] = []

    def resolve(host: object, *args: object, **kwargs: object) -> list[object]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 80))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


def test_a_guard_inside_another_puts_the_outer_one_back(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_resolver(monkeypatch)
    with loopback_only(Refusal("outer", "", "")):
        with loopback_only(REFUSAL), pytest.raises(NetworkBlocked, match=r"tests/t\.py::test_x"):
            socket.getaddrinfo("example.org", 80)
        with pytest.raises(NetworkBlocked, match="outer tried"):
            socket.getaddrinfo("example.org", 80)
    assert asked == []  # refused before the lookup
    socket.getaddrinfo("example.org", 80)  # no guard: the call goes through to what was there
    assert asked == ["example.org"]


def test_the_guard_stays_installed_and_lets_everything_through_between_guarded_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = fake_resolver(monkeypatch)
    with loopback_only(REFUSAL):
        installed = socket.getaddrinfo
    assert socket.getaddrinfo is installed  # installed once per process, not per test
    socket.getaddrinfo("example.org", 80)
    with loopback_only(REFUSAL), pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.org", 80)
    assert socket.getaddrinfo is installed and asked == ["example.org"]


def test_a_patch_made_over_the_guard_is_guarded_again_when_the_next_guard_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with loopback_only(REFUSAL):
        pass
    reached: list[object] = []

    def other_tools_connect(self: socket.socket, address: object) -> None:  # as pytest-socket patches it
        reached.append(address)

    monkeypatch.setattr(socket.socket, "connect", other_tools_connect)
    with socket.socket() as sock:
        with loopback_only(REFUSAL):
            with pytest.raises(NetworkBlocked, match=r"192\.0\.2\.1"):
                sock.connect(("192.0.2.1", 80))
            sock.connect(("127.0.0.1", 80))
        sock.connect(("192.0.2.1", 80))
    assert reached == [("127.0.0.1", 80), ("192.0.2.1", 80)]


def chain_length(function: object) -> int:
    length = 0
    while function is not None:
        length += 1
        function = getattr(function, "__wrapped__", None)
    return length


def test_patches_made_and_undone_around_every_guarded_test_do_not_pile_up_wrappers() -> None:
    # A plugin patching the socket functions for each test (and undoing it) while guarded tests run:
    # a thousand tests must not leave a thousand wrappers, each a frame on every call.
    with loopback_only(REFUSAL):
        pass
    start = (chain_length(socket.getaddrinfo), chain_length(socket.socket.connect))
    for _ in range(50):
        patch = pytest.MonkeyPatch()
        patch.setattr(socket.socket, "connect", lambda self, address: None)
        with loopback_only(REFUSAL), socket.socket() as sock, pytest.raises(NetworkBlocked):
            sock.connect(("192.0.2.1", 80))
        patch.undo()
    assert (chain_length(socket.getaddrinfo), chain_length(socket.socket.connect)) == start
