"""Plugin behaviour end to end: record through the real client + litellm over real sockets, replay offline.

Each test builds a small project with pytester and runs pytest in-process on it. Recording points the
client at the loopback emulator through ``*_API_BASE``, exactly as ``--real-api`` would point it at the
real providers; replay then runs with the emulator stopped and no keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from llm_cassettes.cassette import load

from .conftest import PLANTED_KEYS, record_against_emulator

ROUND_TRIP_TESTS = """
import json, os, pathlib
import pytest
import ttt

OUT = pathlib.Path(os.environ["LLM_TEST_OUT"])

def _keep(name, response):
    data = response.to_dict()
    data.pop("time_taken", None)
    (OUT / f"{name}.json").write_text(json.dumps(data, sort_keys=True))

@pytest.mark.llm(provider="openai")
def test_openai_sync():
    _keep("openai_sync", ttt.ask("What is 2+2?", model="gpt-4o-mini"))

@pytest.mark.llm(provider="anthropic")
async def test_anthropic_async():
    _keep("anthropic_async", await ttt.aask("What is 2+2?", model="claude"))

@pytest.mark.llm(provider="openai")
def test_openai_stream():
    chunks = list(ttt.stream("Count from 1 to 3", model="gpt-4o-mini"))
    (OUT / "openai_stream.json").write_text(json.dumps(chunks))

@pytest.mark.llm(provider="anthropic")
async def test_anthropic_astream():
    chunks = [c async for c in ttt.astream("Count from 1 to 3", model="claude")]
    (OUT / "anthropic_astream.json").write_text(json.dumps(chunks))
"""


def _outputs(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(out.iterdir())}


def test_record_then_replay_offline_gives_identical_responses_and_no_secrets(project, monkeypatch, tmp_path):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    recorded, _ = record_against_emulator(project, monkeypatch)
    recorded.assert_outcomes(passed=4)
    out = tmp_path / "out"
    first = _outputs(out)
    assert json.loads(first["openai_sync.json"])["content"] == "4"
    assert (
        json.loads(first["openai_stream.json"])
        and "".join(json.loads(first["openai_stream.json"])) == "1\n2\n3"
    )

    cassettes = sorted((project.path / "cassettes" / "test_roundtrip.py").glob("*.yaml"))
    assert [c.stem for c in cassettes] == [
        "test_anthropic_astream",
        "test_anthropic_async",
        "test_openai_stream",
        "test_openai_sync",
    ]
    raw = b"".join(c.read_bytes() for c in cassettes)
    for secret in PLANTED_KEYS.values():
        assert secret.encode() not in raw
    for marker in (b"emulatorFAKE", b"__cf_bm=emu"):  # org/project ids and cookies the emulator sends
        assert marker not in raw
    assert load(cassettes[0]).meta["origin"] == "recorded"

    for f in out.iterdir():
        f.unlink()
    # Emulator stopped, no keys, no base URLs: a recording from a loopback stand-in replays as the provider.
    replayed = project.runpytest()
    replayed.assert_outcomes(passed=4)
    assert _outputs(out) == first


def test_missing_cassette_in_replay_fails_with_path_and_command(project):
    project.makepyfile(test_nocassette=ROUND_TRIP_TESTS.split('@pytest.mark.llm(provider="anthropic")')[0])
    result = project.runpytest("-k", "openai_sync")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "no cassette at" in text and "cassettes/test_nocassette.py/test_openai_sync.yaml" in text
    assert 'pytest --real-api "test_nocassette.py::test_openai_sync"' in text


def test_changed_request_reports_nearest_recording_and_field_diff(project, monkeypatch):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    recorded, emulator_env = record_against_emulator(project, monkeypatch, "-k", "openai_sync")
    recorded.assert_outcomes(passed=1)
    for name, value in emulator_env.items():
        monkeypatch.setenv(name, value)
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS.replace("What is 2+2?", "What is 3+3?"))
    result = project.runpytest("-k", "openai_sync")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "nearest recorded request: interactions[0] POST" in text
    assert "body.messages[0].content: recorded 'What is 2+2?', requested 'What is 3+3?'" in text
    assert "to record it:" in text


def test_failing_test_keeps_previous_cassette_byte_for_byte(project, monkeypatch):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    record_against_emulator(project, monkeypatch, "-k", "openai_sync")[0].assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_roundtrip.py" / "test_openai_sync.yaml"
    before = cassette.read_bytes()
    project.makepyfile(
        test_roundtrip=ROUND_TRIP_TESTS.replace(
            '_keep("openai_sync", ttt.ask("What is 2+2?", model="gpt-4o-mini"))',
            'ttt.ask("What is 5+5?", model="gpt-4o-mini"); assert False, "boom"',
        )
    )
    result, _ = record_against_emulator(project, monkeypatch, "-k", "openai_sync")
    result.assert_outcomes(failed=1)
    assert cassette.read_bytes() == before
    assert "not saved" in result.stdout.str()


def test_real_api_without_key_skips_naming_the_variable(project):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    result = project.runpytest("--real-api", "-k", "anthropic_async", "-rs")
    result.assert_outcomes(skipped=1)
    assert "ANTHROPIC_API_KEY not set" in result.stdout.str()


@pytest.mark.parametrize(
    ("env", "expected"),
    [("1", "record-real"), ("yes", "record-real"), ("0", "replay"), ("missing", "record-missing")],
)
def test_environment_variable_flips_the_mode(project, monkeypatch, env, expected):
    project.makepyfile(test_x="def test_x():\n    pass\n")
    monkeypatch.setenv("REAL_API_TESTS", env)
    result = project.runpytest()
    assert f"llm-cassettes: {expected}" in result.stdout.str()


def test_real_api_flag_flips_the_mode(project):
    project.makepyfile(test_x="def test_x():\n    pass\n")
    assert "llm-cassettes: record-real" in project.runpytest("--real-api").stdout.str()
    assert "llm-cassettes: replay" in project.runpytest().stdout.str()


def test_corrupt_cassette_fails_with_file_and_fix(project):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    target = project.path / "cassettes" / "test_roundtrip.py" / "test_openai_sync.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("meta: {format: 1}\ninteractions:\n- request: {method: POST}\n  response: [\n")
    result = project.runpytest("-k", "openai_sync")
    result.assert_outcomes(errors=1)  # the cassette fixture cannot be set up
    text = result.stdout.str()
    assert "test_openai_sync.yaml: not valid YAML at line" in text
    assert "Traceback" not in text
    assert "re-record it with" in text


def test_unused_recordings_warn_and_fail_when_strict(project, monkeypatch):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    recorded, emulator_env = record_against_emulator(project, monkeypatch, "-k", "openai_sync")
    recorded.assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_roundtrip.py" / "test_openai_sync.yaml"
    text = cassette.read_text()
    head, sep, interactions = text.partition("interactions:\n")
    head = head.replace("interactions: 1\n", "interactions: 2\n")  # a hand edit updates the count
    cassette.write_text(head + sep + interactions + interactions)  # the same exchange twice: one unused
    for name, value in emulator_env.items():
        monkeypatch.setenv(name, value)
    warned = project.runpytest("-k", "openai_sync")
    warned.assert_outcomes(passed=1)
    assert "interactions [1] were recorded but not requested" in warned.stdout.str()
    strict = project.runpytest("-k", "openai_sync", "--llm-strict-unused")
    strict.assert_outcomes(passed=1, errors=1)


def test_replay_blocks_non_loopback_connections_naming_the_host(project):
    project.makepyfile(
        test_net="""
