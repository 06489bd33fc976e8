"""What a recording run saves: only tests that passed in setup, call and teardown; one message on failure.

Every test below sends a request the emulator answers, so each has a recording it could save; only
``test_passes`` may get a cassette. Also: stale temp files of killed writers are removed by a run that
writes (a live writer's are kept), and the run summary counts a failed replay as failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llm_cassettes.cassette.persist import TEMP_PREFIX

from .chat_project import chat_project
from .conftest import record_against_emulator

PHASES = """
import pytest


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")


@pytest.fixture
def asks_in_setup(chat):
    chat("What is 6+6?")


@pytest.fixture
def broken_setup(asks_in_setup):
    raise RuntimeError("setup broke")


@pytest.mark.llm(provider="openai")
def test_passes(chat):
    assert chat("What is 1+1?") == "2"


@pytest.mark.llm(provider="openai")
def test_teardown_fails(chat, broken_teardown):
    assert chat("What is 2+2?") == "4"


@pytest.mark.llm(provider="openai")
@pytest.mark.xfail(reason="known bug")
def test_xfail(chat):
    assert chat("What is 3+3?") == "7"


@pytest.mark.llm(provider="openai")
@pytest.mark.xfail(reason="expected to fail, passes")
def test_xpass(chat):
    assert chat("What is 4+4?") == "8"


@pytest.mark.llm(provider="openai")
def test_skips_after_the_call(chat):
    chat("What is 5+5?")
    pytest.skip("decided after the call")


@pytest.mark.llm(provider="openai")
def test_setup_fails(broken_setup):
    pass


@pytest.mark.llm(provider="openai")
def test_exits(chat):
    chat("What is 7+7?")
    pytest.exit("stopping the run")
"""

NOT_SAVED = [
    "test_teardown_fails",
    "test_xfail",
    "test_xpass",
    "test_skips_after_the_call",
    "test_setup_fails",
]


def _cassettes(project: pytest.Pytester) -> list[str]:
    return sorted(p.name for p in (project.path / "cassettes").rglob("*.yaml"))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: the pid no longer exists
    return child.pid


def test_only_tests_that_passed_every_phase_are_saved(project, monkeypatch) -> None:
    chat_project(project, {"test_phases.py": PHASES})
    result, _ = record_against_emulator(project, monkeypatch, "-k", "not test_exits", "--llm-report=r.json")
    # test_teardown_fails counts as passed (its call) and as an error (its teardown).
    result.assert_outcomes(passed=2, errors=2, xfailed=1, xpassed=1, skipped=1)
    assert _cassettes(project) == ["test_passes.yaml"]
    report = {o["test"].rpartition("::")[2]: o["result"] for o in json.loads(Path("r.json").read_text())}
    assert report == {"test_passes": "written", **dict.fromkeys(NOT_SAVED, "not-saved")}
    summary = result.stdout.str().partition("llm-cassettes ---")[2]
    assert all(name in summary for name in NOT_SAVED)  # listed under "not saved"

    exited, _ = record_against_emulator(project, monkeypatch, "-k", "test_exits")
    assert exited.ret == pytest.ExitCode.INTERRUPTED
    assert _cassettes(project) == ["test_passes.yaml"]


def test_a_teardown_error_keeps_the_previous_cassette_byte_for_byte(project, monkeypatch) -> None:
    chat_project(project, {"test_phases.py": PHASES.replace("broken_teardown):", "):", 1)})
    record_against_emulator(project, monkeypatch, "-k", "test_teardown_fails")[0].assert_outcomes(passed=1)
    (cassette,) = (project.path / "cassettes").rglob("test_teardown_fails.yaml")
    before = cassette.read_bytes()
    changed = PHASES.replace('"What is 2+2?") == "4"', '"What is 2+3?") == "5"')
    chat_project(project, {"test_phases.py": changed})
    result, _ = record_against_emulator(project, monkeypatch, "-k", "test_teardown_fails")
    result.assert_outcomes(passed=1, errors=1)
    assert cassette.read_bytes() == before


def test_a_failed_save_is_reported_once(project, monkeypatch) -> None:
    chat_project(project, {"test_phases.py": PHASES})
    (project.path / "cassettes").write_text("a file where the cassette directory should be")
    result, _ = record_against_emulator(project, monkeypatch, "-k", "test_passes")
    result.assert_outcomes(passed=1, errors=1)
    # The error section holds it once (it used to repeat it as "During handling of the above
    # exception..."); pytest's own one-line summary at the end names it again, as for every error.
    text = result.stdout.str().partition("short test summary info")[0]
    assert text.count("cannot write the cassette") == 1, text
    assert "another exception occurred" not in text
    assert "recording not saved" in text and "test_passes.yaml" in text and "fix:" in text


def test_a_failed_replay_is_counted_as_failed_not_replayed(project, monkeypatch) -> None:
    chat_project(project, {"test_phases.py": PHASES})
    _, env = record_against_emulator(project, monkeypatch, "-k", "test_passes")
    monkeypatch.setenv("OPENAI_API_BASE", env["OPENAI_API_BASE"])
    chat_project(
        project,
        {"test_phases.py": PHASES.replace('== "2"', '== "2"\n    assert False, "broke after the call"')},
    )
    result = project.runpytest("-k", "test_passes or test_teardown_fails", "--llm-report=r.json")
    result.assert_outcomes(failed=2, errors=1)  # test_teardown_fails: no cassette, then its teardown
    results = [o["result"] for o in json.loads(Path("r.json").read_text())]
    assert "replayed" not in results and results == ["failed", "failed"]
    assert "mode replay: 2 failed" in result.stdout.str()


def test_a_recording_run_removes_stale_temp_files_of_dead_writers_only(project, monkeypatch) -> None:
    chat_project(project, {"test_phases.py": PHASES})
    folder = project.path / "cassettes" / "test_phases.py"
    folder.mkdir(parents=True)
    dead = folder / f"{TEMP_PREFIX}{_dead_pid()}-k1ll3d.tmp"
    dead.write_text("meta: {format: 1}\ninteractions:\n- request: {method: PO")
    live_writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = project.path / "cassettes" / f"{TEMP_PREFIX}{live_writer.pid}-wr1t1ng.tmp"
        live.write_text("being written")
        # Replay writes nothing and leaves them; the next run that writes cleans up before it starts.
        monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9")
        project.runpytest("-k", "test_passes")
        assert dead.exists()
        result, _ = record_against_emulator(project, monkeypatch, "-k", "test_passes")
        result.assert_outcomes(passed=1)
        assert not dead.exists()
        assert live.exists()  # a writer still running (another xdist worker, a parallel run)
        assert "removed 1 stale temp file" in result.stdout.str()
        assert _cassettes(project) == ["test_passes.yaml"]  # the glob never takes a temp file
    finally:
        live_writer.kill()
        live_writer.wait()
