"""Synthetic generation, record-missing mode and the drift summary of a re-recording run."""

from __future__ import annotations

import pytest

from llm_cassettes.cassette import dumps, load

from .conftest import record_against_emulator

TESTS = """
import pytest
import ttt

@pytest.mark.llm(provider="openai")
def test_answer():
    assert "4" in ttt.ask("What is 2+2?", model="gpt-4o-mini")

@pytest.mark.llm(provider="anthropic")
def test_other_answer():
    assert "4" in ttt.ask("What is 2+2?", model="haiku")

@pytest.mark.llm(scenario="rate_limit")
def test_rate_limited():
    with pytest.raises(ttt.RateLimitError) as info:
        ttt.ask("What is 2+2?", model="gpt-4o-mini", retry=ttt.RetryPolicy(max_attempts=1))
    assert info.value.retry_after == 2
"""


def _cassette(project: pytest.Pytester, name: str):
    return project.path / "cassettes" / "test_gen.py" / f"{name}.yaml"


def test_generation_is_idempotent_and_rewrites_hosts(project):
    project.makepyfile(test_gen=TESTS)
    first = project.runpytest("--llm-synthetic")
    first.assert_outcomes(passed=3)
    assert "mode record-synthetic: 3 written" in first.stdout.str()
    files = {p.name: p.read_bytes() for p in (project.path / "cassettes" / "test_gen.py").iterdir()}
    cassette = load(_cassette(project, "test_rate_limited"))
    assert cassette.meta["origin"] == "synthetic" and cassette.meta["scenario"] == "rate_limit"
    assert cassette.interactions[0].request.uri == "https://api.openai.com/v1/chat/completions"
    assert cassette.interactions[0].response.status == 429

    second = project.runpytest("--llm-synthetic")
    second.assert_outcomes(passed=3)
    assert "mode record-synthetic: 3 unchanged" in second.stdout.str()
    assert {p.name: p.read_bytes() for p in (project.path / "cassettes" / "test_gen.py").iterdir()} == files

    # ...and the generated cassettes replay offline with the same outcomes.
    project.runpytest().assert_outcomes(passed=3)


def test_check_mode_reports_without_writing(project):
    project.makepyfile(test_gen=TESTS)
    result = project.runpytest("--llm-synthetic", "--llm-check")
    result.assert_outcomes(passed=3)
    assert "3 would-change" in result.stdout.str()
    assert not (project.path / "cassettes").exists()


def test_generator_keeps_recorded_cassettes_unless_forced(project, monkeypatch):
    project.makepyfile(test_gen=TESTS)
    record_against_emulator(project, monkeypatch, "-k", "test_answer")[0].assert_outcomes(passed=1)
    recorded = _cassette(project, "test_answer")
    before = recorded.read_bytes()
    assert load(recorded).meta["origin"] == "recorded"

    kept = project.runpytest("--llm-synthetic", "-k", "test_answer")
    assert "1 kept-recorded" in kept.stdout.str()
    assert recorded.read_bytes() == before

    forced = project.runpytest("--llm-synthetic", "--llm-force", "-k", "test_answer")
    forced.assert_outcomes(passed=1)
    assert load(recorded).meta["origin"] == "synthetic"


def test_unknown_scenario_is_a_usage_error_listing_known_ones(project):
    project.makepyfile(
        test_bad="""
import pytest
@pytest.mark.llm(scenario="rate_limitt")
def test_x():
    pass
"""
    )
    result = project.runpytest()
    assert "unknown scenario 'rate_limitt'" in result.stdout.str() + result.stderr.str()
    assert "rate_limit_then_success" in result.stdout.str() + result.stderr.str()


def test_record_missing_records_only_tests_without_a_cassette(project, monkeypatch):
    project.makepyfile(test_gen=TESTS)
    record_against_emulator(project, monkeypatch, "-k", "not rate_limited")[0].assert_outcomes(passed=2)
    kept = _cassette(project, "test_answer").read_bytes()
    _cassette(project, "test_other_answer").unlink()

    result, _ = record_against_emulator(project, monkeypatch, "--real-api-missing", "-k", "not rate_limited")
    result.assert_outcomes(passed=2)
    assert "mode record-missing: 1 replayed, 1 written" in result.stdout.str()
    assert _cassette(project, "test_answer").read_bytes() == kept
    assert load(_cassette(project, "test_other_answer")).interactions


def test_real_api_run_lists_tests_that_stay_synthetic(project):
    project.makepyfile(test_gen=TESTS)
    project.runpytest("--llm-synthetic", "-k", "rate_limited").assert_outcomes(passed=1)
    before = _cassette(project, "test_rate_limited").read_bytes()
    result = project.runpytest("--real-api", "-k", "rate_limited")  # no keys needed: it replays
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    assert "kept synthetic (a real API cannot produce their scenario on demand):" in text
    assert "test_gen.py::test_rate_limited  [rate_limit]" in text
    assert _cassette(project, "test_rate_limited").read_bytes() == before


def test_real_api_run_ends_with_the_drift_of_rewritten_cassettes(project, monkeypatch):
    project.makepyfile(test_gen=TESTS)
    record_against_emulator(project, monkeypatch, "-k", "test_answer")[0].assert_outcomes(passed=1)
    path = _cassette(project, "test_answer")
    cassette = load(path)
    body = cassette.interactions[0].response.body_doc["json"]
    body["choices"][0]["message"]["content"] = "Four."  # as if the provider had worded it differently
    body["usage"]["completion_tokens"] = 2
    path.write_text(dumps(cassette))

    result, _ = record_against_emulator(project, monkeypatch, "-k", "test_answer")
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    assert "drift against the previous recordings:" in text
    assert "reworded" in text
    assert "shape" not in text.split("drift against the previous recordings:")[1].split("passed")[0].lower()