import socket, pytest
@pytest.mark.llm
def test_outside():
    with pytest.raises(RuntimeError, match="test_outside tried to reach '10.255.255.1' .connect"):
        with socket.socket() as sock:
            sock.settimeout(1)
            sock.connect(("10.255.255.1", 443))
"""
    )
    project.runpytest().assert_outcomes(passed=1)


def test_rate_limit_delay_is_the_configured_delay_when_recording_and_zero_in_replay(project, monkeypatch):
    project.makepyfile(
        test_delay="""
import os, pathlib
def test_delay(rate_limit_delay):
    pathlib.Path(os.environ["LLM_TEST_OUT"], "delay").write_text(repr(rate_limit_delay))
"""
    )
    out = Path(os.environ["LLM_TEST_OUT"])
    project.runpytest().assert_outcomes(passed=1)
    assert (out / "delay").read_text() == "0.0"
    project.runpytest("--real-api", "--rate-delay", "0.05").assert_outcomes(passed=1)
    assert (out / "delay").read_text() == "0.05"
    monkeypatch.setenv("REAL_API_TESTS", "1")
    project.runpytest().assert_outcomes(passed=1)
    assert (out / "delay").read_text() == "1.0"  # the default spacing of real calls


def test_unwritable_cassette_directory_fails_with_the_path_and_the_fix(project, monkeypatch):
    project.makepyfile(test_roundtrip=ROUND_TRIP_TESTS)
    (project.path / "cassettes").write_text("a file where the cassette directory should be")
    result, _ = record_against_emulator(project, monkeypatch, "-k", "openai_sync")
    result.assert_outcomes(passed=1, errors=1)  # the test passed; saving its recording did not
    text = result.stdout.str()
    assert "recording not saved" in text and "test_openai_sync.yaml" in text
    assert "is not writable" in text and "fix:" in text
    assert "Traceback" not in text


@pytest.mark.slow  # real pytest subprocesses: run by scripts/test and CI
def test_pytest_recording_tests_keep_their_own_record_mode(project):
    project.makepyfile(
        test_vcr="""
import socket, pytest

def _connect():
    try:
        socket.create_connection(("10.255.255.1", 443), timeout=0.2)
    except RuntimeError as exc:  # the replay guard
        return "refused by llm-cassettes" if "llm-cassettes" in str(exc) else str(exc)
    except OSError:  # the network itself (unreachable here): the guard let it through
        return "reached the network"
    return "reached the network"

@pytest.mark.vcr
def test_vcr_marked():
    print("VCR:", _connect())

def test_plain():
    print("PLAIN:", _connect())
"""
    )
    project.makeini("[pytest]\nllm_cassettes_block_network = all\n")  # plain tests under the guard too
    # In subprocesses: this test itself runs under the replay guard, which an in-process run would inherit.
    replay = project.runpytest_subprocess("-s")
    assert "VCR: refused by llm-cassettes" in replay.stdout.str()
    recording = project.runpytest_subprocess("-s", "--record-mode=once")
    assert "VCR: reached the network" in recording.stdout.str()
    assert "PLAIN: refused by llm-cassettes" in recording.stdout.str()
