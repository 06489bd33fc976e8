"""Streams as they arrived: live while recording, recorded chunks on replay, the recorded pace on request.

Each test records a small pytest project against :class:`PacedProvider` (a loopback server whose chunks
leave 100-200 ms apart) with ``--real-api``, then replays it offline, server stopped, with the default
timing and with ``--llm-replay-timing``. The project's tests measure, with their own clock, when each
chunk (or event, or delta) reaches the client, and write it to ``$LLM_TEST_OUT/<name>.<run>.json``.
Three client stacks are covered: plain ``httpx`` (sync), the openai SDK on ``httpx2`` (async) and litellm
through ``ttt.astream`` (async, litellm's aiohttp transport).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from llm_cassettes import load

from .conftest import PLANTED_KEYS
from .paced_provider import BREAK_AFTER, CHUNKS, SCHEDULE_MS, PacedProvider

COMMON = """
import asyncio, json, os, pathlib, time
import httpx
import pytest

OUT = pathlib.Path(os.environ["LLM_TEST_OUT"])
RUN = os.environ["LIVE_RUN"]
BASE = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
MESSAGES = [{"role": "user", "content": "Count from 1 to 3"}]

def body(model="gpt-4o-mini"):
    return {"model": model, "messages": MESSAGES, "stream": True}

