"""Replay never reaches the network, and old recordings are called out.

Network: in replay mode every attempt to reach a non-loopback address, by IP or by host name, from an
``llm`` test or from a plain one, through httpx (sync or async) or urllib, fails that test at once with a
message that names the host. One subprocess runs a project in which each test makes one such attempt;
the junit report gives each test's failure message. Loopback stays reachable (the emulator).

Staleness: ``llm_cassettes_max_age_days`` makes replay warn (StaleCassetteWarning) about recorded
cassettes older than the limit, and not about fresh or synthetic ones.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse, dumps
from llm_cassettes.synthetic.emulator import Emulator

from .projects import make_project, run_project

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
PROMPT = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is 2+2?"}]}'
ANSWER = b'{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"4"}}]}'


def _cassette(origin: str = "recorded", recorded_at: str = "2026-01-01T00:00:00Z") -> str:
    request = RecordedRequest.from_wire("POST", OPENAI_URL, [("content-type", "application/json")], PROMPT)
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], ANSWER)
    meta = {"origin": origin, "recorded_at": recorded_at}
    return dumps(Cassette(meta=meta, interactions=[Interaction(request, response)]))


NETWORK_TESTS = """
import os
import urllib.request

import httpx
import pytest


def ask_openai():
    # Answered from the cassette: proves interception works before the outside call is attempted.
    response = httpx.post(
        "https://api.openai.com/v1/chat/completions",
        content=b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is 2+2?"}]}',
        headers={"content-type": "application/json"},
    )
    assert response.json()["choices"][0]["message"]["content"] == "4"


def test_plain_httpx_public_ip():
    httpx.get("http://93.184.216.34/", timeout=30)


def test_plain_httpx_public_host_name():
    httpx.get("https://downloads.example.com/model.bin", timeout=30)


async def test_plain_async_httpx_public_host_name():
    async with httpx.AsyncClient(timeout=30) as client:
        await client.get("https://async.example.org/data")


def test_plain_urllib_public_ip():
    urllib.request.urlopen("http://198.51.100.7/", timeout=30)


def test_plain_loopback_is_allowed():
    # A path the emulator does not serve: its 404 proves the loopback request went through.
    assert httpx.get(os.environ["EMULATOR_URL"] + "/v1/not-served", timeout=30).status_code == 404


@pytest.mark.llm(provider="openai")
def test_llm_httpx_public_host_name():
    ask_openai()
    httpx.get("https://telemetry.example.net/ping", timeout=30)


@pytest.mark.llm(provider="openai")
def test_llm_httpx_public_ip():
    ask_openai()
    httpx.post("http://203.0.113.9/upload", content=b"x", timeout=30)


@pytest.mark.llm(provider="openai")
def test_llm_urllib_public_ip():
    ask_openai()
    urllib.request.urlopen("http://192.0.2.44/", timeout=30)
"""

# test name -> the host its failure message must name
EXPECTED_HOSTS = {
    "test_plain_httpx_public_ip": "93.184.216.34",
    "test_plain_httpx_public_host_name": "downloads.example.com",
    "test_plain_async_httpx_public_host_name": "async.example.org",
    "test_plain_urllib_public_ip": "198.51.100.7",
    "test_llm_httpx_public_host_name": "telemetry.example.net",
    "test_llm_httpx_public_ip": "203.0.113.9",
    "test_llm_urllib_public_ip": "192.0.2.44",
}


def _failures(junit: Path) -> dict[str, str | None]:
    """Each test's error lines (pytest's "E   ..." lines and the crash message), None when it passed.

    Only those: the failure text also quotes the test's source, which names every host anyway.
    """
    out: dict[str, str | None] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        problem = next((c for c in case if c.tag in ("failure", "error")), None)
        if problem is None:
            out[case.get("name") or ""] = None
            continue
        lines = [ln for ln in (problem.text or "").splitlines() if ln.startswith("E ")]
        out[case.get("name") or ""] = "\n".join([problem.get("message") or "", *lines])
    return out


def test_replay_blocks_every_non_loopback_address_naming_the_host(tmp_path: Path) -> None:
    # `all`: plain tests under the guard too (the default, `llm`, guards only tests that use cassettes).
    project = make_project(
        tmp_path / "p", {"test_net.py": NETWORK_TESTS}, ini_extra="llm_cassettes_block_network = all\n"
    )
    for name in ("test_llm_httpx_public_host_name", "test_llm_httpx_public_ip", "test_llm_urllib_public_ip"):
        path = project / "cassettes" / "test_net.py" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_cassette())
    with Emulator() as emulator:
        run_project(project, "--junitxml", "net.xml", env={"EMULATOR_URL": emulator.url})
    failures = _failures(project / "net.xml")
    assert failures["test_plain_loopback_is_allowed"] is None
    for test, host in EXPECTED_HOSTS.items():
        message = failures[test]
        assert message is not None, f"{test} reached {host}"
        assert host in message, f"{test}: the error does not name {host}:\n{message}"


STALE_TESTS = """
import httpx
import pytest


def ask():
    response = httpx.post(
        "https://api.openai.com/v1/chat/completions",
        content=b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is 2+2?"}]}',
        headers={"content-type": "application/json"},
    )
    return response.json()["choices"][0]["message"]["content"]


@pytest.mark.llm(provider="openai")
def test_old():
    assert ask() == "4"


@pytest.mark.llm(provider="openai")
def test_fresh():
    assert ask() == "4"


@pytest.mark.llm(provider="openai")
def test_old_synthetic():
    assert ask() == "4"
"""


def test_replay_warns_about_recordings_older_than_max_age(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "p", {"test_age.py": STALE_TESTS}, ini_extra="llm_cassettes_max_age_days = 30\n"
    )
    now = dt.datetime.now(dt.UTC)
    stamps = {
        "test_old": ("recorded", now - dt.timedelta(days=45)),
        "test_fresh": ("recorded", now - dt.timedelta(days=3)),
        "test_old_synthetic": ("synthetic", now - dt.timedelta(days=400)),  # regenerated, never stale
    }
    for name, (origin, when) in stamps.items():
        path = project / "cassettes" / "test_age.py" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_cassette(origin, when.strftime("%Y-%m-%dT%H:%M:%SZ")))
    result = run_project(project, "-W", "always", "-rw")
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [line for line in result.stdout.splitlines() if "StaleCassetteWarning" in line]
    assert len(warnings) == 1, result.stdout
    assert "test_age.py/test_old.yaml was recorded 45 days ago (limit 30)" in result.stdout
    assert "pytest --real-api" in result.stdout
