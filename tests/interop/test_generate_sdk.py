"""`llm-cassettes generate` for clients other than litellm: the official SDKs against the emulator.

The generator (``--llm-synthetic``, what ``llm-cassettes generate`` runs) must point every supported
client at the loopback emulator — litellm through ``*_API_BASE``, the SDKs through ``OPENAI_BASE_URL`` /
``ANTHROPIC_BASE_URL`` — from the start of the run, so that clients built at import time are pointed too;
anything that still tries to leave the machine is refused naming the test and the host. A replay miss
suggests ``generate`` only when the emulator could answer the request.
"""

from __future__ import annotations

import re

import pytest

from llm_cassettes import Cassette, load

from .conftest import KEEP_CONFTEST, clear_provider_env

# One xdist worker runs every SDK project: each worker would otherwise import both SDKs (seconds).
pytestmark = pytest.mark.xdist_group("sdk")


SDK_TESTS = """
import os
import anthropic
import openai
import pytest

# Built at import time: the emulator must already be where the SDK looks.
OPENAI = openai.OpenAI(max_retries=0)
QUESTION = [{"role": "user", "content": "What is 2+2?"}]


@pytest.mark.llm(provider="openai")
def test_openai_sdk_chat(keep):
    response = OPENAI.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    assert response.choices[0].message.content == "4"
    keep(response)


@pytest.mark.llm(provider="openai")
def test_openai_sdk_stream(keep):
    chunks = list(OPENAI.chat.completions.create(model="gpt-4o-mini", messages=QUESTION, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "4"
    keep(chunks)


@pytest.mark.llm(provider="openai", scenario="rate_limit")
def test_openai_sdk_rate_limited(keep):
    with pytest.raises(openai.RateLimitError) as info:
        OPENAI.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)
    keep({"status": info.value.status_code, "retry_after": info.value.response.headers.get("retry-after")})


@pytest.mark.llm(provider="anthropic")
async def test_anthropic_sdk_async_stream(keep):
    client = anthropic.AsyncAnthropic(max_retries=0)
    async with client.messages.stream(model="claude-haiku-4-5", max_tokens=32, messages=QUESTION) as stream:
        final = await stream.get_final_message()
    assert final.content[0].text == "4"
    keep(final)
"""

LEAKING_TEST = """
import urllib.request
import pytest


@pytest.mark.llm(provider="openai")
def test_reaches_for_the_internet():
    urllib.request.urlopen("https://telemetry.example.invalid/v1/ping", timeout=2)
"""

BASE_URL_VARIABLES = (
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_BASE",
    "ANTHROPIC_BASE_URL",
    "OPENROUTER_API_BASE",
    "OPENROUTER_BASE_URL",
)

ENV_TEST = f"""
import os
import pytest

VARIABLES = {BASE_URL_VARIABLES!r}
AT_IMPORT = {{name: os.environ.get(name) for name in VARIABLES}}


@pytest.mark.llm(provider="openai")
def test_every_base_url_variable_points_at_the_emulator():
    assert all(value and value.startswith("http://127.0.0.1:") for value in AT_IMPORT.values()), AT_IMPORT
"""


def _cassettes_by_test(project: pytest.Pytester) -> dict[str, Cassette]:
    """Every cassette the run wrote, by the test it belongs to (whatever the path scheme)."""
    return {(c := load(p)).meta["test"]: c for p in (project.path / "cassettes").rglob("*.yaml")}


@pytest.fixture
def gen_project(sdk_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    sdk_project.makeconftest(KEEP_CONFTEST)
    monkeypatch.setenv("LLM_TEST_OUT", str(sdk_project.mkdir("out")))
    return sdk_project


def test_generate_writes_sdk_cassettes_that_replay_offline(gen_project, monkeypatch):
    gen_project.makepyfile(test_sdk=SDK_TESTS, test_env=ENV_TEST)
    generated = gen_project.runpytest("--llm-synthetic", "-m", "llm", "-p", "no:randomly")
    assert generated.ret == 0, "\n".join(ln for ln in generated.outlines if ln.startswith(("E ", "FAILED")))
    generated.assert_outcomes(passed=5)
    written = _cassettes_by_test(gen_project)
    chat = written["test_sdk.py::test_openai_sdk_chat"]
    assert chat.origin == "synthetic"
    assert chat.interactions[0].request.uri == "https://api.openai.com/v1/chat/completions"
    stream = written["test_sdk.py::test_anthropic_sdk_async_stream"]
    assert stream.interactions[0].request.uri == "https://api.anthropic.com/v1/messages"
    assert written["test_sdk.py::test_openai_sdk_rate_limited"].interactions[0].response.status == 429

    clear_provider_env(monkeypatch)
    replayed = gen_project.runpytest("test_sdk.py", "-p", "no:randomly")
    replayed.assert_outcomes(passed=4)


def test_generate_refuses_to_leave_the_machine_naming_test_and_host(gen_project):
    gen_project.makepyfile(test_leak=LEAKING_TEST)
    result = gen_project.runpytest("--llm-synthetic", "-m", "llm")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_leak.py::test_reaches_for_the_internet*telemetry.example.invalid*"])
    assert _cassettes_by_test(gen_project) == {}


MISSES = """
import openai
import pytest

pytestmark = pytest.mark.llm(provider="openai")


def test_chat_without_cassette():
    openai.OpenAI(max_retries=0).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )


def test_upload_without_cassette():
    openai.OpenAI(max_retries=0).files.create(file=("a.jsonl", b"{}", "application/jsonl"), purpose="batch")
"""


def test_a_miss_suggests_generate_only_where_the_emulator_can_answer(gen_project):
    gen_project.makepyfile(test_misses=MISSES)
    result = gen_project.runpytest()
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    chat_report, upload_report = (
        re.search(rf"_ {name} _+\n(.*?)(?=\n_+ test_|\n=+ )", output, re.S).group(1)
        for name in ("test_chat_without_cassette", "test_upload_without_cassette")
    )
    assert 'pytest --real-api "test_misses.py::test_chat_without_cassette"' in chat_report
    assert "llm-cassettes generate" in chat_report
    # The emulator does not serve uploads: generating could not record this one.
    assert 'pytest --real-api "test_misses.py::test_upload_without_cassette"' in upload_report
    assert "llm-cassettes generate" not in upload_report
