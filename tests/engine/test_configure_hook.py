"""``pytest_llm_cassettes_configure``: a project's conftest extends the engine, and each extension acts.

The project records against the loopback emulator (as ``--real-api`` would against the providers), then
replays offline with a different volatile field and through an aliased host.
"""

from __future__ import annotations

from pathlib import Path

from llm_cassettes.cassette import load

from .conftest import record_against_emulator

CONFTEST = """
import os, pathlib

CALLS = pathlib.Path(os.environ["LLM_TEST_OUT"]) / "matcher_calls.txt"

def pytest_llm_cassettes_configure(config, settings):
    settings.add_volatile_path("metadata.trace_id")
    settings.secret_patterns.append(r"codename-[a-z]+")
    settings.drop_headers.add("x-team")
    settings.host_aliases["gateway.example"] = "https://api.openai.com"

    def matcher(key):
        with CALLS.open("a") as out:
            out.write(key.target + "\\n")
        return key

    settings.matcher = matcher
"""

TESTS = """
import os
import httpx
import pytest

def _ask(base, **extra):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}], **extra}
    # Headers are not matched on, so a scrubbed one replays (a scrubbed body field would not).
    headers = {
        "authorization": "Bearer " + os.environ["OPENAI_API_KEY"],
        "x-team": "core",
        "x-note": "codename-bluebird",
    }
    return httpx.post(base + "/chat/completions", json=body, headers=headers, timeout=30)

@pytest.mark.llm(provider="openai")
def test_volatile_and_secret():
    base = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    trace = os.environ.get("TRACE_ID", "first-run")
    response = _ask(base, metadata={"trace_id": trace})
    assert response.status_code == 200

@pytest.mark.llm(provider="openai")
def test_alias():
    # Replay asks the aliased host; the recording was made against the provider's (loopback) API.
    response = _ask(os.environ.get("OPENAI_API_BASE", "https://gateway.example/v1"))
    assert response.status_code == 200
"""


def test_configure_hook_extensions_each_take_effect(project, monkeypatch, tmp_path: Path) -> None:
    project.makeconftest(CONFTEST)
    project.makepyfile(test_hooked=TESTS)
    recorded, _ = record_against_emulator(project, monkeypatch)
    recorded.assert_outcomes(passed=2)

    cassette_dir = project.path / "cassettes" / "test_hooked.py"
    text = (cassette_dir / "test_volatile_and_secret.yaml").read_text()
    assert "codename-bluebird" not in text and "REDACTED" in text  # the extra secret pattern scrubbed it
    assert "x-team" not in text  # the dropped header is gone
    assert load(cassette_dir / "test_alias.yaml").interactions

    calls = tmp_path / "out" / "matcher_calls.txt"
    assert not calls.exists()  # recording matches nothing
    monkeypatch.setenv("TRACE_ID", "second-run")  # a volatile field that differs from the recording
    replayed = project.runpytest("-p", "no:randomly")
    replayed.assert_outcomes(passed=2)  # volatile path ignored, alias host matched
    targets = calls.read_text().splitlines()
    assert targets and set(targets) == {"POST api.openai.com/v1/chat/completions"}  # custom matcher called


def test_without_the_hook_the_same_replay_misses(project, monkeypatch) -> None:
    project.makeconftest(CONFTEST)
    project.makepyfile(test_hooked=TESTS)
    recorded, _ = record_against_emulator(project, monkeypatch)
    recorded.assert_outcomes(passed=2)
    (project.path / "conftest.py").unlink()
    monkeypatch.setenv("TRACE_ID", "second-run")
    replayed = project.runpytest("-p", "no:randomly")
    replayed.assert_outcomes(failed=2)  # the trace id now counts, and gateway.example is no provider
    replayed.stdout.fnmatch_lines(["*body.metadata.trace_id*", "*gateway.example*"])
