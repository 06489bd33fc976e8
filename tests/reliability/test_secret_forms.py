"""A provider that echoes the caller's keys, in every form a recording can hold, leaks nothing to disk.

Each test builds a pytester project whose tests call the hostile loopback provider of ``echo_provider``
through the real stack (litellm for the three providers' JSON and SSE shapes, sync and async; plain
httpx for binary, base64, multipart and header echoes), records it with ``--real-api``, then searches
every file under the project for the planted secrets in raw bytes, UTF-16, base64 and decoded content
(``leaks.project_leaks``). The same project is then replayed with the provider stopped and no keys:
what was redacted must still replay, and the replayed streams must still be valid.

The keys reach the projects only through the environment. Two of them have no recognisable shape
(nothing but "it is the value of OPENROUTER_API_KEY / of a credential header" gives them away).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from llm_cassettes.cassette import load

from .echo_provider import REPLY_PREFIX, EchoServer
from .leaks import project_leaks

PLANTED = {
    "OPENAI_API_KEY": "sk-proj-ECHOopenaiKEY0123456789abcdefghijklmn",
    "ANTHROPIC_API_KEY": "sk-ant-api03-ECHOanthropicKEY0123456789abcdef",
    # No provider prefix, no pattern matches it: only knowing the variable's value finds it.
    "OPENROUTER_API_KEY": "opaqueROUTERvalue0f3a9c1d7e5b42",
    # Sent in a credential header only (x-gateway-api-key), also pattern-free.
    "GATEWAY_KEY": "opaqueGATEWAYvalue9d8c7b6a5f4e3",
}
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY")
INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENAI_API_BASE",
    "ANTHROPIC_API_BASE",
    "OPENROUTER_API_BASE",
    "REAL_API_TESTS",
    "GATEWAY_KEY",
    "ECHO_BASE",
)

COMMON = """
import json, os
import httpx, litellm, pytest

E = os.environ
OUT = os.environ["LLM_TEST_OUT"]
PROVIDERS = ("openai", "anthropic", "openrouter")
MODELS = {
    "openai": "openai/gpt-4o-mini",
    "anthropic": "anthropic/claude-3-5-haiku-20241022",
    "openrouter": "openrouter/openai/gpt-4o-mini",
}
KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "openrouter": "OPENROUTER_API_KEY"}
BASES = {"openai": "OPENAI_API_BASE", "anthropic": "ANTHROPIC_API_BASE", "openrouter": "OPENROUTER_API_BASE"}
TOOLS = [{"type": "function", "function": {
    "name": "remember", "description": "Remember a key",
    "parameters": {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}}}]


def each_provider():
    return [pytest.param(p, marks=pytest.mark.llm(provider=p), id=p) for p in PROVIDERS]


def call(provider, prompt, **extra):
    return dict(model=MODELS[provider], api_key=E[KEYS[provider]], api_base=E[BASES[provider]],
                messages=[{"role": "user", "content": prompt}], max_tokens=50, max_retries=0, **extra)


def keep(name, value):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(value, f)
"""

STREAM_TESTS = (
    COMMON
    + """

@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("provider", each_provider())
def test_stream_sync(provider, size):
    chunks = litellm.completion(**call(provider, f"echo stream {size}", stream=True))
    keep(f"stream_sync_{provider}_{size}", "".join(c.choices[0].delta.content or "" for c in chunks))


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("provider", each_provider())
async def test_stream_async(provider, size):
    response = await litellm.acompletion(**call(provider, f"echo stream {size}", stream=True))
    text = "".join([c.choices[0].delta.content or "" async for c in response])
    keep(f"stream_async_{provider}_{size}", text)


@pytest.mark.parametrize("provider", each_provider())
def test_tool_call_stream(provider):
    chunks = litellm.completion(**call(provider, "echo tool 4", stream=True, tools=TOOLS))
    arguments = "".join(
        call.function.arguments or ""
        for c in chunks for call in (c.choices[0].delta.tool_calls or [])
    )
    keep(f"tool_{provider}", json.loads(arguments)["key"])