def headers():
    return {"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]}

def keep(name, started, arrivals, **extra):
    # arrivals: [(perf_counter() when it reached the client, size in bytes)]
    times = [t - started for t, _ in arrivals]
    data = {"times": times, "sizes": [n for _, n in arrivals], **extra}
    (OUT / f"{name}.{RUN}.json").write_text(json.dumps(data))
"""

STREAMING_TESTS = (
    COMMON
    + """
import ttt

@pytest.mark.llm(provider="openai")
def test_httpx_sync(monkeypatch):
    # A fake clock, the way retry tests install one: a paced replay must not use it (nor be sped up).
    fake_sleeps = []
    monkeypatch.setattr(time, "sleep", fake_sleeps.append)
    with httpx.Client(timeout=10) as client:
        started, arrivals = time.perf_counter(), []  # after the client is built: times from the request
        with client.stream("POST", BASE + "/chat/completions", json=body(), headers=headers()) as r:
            for chunk in r.iter_bytes():
                arrivals.append((time.perf_counter(), len(chunk)))
    keep("httpx_sync", started, arrivals, fake_sleeps=fake_sleeps)

@pytest.mark.llm(provider="openai")
async def test_openai_sdk_async():
    import openai  # openai 3.x runs on httpx2
    client = openai.AsyncOpenAI(base_url=BASE, api_key=os.environ["OPENAI_API_KEY"], max_retries=0)
    started, arrivals = time.perf_counter(), []
    stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    async for event in stream:
        arrivals.append((time.perf_counter(), len(event.choices[0].delta.content or "")))
    await client.close()
    keep("openai_sdk_async", started, arrivals)

@pytest.mark.llm(provider="openai")
async def test_litellm_aiohttp():
    started, arrivals = time.perf_counter(), []
    async for delta in ttt.astream("Count from 1 to 3", model="gpt-4o-mini"):
        arrivals.append((time.perf_counter(), len(delta)))
    keep("litellm_aiohttp", started, arrivals)
"""
)

CUT_SHORT_TESTS = (
    COMMON
    + """
@pytest.mark.llm(provider="openai")
def test_abandon_after_two_chunks():
    with httpx.Client(timeout=10) as client:
        started, arrivals = time.perf_counter(), []
        with client.stream("POST", BASE + "/chat/completions", json=body(), headers=headers()) as r:
            chunks = r.iter_bytes()
            for _ in range(2):
                arrivals.append((time.perf_counter(), len(next(chunks))))
    keep("abandon", started, arrivals)

LEFT_OPEN = []

@pytest.mark.llm(provider="openai")
def test_stream_left_open():
    # Neither read to the end nor closed: the recording keeps what was read when the test ended.
    client = httpx.Client(timeout=10)
    request = client.build_request("POST", BASE + "/chat/completions", json=body(), headers=headers())
    started, response = time.perf_counter(), client.send(request, stream=True)
    chunks = response.iter_bytes()
    keep("left_open", started, [(time.perf_counter(), len(next(chunks)))])
    LEFT_OPEN.append((client, response, chunks))  # still open at teardown, when the cassette is saved

@pytest.mark.llm(provider="openai")
async def test_broken_stream():
    async with httpx.AsyncClient(timeout=10) as client:
        started, arrivals = time.perf_counter(), []
        url = BASE + "/chat/completions"
        async with client.stream("POST", url, json=body("break"), headers=headers()) as r:
            with pytest.raises(httpx.RemoteProtocolError):
                async for chunk in r.aiter_bytes():
                    arrivals.append((time.perf_counter(), len(chunk)))
            failed_at = time.perf_counter() - started
    keep("broken", started, arrivals, failed_at=failed_at)
"""
)

# What the server's schedule implies: the span from first to last chunk, and to the break.
FULL_SPAN = (SCHEDULE_MS[-1] - SCHEDULE_MS[0]) / 1000
# ttt yields "1", "\n2", "\n3": the deltas of the first three chunks.
DELTA_SPAN = (SCHEDULE_MS[2] - SCHEDULE_MS[0]) / 1000
BREAK_AT = SCHEDULE_MS[BREAK_AFTER - 1] / 1000


def _read(out: Path, name: str, run: str) -> dict:
    return json.loads((out / f"{name}.{run}.json").read_text())


def _span(data: dict) -> float:
    return data["times"][-1] - data["times"][0]


def _record(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.RunResult:
    monkeypatch.setenv("LIVE_RUN", "record")
    with PacedProvider() as server:
        monkeypatch.setenv("OPENAI_API_BASE", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEYS["OPENAI_API_KEY"])
        result = project.runpytest("--real-api", "--rate-delay", "0")
    monkeypatch.delenv("OPENAI_API_BASE")
    monkeypatch.delenv("OPENAI_API_KEY")
    return result


def _replay(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, run: str, *args: str) -> None:
    monkeypatch.setenv("LIVE_RUN", run)
    result = project.runpytest(*args)
    assert result.ret == 0, result.stdout.str()


def test_streams_are_live_when_recording_and_keep_chunks_and_pace_on_replay(project, monkeypatch, tmp_path):
    project.makepyfile(test_live=STREAMING_TESTS)
    recorded = _record(project, monkeypatch)
    recorded.assert_outcomes(passed=3)
    out = tmp_path / "out"

    # Recording: every client saw the chunks spread over the server's schedule, not all at the end.
    raw = _read(out, "httpx_sync", "record")
    assert len(raw["sizes"]) >= len(CHUNKS) - 1  # a stalled machine may merge two reads, no more
    assert sum(raw["sizes"]) == sum(len(c) for c in CHUNKS)
    assert 0.7 * FULL_SPAN <= _span(raw) <= FULL_SPAN + 0.3
    sdk = _read(out, "openai_sdk_async", "record")
    assert 0.7 * FULL_SPAN <= _span(sdk) <= FULL_SPAN + 0.3
    deltas = _read(out, "litellm_aiohttp", "record")
    assert [n for n in deltas["sizes"] if n] == [1, 2, 2]
    assert 0.7 * DELTA_SPAN <= _span(deltas) <= DELTA_SPAN + 0.3

    # The cassette keeps each chunk's offset and arrival time next to the SSE text.
    cassette = project.path / "cassettes" / "test_live.py" / "test_httpx_sync.yaml"
    response = load(cassette).interactions[0].response
    timing = response.body_doc["chunks"]
    assert [offset for offset, _ in timing] == _offsets(raw["sizes"])
    assert all(later >= earlier for (_, earlier), (_, later) in itertools.pairwise(timing))
    assert 0.7 * FULL_SPAN * 1000 <= timing[-1][1] - timing[0][1] <= (FULL_SPAN + 0.3) * 1000
    assert "chunks:\n" in cassette.read_text() and "- [0, " in cassette.read_text()

    # Default replay: the recorded chunks, in the recorded sizes, with no waiting.
    _replay(project, monkeypatch, "replay")
    replayed = _read(out, "httpx_sync", "replay")
    assert replayed["sizes"] == raw["sizes"]
    assert replayed["times"][-1] < 0.1
    assert len(_read(out, "openai_sdk_async", "replay")["times"]) == len(sdk["times"])
    assert _read(out, "litellm_aiohttp", "replay")["sizes"] == deltas["sizes"]
    assert _span(_read(out, "litellm_aiohttp", "replay")) < 0.1

    # Recorded pace: time to first chunk and span as recorded (within 40%), on every client stack,
    # with the test's fake time.sleep untouched.
    _replay(project, monkeypatch, "paced", "--llm-replay-timing=recorded")
    paced = _read(out, "httpx_sync", "paced")
    assert paced["sizes"] == raw["sizes"]
    assert paced["fake_sleeps"] == []
    assert abs(paced["times"][0] - raw["times"][0]) <= 0.4 * raw["times"][0] + 0.02
    for name, recorded_run in (("httpx_sync", raw), ("openai_sdk_async", sdk), ("litellm_aiohttp", deltas)):
        span = _span(_read(out, name, "paced"))
        assert 0.6 * _span(recorded_run) <= span <= 1.4 * _span(recorded_run), (name, span)


def test_a_stream_cut_short_is_saved_as_far_as_it_went_and_replays_its_end_on_time(
    project, monkeypatch, tmp_path
):
    project.makepyfile(test_cut=CUT_SHORT_TESTS)
    _record(project, monkeypatch).assert_outcomes(passed=3)
    out = tmp_path / "out"

    # A break reaches the client when the connection drops, after the chunks before it, not at once.
    broken = _read(out, "broken", "record")
    assert broken["failed_at"] >= 0.7 * BREAK_AT
    assert 0.7 * (SCHEDULE_MS[1] - SCHEDULE_MS[0]) / 1000 <= _span(broken)

    # Both cassettes are valid: what the client read, when, and (for the break) the fault and its moment.
    folder = project.path / "cassettes" / "test_cut.py"
    abandoned = load(folder / "test_abandon_after_two_chunks.yaml").interactions[0]
    assert abandoned.fault is None
    assert abandoned.response.body == CHUNKS[0] + CHUNKS[1]
    assert len(abandoned.response.body_doc["chunks"]) == 2
    left_open = load(folder / "test_stream_left_open.yaml").interactions[0]
    assert left_open.fault is None and left_open.response.body == CHUNKS[0]
    cut = load(folder / "test_broken_stream.yaml").interactions[0]
    assert cut.fault is not None and cut.fault.error == "RemoteProtocolError"
    assert cut.response.body == b"".join(CHUNKS[:BREAK_AFTER])
    assert cut.fault.ms >= cut.response.body_doc["chunks"][-1][1]

    # Half the recorded pace: the same chunks, the break at about half its recorded moment.
    _replay(project, monkeypatch, "half", "--llm-replay-timing=0.5")
    for name in ("abandon", "left_open"):
        assert _read(out, name, "half")["sizes"] == _read(out, name, "record")["sizes"]
    half = _read(out, "broken", "half")
    assert half["sizes"] == broken["sizes"]
    assert 0.6 * 0.5 * broken["failed_at"] <= half["failed_at"] <= 1.4 * 0.5 * broken["failed_at"]


def _offsets(sizes: list[int]) -> list[int]:
    offsets, at = [], 0
    for size in sizes:
        offsets.append(at)
        at += size
    return offsets
