"""CLI exit codes and output: offline success, missing key, unknown model, usage errors."""

import io
import json

import litellm
import pytest

from ttt import cli
from ttt import retry as retry_module
from ttt.retry import RetryPolicy


@pytest.fixture(autouse=True)
def no_keys(monkeypatch):
    for p in ("OPENAI", "ANTHROPIC", "OPENROUTER"):
        monkeypatch.delenv(f"{p}_API_KEY", raising=False)
        monkeypatch.delenv(f"{p}_API_BASE", raising=False)
    monkeypatch.delenv("TTT_OFFLINE", raising=False)
    monkeypatch.delenv("TTT_MODEL", raising=False)
    monkeypatch.setattr(retry_module, "_default_policy", RetryPolicy(max_attempts=1, sleep=lambda s: None))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_offline_answer():
    code, out, err = run("What is 2+2?", "-m", "fast", "--offline")
    assert code == 0 and err == ""
    assert "What is 2+2?" in out and out.endswith("\n")


def test_offline_via_env_and_stream(monkeypatch):
    monkeypatch.setenv("TTT_OFFLINE", "1")
    code, out, _ = run("Say hi", "-m", "claude", "--stream", "--system", "be brief")
    assert code == 0 and "Say hi" in out


def test_json_output():
    code, out, _ = run("What is 2+2?", "--offline", "--json", "-m", "gpt")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"content", "model", "provider", "usage", "cost", "time_taken"}
    assert data["provider"] == "openai" and data["usage"]["total_tokens"] > 0 and data["time_taken"] > 0


def test_stream_json_output():
    code, out, _ = run("hello", "--offline", "--json", "--stream", "-m", "or-fast")
    assert code == 0 and json.loads(out)["provider"] == "openrouter"


def test_missing_key_is_one_line_and_exit_1():
    code, out, err = run("What is 2+2?", "-m", "fast")
    assert code == 1 and out == ""
    assert "OPENAI_API_KEY" in err and err.count("\n") == 1 and "Traceback" not in err


def test_unknown_model_is_a_usage_error():
    code, _, err = run("hi", "-m", "no-such-model")
    assert code == 2 and "no-such-model" in err and "fast" in err and err.count("\n") == 1


def test_bad_arguments_and_empty_prompt():
    assert run("--no-such-flag")[0] == 2
    assert run("   ")[0] == 2
    assert run("hi", "--temperature", "warm")[0] == 2
    assert run("--help")[0] == 0


def test_failed_call_exit_1(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    def refuse(**kw):
        raise litellm.AuthenticationError("Incorrect API key provided", "openai", "gpt-4o-mini")

    monkeypatch.setattr(litellm, "completion", refuse)
    code, out, err = run("hi", "-m", "mini")
    assert code == 1 and out == "" and "rejected the API key" in err and err.count("\n") == 1