"""
)

BODY_TESTS = (
    COMMON
    + """

@pytest.mark.parametrize("provider", each_provider())
def test_json_echo(provider):
    keep(f"json_{provider}", litellm.completion(**call(provider, "echo json")).choices[0].message.content)


@pytest.mark.llm
def test_binary_echo():
    r = httpx.post(E["ECHO_BASE"] + "/echo/binary", content=b"give",
                   headers={"Authorization": "Bearer " + E["OPENAI_API_KEY"]})
    assert r.status_code == 200 and r.content.startswith(b"\\x89ECHO")


@pytest.mark.llm
def test_base64_echo():
    r = httpx.post(E["ECHO_BASE"] + "/echo/base64", json={"give": 1},
                   headers={"Authorization": "Bearer " + E["OPENROUTER_API_KEY"]})
    assert r.status_code == 200 and r.json()["blob"]


@pytest.mark.llm
def test_credential_header_echo():
    r = httpx.post(E["ECHO_BASE"] + "/echo/header", json={"give": 1},
                   headers={"x-gateway-api-key": E["GATEWAY_KEY"]})
    keep("header", r.json()["received"]["gateway"])


@pytest.mark.llm
def test_multipart_echo():
    key = E["OPENAI_API_KEY"]
    r = httpx.post(
        E["ECHO_BASE"] + "/echo/body",
        headers={"Authorization": "Bearer " + key},
        data={"purpose": "assistants", "note": "uploaded with " + E["OPENROUTER_API_KEY"]},
        files={"file": ("notes.bin", b"\\xff\\xfe\\x00key=" + key.encode() + b"\\x00\\xff")},
    )
    assert r.status_code == 200 and b"notes.bin" in r.content
"""
)

REPLAY_TESTS = (
    COMMON
    + """

@pytest.mark.llm(provider="openai")
def test_key_shaped_prompt():
    prompt = "Is AKIAIOSFODNN7EXAMPLE a valid AWS key id?"
    assert litellm.completion(**call("openai", prompt)).choices[0].message.content == "No."


@pytest.mark.llm(provider="openai")
def test_key_in_query_parameter():
    r = httpx.post(E["OPENAI_API_BASE"] + "/chat/completions?api-key=" + E["OPENAI_API_KEY"],
                   json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]})
    assert r.json()["choices"][0]["message"]["content"] == "No."
