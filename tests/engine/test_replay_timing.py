"""``--llm-replay-timing``: how it is set, what a bad value says, ``split`` and a scaled pace.

A project records against the loopback emulator, then replays offline with the option; its tests write
what their clients received to ``$LLM_TEST_OUT``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm_cassettes import load

from .conftest import record_against_emulator

SPLIT_TESTS = """
import json, os, pathlib
import httpx
import pytest
import ttt

OUT = pathlib.Path(os.environ["LLM_TEST_OUT"])
RUN = os.environ["TIMING_RUN"]

@pytest.mark.llm(provider="openai")
def test_raw_chunks():
    base = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    messages = [{"role": "user", "content": "Count from 1 to 3"}]
    body = {"model": "gpt-4o-mini", "messages": messages, "stream": True}
    headers = {"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]}
    url = base + "/chat/completions"
    with httpx.Client() as client, client.stream("POST", url, json=body, headers=headers) as r:
        chunks = [c.decode("latin-1") for c in r.iter_bytes()]
    (OUT / f"raw.{RUN}.json").write_text(json.dumps(chunks))

@pytest.mark.llm(provider="anthropic")
def test_ttt_sync():
    deltas = list(ttt.stream("Count from 1 to 3", model="haiku"))
    (OUT / f"anthropic.{RUN}.json").write_text(json.dumps(deltas))

@pytest.mark.llm(provider="openrouter")
async def test_ttt_async():
    deltas = [d async for d in ttt.astream("Count from 1 to 3", model="or-fast")]
    (OUT / f"openrouter.{RUN}.json").write_text(json.dumps(deltas))
"""


# The project fixture's ini, to which the tests below add a line.
INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


def _read(out: Path, name: str) -> list[str]:
    return json.loads((out / f"{name}.json").read_text())


def test_split_cuts_every_event_across_chunks_and_clients_still_parse_the_stream(
    project, monkeypatch, tmp_path
):
    project.makepyfile(test_split=SPLIT_TESTS)
    monkeypatch.setenv("TIMING_RUN", "record")
    record_against_emulator(project, monkeypatch)[0].assert_outcomes(passed=3)
    out = tmp_path / "out"
    monkeypatch.setenv("TIMING_RUN", "split")
    project.runpytest("--llm-replay-timing=split").assert_outcomes(passed=3)

    # The recording run read the emulator's stream as it came: one event per chunk.
    recorded, split = _read(out, "raw.record"), _read(out, "raw.split")
    assert "".join(split) == "".join(recorded)
    events = "".join(recorded).count("\n\n")
    assert len(split) > len(recorded)
    # Every chunk but the last stops inside an event: no read ends on an event boundary.
    assert all(not chunk.endswith("\n\n") for chunk in split[:-1]), split
    assert len(split) >= events
    # The clients' SSE parsers put the events back together: the same deltas as from whole events.
    for name in ("anthropic", "openrouter"):
        assert _read(out, f"{name}.split") == _read(out, f"{name}.record")


FACTOR_TESTS = """
import os, pathlib, time
import httpx
import pytest

OUT = pathlib.Path(os.environ["LLM_TEST_OUT"])

@pytest.mark.llm(provider="openai")
def test_paced():
    base = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    messages = [{"role": "user", "content": "Count from 1 to 3"}]
    body = {"model": "gpt-4o-mini", "messages": messages, "stream": True}
    headers = {"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]}
    url = base + "/chat/completions"
    with httpx.Client() as client, client.stream("POST", url, json=body, headers=headers) as r:
        times = [time.perf_counter() for _ in r.iter_bytes()]
    (OUT / "span.txt").write_text(str(times[-1] - times[0]))
"""


def test_a_factor_scales_the_recorded_pace(project, monkeypatch, tmp_path):
    project.makepyfile(test_factor=FACTOR_TESTS)
    record_against_emulator(project, monkeypatch)[0].assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_factor.py" / "test_paced.yaml"
    # Stretch the recorded pace to a measurable 1 s (a recording of the fast emulator lasts a few ms).
    interaction = load(cassette).interactions[0]
    timing = interaction.response.body_doc["chunks"]
    text = cassette.read_text()
    last = f"- [{timing[-1][0]}, {timing[-1][1]}]"
    assert last in text
    cassette.write_text(text.replace(last, f"- [{timing[-1][0]}, 1000]"))

    project.runpytest("--llm-replay-timing=0.25").assert_outcomes(passed=1)
    recorded_span = (1000 - timing[0][1]) / 1000
    span = float((tmp_path / "out" / "span.txt").read_text())
    # 50 ms of slack above: the last chunk's wake-up can be late on a loaded machine, never early.
    assert 0.6 * 0.25 * recorded_span <= span <= 1.4 * 0.25 * recorded_span + 0.05


@pytest.mark.parametrize("where", ["option", "env", "ini"])
def test_an_unknown_replay_timing_is_a_usage_error_listing_the_valid_values(project, monkeypatch, where):
    project.makepyfile(test_x="def test_x():\n    pass\n")
    args: list[str] = []
    if where == "option":
        args = ["--llm-replay-timing=fast"]
    elif where == "env":
        monkeypatch.setenv("LLM_CASSETTES_REPLAY_TIMING", "fast")
    else:
        project.makeini(INI + "llm_cassettes_replay_timing = fast\n")
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = result.stderr.str()
    assert "'fast'" in text
    for valid in ("none", "recorded", "split", "0.25"):
        assert valid in text


def test_option_beats_environment_beats_ini(project, monkeypatch):
    project.makepyfile(test_x="def test_x():\n    pass\n")
    project.makeini(INI + "llm_cassettes_replay_timing = split\n")
    assert "replay timing: split" in project.runpytest().stdout.str()
    monkeypatch.setenv("LLM_CASSETTES_REPLAY_TIMING", "recorded")
    assert "replay timing: recorded" in project.runpytest().stdout.str()
    assert "replay timing: 0.5" in project.runpytest("--llm-replay-timing=0.5").stdout.str()
