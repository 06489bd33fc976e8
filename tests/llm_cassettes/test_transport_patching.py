"""engine/transport.py: client classes patched once per process, a client module imported late still caught.

Each scenario runs in a fresh interpreter: which modules are imported, and when, is the point.
``httpx2`` there is a small stand-in package first on the child's path (shadowing the real one where it is
installed), built on httpx the way the real one mirrors it: its own ``Client`` classes with their own
``_transport_for_url``, and nothing imports it before the test's code does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse
from llm_cassettes.engine.player import CassettePlayer
from llm_cassettes.engine.transport import intercept

STAND_IN = """
import httpx
from httpx import AsyncBaseTransport, BaseTransport, ByteStream, Response
from httpx import *  # noqa: F403  the exception classes faults are raised as


class Client(httpx.Client):
    def _transport_for_url(self, url):
        return super()._transport_for_url(url)


class AsyncClient(httpx.AsyncClient):
    def _transport_for_url(self, url):
        return super()._transport_for_url(url)
"""

SCRIPT = """
import sys
from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse
from llm_cassettes.engine.player import CassettePlayer
from llm_cassettes.engine.transport import intercept

URL = "http://127.0.0.1:9/v1/chat/completions"  # nothing listens: only the cassette can answer
cassette = Cassette(meta={}, interactions=[Interaction(
    RecordedRequest.from_wire("POST", URL, [], b"{}"),
    RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], b'{"from": "cassette"}'),
)])
player = CassettePlayer("c.yaml", recording=False, cassette=cassette)
with intercept(player):
    print("httpx2 imported by intercept:", "httpx2" in sys.modules)
    import httpx2  # first imported in the middle of the block, as a lazy client library does
    with httpx2.Client() as client:
        print("answer:", client.post(URL, content=b"{}").json())
print("played:", player.played)
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    (tmp_path / "httpx2").mkdir()
    (tmp_path / "httpx2" / "__init__.py").write_text(STAND_IN, encoding="utf-8")
    return tmp_path


def test_a_client_module_imported_inside_a_cassette_block_is_answered_from_the_cassette(
    stand_in: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT)],
        cwd=stand_in,
        env={"PYTHONPATH": str(stand_in), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "httpx2 imported by intercept: False",  # never imported just to be patched
        "answer: {'from': 'cassette'}",
        "played: 1",
    ]


def test_clients_outside_a_block_reach_their_own_transport_untouched() -> None:
    answered: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answered.append(str(request.url))
        return httpx.Response(200, json={"from": "the client's transport"})

    cassette = Cassette(
        meta={},
        interactions=[
            Interaction(
                RecordedRequest.from_wire("GET", "http://127.0.0.1:9/x", [], b""),
                RecordedResponse.from_wire(200, "OK", [], b"from the cassette"),
            )
        ],
    )
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with intercept(CassettePlayer("c.yaml", recording=False, cassette=cassette)):  # type: ignore[arg-type]
            assert client.get("http://127.0.0.1:9/x").text == "from the cassette"
        assert client.get("http://127.0.0.1:9/x").json() == {"from": "the client's transport"}
    assert answered == ["http://127.0.0.1:9/x"]