"""
)


@pytest.fixture(scope="module")
def warm_litellm() -> None:
    """Run each kind of call once outside pytester, which drops modules first imported inside a run
    (litellm imports lazily on its first calls; losing those breaks later runs)."""
    import litellm

    with EchoServer() as server:
        bases = server.env()
        for model, base in (
            ("openai/gpt-4o-mini", bases["OPENAI_API_BASE"]),
            ("anthropic/claude-3-5-haiku-20241022", bases["ANTHROPIC_API_BASE"]),
            ("openrouter/openai/gpt-4o-mini", bases["OPENROUTER_API_BASE"]),
        ):
            kwargs = {
                "model": model,
                "api_key": "warm-up",
                "api_base": base,
                "max_tokens": 50,
                "max_retries": 0,
            }
            litellm.completion(messages=[{"role": "user", "content": "echo json"}], **kwargs)
            list(
                litellm.completion(
                    messages=[{"role": "user", "content": "echo stream 4"}], stream=True, **kwargs
                )
            )
            tools = [{"type": "function", "function": {"name": "remember", "parameters": {"type": "object"}}}]
            msg = [{"role": "user", "content": "echo tool 4"}]
            list(litellm.completion(messages=msg, stream=True, tools=tools, **kwargs))

            async def both(kwargs: dict = kwargs) -> None:
                stream = await litellm.acompletion(
                    messages=[{"role": "user", "content": "echo stream 4"}], stream=True, **kwargs
                )
                [c async for c in stream]

            asyncio.run(both())


def _project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, out: Path, tests: str) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_echo=tests)
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    out.mkdir()
    monkeypatch.setenv("LLM_TEST_OUT", str(out))


def _record_then_replay(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    tests: str,
    count: int,
    sends: tuple[str, ...],
) -> tuple[dict[str, list[str]], dict[str, object]]:
    """Record the project against the echo provider, check nothing leaked, replay it offline.

    Returns the leaks found after recording and the values the replayed tests kept.
    """
    _project(pytester, monkeypatch, tmp_path / "recorded", tests)
    with EchoServer() as server:
        bases = server.env()
        for name, value in {**bases, **PLANTED}.items():
            monkeypatch.setenv(name, value)
        recorded = pytester.runpytest("--real-api", "--rate-delay", "0", "-p", "no:cacheprovider")
        sent = b"".join(raw + repr(headers).encode() for _, headers, raw in server.requests)
    recorded.assert_outcomes(passed=count)
    for name in sends:  # the secrets really went out: their absence below means something
        assert PLANTED[name].encode() in sent, name
    leaks = project_leaks(pytester.path, PLANTED)

    # Replay: the provider is gone, no key is set (the plugin supplies placeholders), same base URLs.
    for name in PLANTED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GATEWAY_KEY", "replay-gateway-placeholder")
    out = tmp_path / "replayed"
    out.mkdir()
    monkeypatch.setenv("LLM_TEST_OUT", str(out))
    replayed = pytester.runpytest("-p", "no:cacheprovider")
    kept = {p.stem: json.loads(p.read_text()) for p in sorted(out.iterdir())}
    outcome = replayed.parseoutcomes()
    kept["_outcome"] = {k: v for k, v in outcome.items() if k in ("passed", "failed", "error", "errors")}
    kept["_failures"] = [line for line in replayed.outlines if line.startswith(("FAILED", "ERROR"))]
    return leaks, kept


def test_streamed_keys_are_redacted_in_every_event_and_the_streams_replay(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warm_litellm: None
) -> None:
    leaks, kept = _record_then_replay(pytester, monkeypatch, tmp_path, STREAM_TESTS, count=15, sends=KEYS)
    assert leaks == {}, f"planted secrets survived recording: {json.dumps(leaks, indent=1)}"
    # The provider sent one event per chunk; after redaction every recorded chunk still starts an event.
    for path in sorted((pytester.path / "cassettes").rglob("*.yaml")):
        response = load(path).interactions[0].response
        assert response is not None and response.body_doc.get("chunks"), path
        starts = [offset for offset, _ in response.body_doc["chunks"]]
        assert all(response.body[o:].startswith((b"data:", b"event:", b":")) for o in starts), path
    assert kept["_outcome"] == {"passed": 15}, kept["_failures"]
    # The joined reply reads as the provider's text with the key redacted, whatever the piece size.
    for name, value in kept.items():
        if name.startswith("stream_"):
            assert value == f"{REPLY_PREFIX}REDACTED.", name
        elif name.startswith("tool_"):
            assert value == "REDACTED", name  # the tool-call arguments are still valid JSON


def test_bodies_in_every_encoding_lose_the_keys_they_echo(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warm_litellm: None
) -> None:
    leaks, kept = _record_then_replay(
        pytester, monkeypatch, tmp_path, BODY_TESTS, count=7, sends=(*KEYS, "GATEWAY_KEY")
    )
    assert leaks == {}, f"planted secrets survived recording: {json.dumps(leaks, indent=1)}"
    assert kept["_outcome"] == {"passed": 7}, kept["_failures"]
    assert kept["header"] == "REDACTED"
    for provider in ("openai", "anthropic", "openrouter"):
        assert kept[f"json_{provider}"] == f"{REPLY_PREFIX}REDACTED.", provider


def test_requests_whose_secrets_were_redacted_still_replay(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warm_litellm: None
) -> None:
    leaks, kept = _record_then_replay(
        pytester, monkeypatch, tmp_path, REPLAY_TESTS, count=2, sends=("OPENAI_API_KEY",)
    )
    assert leaks == {}, f"planted secrets survived recording: {json.dumps(leaks, indent=1)}"
    cassettes = sorted((pytester.path / "cassettes").rglob("*.yaml"))
    text = "".join(c.read_text() for c in cassettes)
    assert "Is REDACTED a valid AWS key id?" in text and "api-key=REDACTED" in text
    assert kept["_outcome"] == {"passed": 2}, kept["_failures"]


DECLARED_TESTS = """
import os
import httpx, pytest

