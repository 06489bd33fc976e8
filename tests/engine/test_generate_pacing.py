"""Synthetic streams carry the emulator's nominal pace, deterministically, and replay at it on request."""

from __future__ import annotations

import json

from llm_cassettes import load
from llm_cassettes.synthetic.pacing import PACING, nominal_chunks

TESTS = """
import json, os, pathlib, time
import pytest
import ttt

OUT = pathlib.Path(os.environ["LLM_TEST_OUT"])

@pytest.mark.llm(provider="openai")
def test_stream():
    started, times = time.perf_counter(), []
    for _ in ttt.stream("Count from 1 to 3", model="gpt-4o-mini"):
        times.append(time.perf_counter() - started)
    (OUT / "times.json").write_text(json.dumps(times))

@pytest.mark.llm(scenario="truncated_stream")
def test_truncated():
    with pytest.raises(ttt.ConnectionError):
        list(ttt.stream("Count from 1 to 3", model="gpt-4o-mini", retry=ttt.RetryPolicy(max_attempts=1)))
"""


def test_synthetic_streams_store_the_nominal_pace_and_regenerate_identically(project, tmp_path):
    project.makepyfile(test_gen=TESTS)
    project.runpytest("--llm-synthetic").assert_outcomes(passed=2)
    folder = project.path / "cassettes" / "test_gen.py"
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    # Measured arrival times never reach a synthetic cassette: a second run writes the same bytes.
    second = project.runpytest("--llm-synthetic")
    second.assert_outcomes(passed=2)
    assert "2 unchanged" in second.stdout.str()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first

    stream = load(folder / "test_stream.yaml").interactions[0].response
    assert stream.body_doc["chunks"] == nominal_chunks("openai", stream.body)
    assert stream.body_doc["chunks"][0][1] == PACING["openai"].first_ms
    truncated = load(folder / "test_truncated.yaml").interactions[0]
    timing = truncated.response.body_doc["chunks"]
    assert timing == nominal_chunks("openai", truncated.response.body)
    assert truncated.fault is not None and truncated.fault.ms == timing[-1][1] + PACING["openai"].gap_ms

    # Replayed at the recorded (nominal) pace, the stream takes as long as the provider would.
    project.runpytest("--llm-replay-timing=recorded").assert_outcomes(passed=2)
    times = json.loads((tmp_path / "out" / "times.json").read_text())
    nominal_last = stream.body_doc["chunks"][-1][1] / 1000
    assert times[0] >= 0.8 * PACING["openai"].first_ms / 1000
    assert times[-1] <= nominal_last + 0.3
