"""Replay goes through the precomputed index: work per request is counted, not timed.

Timing belongs to ``scripts/bench_replay.py``; these tests pin the *shape* of the work instead: one key per
recorded interaction, built once; one key and one dict lookup per request; no comparison against other
recordings unless the request misses, and then one cheap pass plus a single detailed diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse
from llm_cassettes.engine import matching, player, transport
from llm_cassettes.engine.player import CassetteMiss, CassettePlayer
from llm_cassettes.engine.transport import intercept

URI = "https://api.openai.com/v1/chat/completions"
SIZE = 10_000


def _body(i: int, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"question {i}"}], **extra}


def _wire(i: int, **extra: Any) -> bytes:
    # Not sorted, compact: the way the OpenAI client sends it, so the key really is canonicalised.
    return json.dumps(_body(i, **extra), separators=(",", ":")).encode()


def _interaction(i: int, answer: str | None = None) -> Interaction:
    request = RecordedRequest(
        "POST", URI, [("content-type", "application/json")], {"json": _body(i), "style": "compact"}
    )
    response = RecordedResponse(
        200, "OK", [("content-type", "application/json")], {"json": {"answer": answer or f"answer {i}"}}
    )
    return Interaction(request, response)


def _cassette(size: int = SIZE, duplicates: dict[int, int] | None = None) -> Cassette:
    """``size`` distinct requests; ``duplicates`` maps a position to the question it repeats."""
    interactions = []
    for position in range(size):
        question = (duplicates or {}).get(position, position)
        interactions.append(_interaction(question, answer=f"answer at {position}"))
    return Cassette(meta={"format": 1, "origin": "synthetic"}, interactions=interactions)


class Counter:
    """Wraps a function and counts its calls (optionally only those ``when(*args)`` accepts)."""

    def __init__(self, fn: Callable[..., Any], when: Callable[..., bool] | None = None) -> None:
        self.fn, self.when, self.calls = fn, when, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.when is None or self.when(*args, **kwargs):
            self.calls += 1
        return self.fn(*args, **kwargs)


def _forbidden(name: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{name} ran for a request that has a recording")

    return fail


@pytest.fixture(scope="module")
def big() -> Cassette:
    return _cassette()


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Counter]]:
    counters = {
        "interaction_key": Counter(matching.interaction_key),
        "request_key": Counter(player.request_key),
    }
    monkeypatch.setattr(matching, "interaction_key", counters["interaction_key"])
    monkeypatch.setattr(player, "request_key", counters["request_key"])
    yield counters


def test_hits_cost_one_key_and_one_lookup_and_never_compare(
    big: Cassette, counted: dict[str, Counter], monkeypatch: pytest.MonkeyPatch
) -> None:
    the_player = CassettePlayer(None, recording=False, cassette=big)  # type: ignore[arg-type]
    assert counted["interaction_key"].calls == SIZE  # the index: one key per recording, once

    # Anything that compares a request with recordings is off limits on a hit.
    monkeypatch.setattr(player, "nearest", _forbidden("nearest"))
    monkeypatch.setattr(matching, "field_diffs", _forbidden("field_diffs"))
    monkeypatch.setattr(matching, "_rough_distance", _forbidden("_rough_distance"))

    positions = list(range(7, SIZE, 97))  # spread over the whole cassette, last ones included
    for position in positions:
        # A volatile field and another key order still hit: the key is canonical.
        found = the_player.lookup("POST", URI, _wire(position, user="someone-else"))
        assert found is big.interactions[position]

    assert the_player.index is not None
    assert the_player.index.lookups == len(positions)
    assert counted["request_key"].calls == len(positions)
    assert counted["interaction_key"].calls == SIZE  # no recorded key recomputed per request
    assert the_player.played == len(positions) and not the_player.misses
    assert len(the_player.unused()) == SIZE - len(positions)


def test_same_request_recorded_twice_replays_in_recorded_order(counted: dict[str, Counter]) -> None:
    cassette = _cassette(duplicates={9_000: 17})  # position 9,000 repeats the question of position 17
    the_player = CassettePlayer(None, recording=False, cassette=cassette)  # type: ignore[arg-type]

    first = the_player.lookup("POST", URI, _wire(17))
    second = the_player.lookup("POST", URI, _wire(17))
    assert first is cassette.interactions[17]
    assert second is cassette.interactions[9_000]
    assert first.response is not None and first.response.body_doc["json"]["answer"] == "answer at 17"

    with pytest.raises(CassetteMiss, match=r"recorded 2 time\(s\)"):
        the_player.lookup("POST", URI, _wire(17))
    assert the_player.misses[-1].reason == "exhausted"
    assert counted["request_key"].calls == 3


def test_miss_in_a_big_cassette_names_the_nearest_with_one_pass_and_one_diff(
    big: Cassette, monkeypatch: pytest.MonkeyPatch
) -> None:
    the_player = CassettePlayer(
        None,  # type: ignore[arg-type]
        recording=False,
        cassette=big,
        test_id="tests/test_x.py::test_x",
        rerecord_command="pytest --real-api tests/test_x.py::test_x",
    )
    rough = Counter(matching._rough_distance)
    top_level_diffs = Counter(matching.field_diffs, when=lambda a, b, path="body": path == "body")
    monkeypatch.setattr(matching, "_rough_distance", rough)
    monkeypatch.setattr(matching, "field_diffs", top_level_diffs)

    changed = _body(6_543, temperature=0.5)  # one field more than interaction 6,543
    with pytest.raises(CassetteMiss, match="no recorded request"):
        the_player.lookup("POST", URI, json.dumps(changed).encode())
    assert rough.calls == 0  # the miss itself is a dict lookup; the diff waits for the report

    report = the_player.miss_report()
    assert "nearest recorded request: interactions[6543] POST" in report
    assert "body.temperature: recorded (absent), requested 0.5" in report
    assert "to record it: pytest --real-api tests/test_x.py::test_x" in report
    assert rough.calls == SIZE  # one cheap score per recording...
    assert top_level_diffs.calls == 1  # ...and the leaf-level diff for the winner only


def test_nearest_prefers_the_same_endpoint_and_the_earliest_on_ties() -> None:
    interactions = [_interaction(1), _interaction(2), _interaction(2)]
    interactions[0].request.uri = URI.replace("chat/completions", "embeddings")
    found = matching.nearest("POST", URI, _body(1), interactions)
    assert found is not None
    assert found.position == 1  # same endpoint beats same body on another endpoint
    assert [d.path for d in found.diffs] == ["body.messages[0].content"]


def test_replay_through_httpx_uses_the_index_and_shares_transport_classes(
    counted: dict[str, Counter], monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = _cassette(1_000)
    the_player = CassettePlayer(None, recording=False, cassette=cassette)  # type: ignore[arg-type]
    monkeypatch.setattr(player, "nearest", _forbidden("nearest"))
    seen: list[type] = []
    with intercept(the_player), httpx.Client() as client:
        seen.append(type(client._transport_for_url(httpx.URL(URI))))
        for position in range(0, 1_000, 20):
            response = client.post(URI, content=_wire(position), headers={"content-type": "application/json"})
            assert response.json() == {"answer": f"answer at {position}"}
    assert the_player.index is not None and the_player.index.lookups == 50
    assert counted["request_key"].calls == 50

    # A second block (the next test) reuses the transport classes instead of building new ones.
    with intercept(CassettePlayer(None, recording=False, cassette=cassette)), httpx.Client() as client:  # type: ignore[arg-type]
        seen.append(type(client._transport_for_url(httpx.URL(URI))))
    assert seen[0] is seen[1]
    assert issubclass(seen[0], transport.SyncCassetteTransport)