E = os.environ


@pytest.mark.llm
def test_declared_values_travel_in_a_body():
    body = {"deploy": E["DEPLOY_TOKEN"], "hook": E["HOOK_SECRET"]}
    r = httpx.post(E["ECHO_BASE"] + "/echo/body", json=body)
    assert r.json()["deploy"] in (E["DEPLOY_TOKEN"], "REDACTED")
"""
DECLARED_CONFTEST = """
import os

def pytest_llm_cassettes_configure(config, settings):
    settings.secret_values.append(os.environ["HOOK_SECRET"])
"""


def test_values_a_project_declares_secret_are_removed_and_still_replay(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither value has a shape any pattern knows: one is named in the ini file, one added by the hook.
    declared = {"DEPLOY_TOKEN": "deployTOKENplain9a8b7c6d5e", "HOOK_SECRET": "hookSECRETplain1f2e3d4c5b"}
    pytester.makeini(INI + "llm_cassettes_secret_env =\n    DEPLOY_TOKEN\n")
    pytester.makeconftest(DECLARED_CONFTEST)
    pytester.makepyfile(test_declared=DECLARED_TESTS)
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    with EchoServer() as server:
        for name, value in {**server.env(), **declared}.items():
            monkeypatch.setenv(name, value)
        pytester.runpytest("--real-api", "--rate-delay", "0", "-p", "no:cacheprovider").assert_outcomes(
            passed=1
        )
        assert all(v.encode() in server.requests[0][2] for v in declared.values())
    assert project_leaks(pytester.path, declared) == {}
    # Replay with other values in the same variables: they are known too, so the request still matches.
    monkeypatch.setenv("DEPLOY_TOKEN", "replayDEPLOYvalue00000000")
    monkeypatch.setenv("HOOK_SECRET", "replayHOOKvalue000000000")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


FAIL_CLOSED_TESTS = """
import os
import httpx, pytest

E = os.environ


@pytest.mark.llm(provider="openai")
def test_echo():
    r = httpx.post(E["OPENAI_API_BASE"] + "/chat/completions",
                   headers={"Authorization": "Bearer " + E["OPENAI_API_KEY"]},
                   json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "echo json"}]})
    assert r.status_code == 200
"""
PREVIOUS = "meta:\n  format: 1\n  origin: recorded\ninteractions: []\n"


def test_a_recording_the_scan_still_finds_a_secret_in_is_not_written(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pattern that matches the redaction marker itself: no scrubbing can satisfy it, the write-time
    # scan still finds it, so the cassette is refused (and the previous one kept), naming the field.
    pytester.makeini(INI + "llm_cassettes_secret_patterns =\n    DACTED\n")
    pytester.makepyfile(test_closed=FAIL_CLOSED_TESTS)
    cassette = pytester.path / "cassettes" / "test_closed.py" / "test_echo.yaml"
    cassette.parent.mkdir(parents=True)
    cassette.write_text(PREVIOUS)
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    with EchoServer() as server:
        for name, value in {**server.env(), "OPENAI_API_KEY": PLANTED["OPENAI_API_KEY"]}.items():
            monkeypatch.setenv(name, value)
        result = pytester.runpytest("--real-api", "--rate-delay", "0", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str()
    assert "not written: a secret is still there after scrubbing" in output, output
    assert "interactions[0].response.body.json.choices[0].message.content: custom-pattern" in output, output
    assert cassette.read_text() == PREVIOUS
    assert PLANTED["OPENAI_API_KEY"] not in output
