"""The mechanism itself: offline by default, a cassette per test, no secrets, reproducible, mode switches."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import httpx
import pytest

from llm_cassettes.cassette import load
from llm_cassettes.cli.generate import main as generate_command
from llm_cassettes.modes import Mode, decide_mode
from llm_cassettes.recording.spec import cassette_path
from llm_cassettes.secrets import scan_paths

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


class _Collector:
    def __init__(self) -> None:
        self.items: list[pytest.Item] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.items = list(session.items)


@pytest.fixture(scope="module")
def integration_tests() -> list[pytest.Item]:
    collector = _Collector()
    code = pytest.main(
        ["--collect-only", "-p", "no:terminal", str(ROOT / "tests" / "integration")], plugins=[collector]
    )
    assert code == 0
    assert collector.items
    return collector.items


def test_default_run_is_in_replay_mode(pytestconfig):
    from llm_cassettes.pytest_plugin import _STATE

    if os.environ.get("REAL_API_TESTS") or pytestconfig.getoption("--real-api"):
        pytest.skip("this run records on purpose")
    assert pytestconfig.stash[_STATE].mode is Mode.REPLAY


def test_sockets_to_non_loopback_addresses_fail():
    with pytest.raises(RuntimeError, match=r"tried to reach '93\.184\.216\.34'"):
        socket.create_connection(("93.184.216.34", 443), timeout=1)


def test_http_to_a_real_provider_fails_without_a_cassette():
    with pytest.raises(RuntimeError, match=r"llm-cassettes: .* tried to reach '104\.18\.7\.192'"):
        httpx.post("https://104.18.7.192/v1/chat/completions", json={}, timeout=1)


def test_loopback_stays_reachable():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=1).close()


def test_every_integration_test_has_its_cassette(integration_tests):
    missing = [item.nodeid for item in integration_tests if not cassette_path(CASSETTES, item).exists()]
    assert missing == []
    assert len(integration_tests) >= 40


def test_every_cassette_loads_and_says_where_it_came_from():
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert files
    for path in files:
        cassette = load(path)
        assert cassette.meta["origin"] in ("recorded", "synthetic")
        assert cassette.interactions, path


def test_no_cassette_holds_a_secret():
    assert scan_paths([CASSETTES]) == []


def test_synthetic_cassettes_are_reproducible_by_the_generator(capsys, monkeypatch):
    # The generator's own code path, run in this interpreter to spare a second litellm start-up.
    monkeypatch.chdir(ROOT)
    code = generate_command(["--check", "tests/integration"], in_process=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "would change" not in out
    assert re.search(r"llm-cassettes generate: \d+ tests: \d+ unchanged$", out, re.MULTILINE), out


@pytest.mark.parametrize(
    ("env", "flag", "expected"),
    [
        ({}, False, Mode.REPLAY),
        ({"REAL_API_TESTS": "1"}, False, Mode.RECORD_REAL),
        ({"REAL_API_TESTS": "true"}, False, Mode.RECORD_REAL),
        ({"REAL_API_TESTS": "0"}, False, Mode.REPLAY),
        ({}, True, Mode.RECORD_REAL),
    ],
)
def test_real_api_switches_flip_the_mode(env, flag, expected):
    assert decide_mode(real_api=flag, env=env) is expected
