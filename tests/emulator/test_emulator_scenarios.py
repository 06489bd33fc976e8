"""Scenarios, the default responder, and the foreground `serve` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from llm_cassettes import providers
from llm_cassettes.synthetic import responder
from llm_cassettes.synthetic.scenarios import (
    BUILTIN,
    Scenario,
    ScenarioError,
    Step,
    get_scenario,
    load_scenario_file,
)

REQUIRED = {
    "success",
    "rate_limit_then_success",
    "rate_limit",
    "auth_error",
    "model_not_found",
    "server_error",
    "service_unavailable",
    "overloaded",
    "read_timeout",
    "connection_reset",
    "truncated_stream",
    "midstream_error",
    "slow",
}


def _ask(*turns: str, **extra: object) -> str:
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return responder.respond({"messages": messages, **extra}).text


def test_builtins_present_and_honest() -> None:
    assert set(BUILTIN) >= REQUIRED
    assert {name for name, s in BUILTIN.items() if s.real_api_can_produce} == {
        "success",
        "auth_error",
        "model_not_found",
        "invalid_model",  # OpenRouter answers a malformed model id with its 400 on demand
    }
    first = BUILTIN["rate_limit_then_success"]
    assert first.step_for(0) == Step("error", error="rate_limit", retry_after=2)
    assert first.step_for(1).kind == "ok"
    assert BUILTIN["rate_limit"].step_for(5).error == "rate_limit"


def test_unknown_scenario_lists_names() -> None:
    with pytest.raises(ScenarioError, match=r"known scenarios:.*rate_limit_then_success"):
        get_scenario("rate-limit")


def test_load_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "flaky:\n"
        "  description: two 429s then answers\n"
        "  real_api_can_produce: false\n"
        "  steps:\n"
        "    - {kind: error, error: rate_limit, retry_after: 1}\n"
        "    - {kind: error, error: overloaded}\n"
        "    - {kind: delay, delay: 0.1}\n"
    )
    (flaky,) = load_scenario_file(path).values()
    assert flaky == Scenario(
        "flaky",
        (
            Step("error", error="rate_limit", retry_after=1),
            Step("error", error="overloaded"),
            Step("delay", delay=0.1),
        ),
        False,
        "two 429s then answers",
    )
    assert flaky.step_for(3).kind == "ok"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("s:\n  descripton: typo\n  steps: []\n", "descripton"),
        ("s:\n  steps:\n    - {kind: error, error: rate_limit, retry_afterr: 2}\n", "retry_afterr"),
    ],
)
def test_typo_in_scenario_file_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_file(path)
    message = str(caught.value)
    assert str(path) in message and repr(key) in message and "allowed keys" in message


def test_bad_step_values(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("s:\n  steps:\n    - {kind: error, error: teapot}\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml.*step 1.*rate_limit"):
        load_scenario_file(path)
    with pytest.raises(ScenarioError, match="known kinds"):
        Step("explode")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What is 2+2?", "4"),
        ("What is 4200 + 42?", "4242"),
        ("Compute 7 * 6", "42"),
        ("what is 10 - 3?", "7"),
        ("What is 9/2?", "4.5"),
        ("What is (2+3)*4?", "20"),
        ("What is 1/0?", "Division by zero is undefined."),
        ("Count from 1 to 3", "1\n2\n3"),
        ("count to 5", "1\n2\n3\n4\n5"),
        ("Count from 3 to 1", "3\n2\n1"),
        ("Hello there", "You said: Hello there"),
    ],
)
def test_responder_answers(question: str, answer: str) -> None:
    assert _ask(question) == answer


def test_responder_name_memory_and_code() -> None:
    assert _ask("My name is Alice") == "Nice to meet you, Alice!"
    assert _ask("My name is Alice", "Nice to meet you, Alice!", "What's my name?") == "Your name is Alice."
    assert _ask("What is my name?") == "I don't know your name yet."
    code = _ask("Write a Python function that returns the factorial of n")
    assert "```python\ndef factorial(" in code and code.endswith("```")


def test_responder_usage_and_max_tokens() -> None:
    reply = responder.respond({"messages": [{"role": "user", "content": "Count to 10"}], "max_tokens": 3})
    assert (reply.text, reply.finish, reply.completion_tokens) == ("1\n2\n3", "length", 3)
    longer = responder.respond(
        {"messages": [{"role": "user", "content": "Count to 10 please, thanks a lot"}]}
    )
    assert longer.prompt_tokens > reply.prompt_tokens and longer.finish == "stop"
    blocks = [{"role": "user", "content": [{"type": "text", "text": "What is 3+3?"}]}]
    assert responder.respond({"messages": blocks}).text == "6"


def test_serve_prints_env_and_stops_on_ctrl_c() -> None:
    code = (
        # SIGINT taken back first: a process started with it ignored (no job control) would keep ignoring it.
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from llm_cassettes.cli.serve import main as serve; "
        "sys.exit(serve(['--scenario', 'auth_error']))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        variables = len(providers.base_url_variables()) + len(providers.key_variables())
        lines = [proc.stdout.readline() for _ in range(1 + variables)]
        exports = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines[1:])
        assert exports["ANTHROPIC_API_KEY"].startswith("fake-")
        base = exports["OPENAI_API_BASE"]
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1")
        request = urllib.request.Request(
            base + "/chat/completions", data=json.dumps({"messages": []}).encode()
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=15)
        assert caught.value.code == 401
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_rejects_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    from llm_cassettes.cli.serve import main as serve

    assert serve(["serve", "--scenario", "nope"]) == 2
    assert "known scenarios" in capsys.readouterr().err
