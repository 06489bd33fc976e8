"""The replay network guard: who it covers, and that every way out is refused naming the host.

The inner project's conftest stands in for an ``/etc/hosts`` entry: it teaches the resolver that
``dbhost.internal`` is 127.0.0.1 before any test runs, the way a developer's machine or a CI service
container knows ``postgres``. A test that is not an LLM test must reach it with the plugin installed and
default settings; a test under the guard must not even resolve it.
"""

from __future__ import annotations

import socket

import pytest

from .conftest import INI

CONFTEST = """
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

_system_getaddrinfo = socket.getaddrinfo


def _hosts_file_getaddrinfo(host, *args, **kwargs):
    # What an /etc/hosts line "127.0.0.1 dbhost.internal" does, below anything a test plugin patches.
    if host in ("dbhost.internal", b"dbhost.internal"):
        host = "127.0.0.1"
    return _system_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _hosts_file_getaddrinfo


class _Health(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"db ok"
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(address):
    server = ThreadingHTTPServer(address, _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def db_port():
    server = _serve(("127.0.0.1", 0))
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="session")
def other_loopback_port():
    server = _serve(("127.0.0.2", 0))
    yield server.server_address[1]
    server.shutdown()
"""

UNMARKED = """
import socket
import httpx


def test_unmarked_test_reaches_a_service_by_name(db_port):
    assert httpx.get(f"http://dbhost.internal:{db_port}/health", timeout=5).text == "db ok"
    with socket.create_connection(("dbhost.internal", db_port), timeout=5):
        pass


def test_unmarked_test_resolving_the_name_itself(db_port, monkeypatch):
    resolve = socket.getaddrinfo

    def cache_host(host, *args, **kwargs):
        return resolve("127.0.0.1" if host == "cache.internal" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", cache_host)
    assert httpx.get(f"http://cache.internal:{db_port}/health", timeout=5).text == "db ok"
"""

GUARDED = '''
import contextlib
import socket
import urllib.request

import pytest

# An LLM test's own httpx requests go to its cassette; urllib shows what any other client meets.
pytestmark = pytest.mark.llm(provider="openai")
OUTSIDE = "192.0.2.10"  # TEST-NET-1: routable-looking, never a real host


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@contextlib.contextmanager
def refused(host):
    """The guard's refusal: it names the host, and says who refused."""
    with pytest.raises(Exception) as info:
        yield
    message = str(info.value)
    assert host in message and "llm-cassettes" in message, message


def test_getaddrinfo_of_a_provider_host():
    with refused("api.openai.com"):
        socket.getaddrinfo("api.openai.com", 443)


def test_getaddrinfo_of_a_name_that_resolves_to_loopback():
    with refused("dbhost.internal"):
        socket.getaddrinfo("dbhost.internal", 5432)


def test_gethostbyname():
    with refused("metrics.example.invalid"):
        socket.gethostbyname("metrics.example.invalid")


def test_gethostbyname_ex():
    with refused("metrics.example.invalid"):
        socket.gethostbyname_ex("metrics.example.invalid")


def test_tcp_connect():
    with socket.socket() as sock, refused(OUTSIDE):
        sock.settimeout(0.5)
        sock.connect((OUTSIDE, 5432))


def test_tcp_connect_ex():
    with socket.socket() as sock, refused(OUTSIDE):
        sock.settimeout(0.5)
        sock.connect_ex((OUTSIDE, 5432))


def test_udp_sendto():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, refused(OUTSIDE):
        sock.sendto(b"llm.calls:1|c", (OUTSIDE, 8125))


def test_udp_sendto_by_name():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, refused("statsd.example.invalid"):
        sock.sendto(b"llm.calls:1|c", ("statsd.example.invalid", 8125))


def test_an_http_client_going_out_names_the_host():
    with refused("status.example.invalid"):
        get("http://status.example.invalid/")


def test_the_whole_loopback_range_stays_open(db_port, other_loopback_port):
    assert get(f"http://127.0.0.1:{db_port}/") == "db ok"
    assert get(f"http://localhost:{db_port}/") == "db ok"
    assert get(f"http://127.0.0.2:{other_loopback_port}/") == "db ok"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"x", ("127.0.0.1", 9))
    assert socket.gethostbyname("localhost").startswith("127.")
'''

IPV6 = """
import socket
import pytest


@pytest.mark.llm(provider="openai")
def test_ipv6_loopback_stays_open():
    server = socket.socket(socket.AF_INET6)
    server.bind(("::1", 0))
    server.listen()
    with server, socket.create_connection(("::1", server.getsockname()[1]), timeout=5):
        pass
"""


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture
def guard_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_unmarked=UNMARKED, test_guarded=GUARDED)
    return pytester


def test_default_guard_covers_llm_tests_only_and_refuses_every_way_out(guard_project):
    guard_project.makeini(INI)
    result = guard_project.runpytest("-p", "no:randomly")
    assert result.ret == 0, "\n".join(line for line in result.outlines if line.startswith(("E ", "FAILED")))
    result.assert_outcomes(passed=12)


def test_ipv6_loopback_stays_open_under_the_guard(pytester):
    if not _ipv6_loopback_available():
        pytest.skip("this machine has no IPv6 loopback to test against")
    pytester.makeini(INI)
    pytester.makepyfile(test_v6=IPV6)
    pytester.runpytest().assert_outcomes(passed=1)


def test_block_network_all_puts_every_test_under_the_guard(guard_project):
    guard_project.makeini(INI + "llm_cassettes_block_network = all\n")
    result = guard_project.runpytest("test_unmarked.py", "-k", "by_name")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*llm-cassettes*dbhost.internal*"])


def test_block_network_off_lifts_the_guard_from_llm_tests(guard_project):
    guard_project.makeini(INI + "llm_cassettes_block_network = off\n")
    guard_project.makepyfile(
        test_guarded="""
import urllib.request
import pytest

@pytest.mark.llm(provider="openai")
def test_marked_test_reaches_the_service(db_port):
    with urllib.request.urlopen(f"http://dbhost.internal:{db_port}/health", timeout=5) as response:
        assert response.read() == b"db ok"
"""
    )
    guard_project.runpytest().assert_outcomes(passed=3)


def test_an_unknown_block_network_value_is_a_usage_error_naming_the_choices(guard_project):
    guard_project.makeini(INI + "llm_cassettes_block_network = llms\n")
    result = guard_project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*llm_cassettes_block_network*'llms'*all*llm*off*"])


def test_this_repository_guards_every_test(pytestconfig):
    assert pytestconfig.getini("llm_cassettes_block_network") == "all"
