"""Harness of the interop suite: an SDK project recorded against the fake provider, then replayed offline.

Each SDK gets one pytester project with many tests inside, run in-process twice: once recording
(``--real-api``, the SDKs pointed at the loopback fake through ``OPENAI_BASE_URL`` / ``ANTHROPIC_BASE_URL``,
key-shaped keys planted) and once replaying with every provider variable removed, so the SDKs aim at
the real hosts, hold no key, and only the cassettes can answer. Each inner test writes what its client
saw (the parsed responses, request ids, headers) under ``$LLM_TEST_OUT``; the outer test compares the
two runs.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .fake_provider import FakeProvider

# Every variable through which a provider SDK, litellm or ttt finds a key, an account or a base URL.
PROVIDER_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_ADMIN_KEY",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_CUSTOM_HEADERS",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_BASE",
    "ANTHROPIC_CUSTOM_HEADERS",
    "ANTHROPIC_PROFILE",
    "OPENROUTER_API_KEY",
    "OPENROUTER_API_BASE",
    "OPENROUTER_BASE_URL",
    "REAL_API_TESTS",
)

# Key-shaped but fake: the recording must never write them anywhere.
PLANTED_KEYS = {
    "OPENAI_API_KEY": "sk-proj-INTEROPopenaiKEY0123456789abcdefghij",
    "ANTHROPIC_API_KEY": "sk-ant-api03-INTEROPanthropicKEY0123456789abcdef",
}

INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

# Shared by the inner projects: `keep(name, value)` stores what the client saw, for the outer comparison.
KEEP_CONFTEST = """
import json, os, pathlib
import pytest


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        data = value.model_dump(mode="json")
        request_id = getattr(value, "_request_id", None)
        if request_id is not None or hasattr(value, "_request_id"):
            data["_request_id"] = request_id
        return data
    return value


@pytest.fixture
def keep(request):
    def keep(value, name=None):
        out = pathlib.Path(os.environ["LLM_TEST_OUT"])
        path = out / f"{name or request.node.name}.json"
        path.write_text(json.dumps(_plain(value), sort_keys=True, indent=1))
    return keep
"""


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[FakeProvider]:
    with FakeProvider() as fake:
        yield fake


@pytest.fixture(scope="session")
def warm_sdk_imports(fake_provider: FakeProvider) -> None:
    """Import what the SDKs load lazily before pytester snapshots ``sys.modules``.

    An in-process pytester run drops the modules first imported inside it, so every run would pay the
    SDKs' import again (and lose state the outer process shares with them).
    """
    import anthropic
    import openai

    oa = openai.OpenAI(api_key="warm-up", base_url=fake_provider.url + "/v1")
    messages = [{"role": "user", "content": "warm up"}]
    oa.chat.completions.create(model="gpt-4o-mini", messages=messages)
    list(oa.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True))
    oa.embeddings.create(model="text-embedding-3-small", input="warm up")
    oa.files.create(file=("w.txt", b"w", "text/plain"), purpose="assistants")
    oa.audio.transcriptions.create(model="whisper-1", file=("w.wav", b"RIFF", "audio/wav"))
    an = anthropic.Anthropic(api_key="warm-up", base_url=fake_provider.url)
    an.messages.create(model="claude-haiku-4-5", max_tokens=10, messages=messages)
    with an.messages.stream(model="claude-haiku-4-5", max_tokens=10, messages=messages) as stream:
        stream.get_final_message()

    async def both() -> None:
        aoa = openai.AsyncOpenAI(api_key="warm-up", base_url=fake_provider.url + "/v1")
        await aoa.chat.completions.create(model="gpt-4o-mini", messages=messages)
        http_client = openai.DefaultAioHttpClient()
        async with openai.AsyncOpenAI(api_key="w", base_url=aoa.base_url, http_client=http_client) as aio:
            await aio.chat.completions.create(model="gpt-4o-mini", messages=messages)
        aan = anthropic.AsyncAnthropic(api_key="warm-up", base_url=fake_provider.url)
        async with aan.messages.stream(model="claude-haiku-4-5", max_tokens=10, messages=messages) as s:
            await s.get_final_message()

    asyncio.run(both())


def clear_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sdk_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, warm_sdk_imports: None
) -> pytest.Pytester:
    pytester.makeini(INI)
    clear_provider_env(monkeypatch)
    return pytester


@dataclass
class RoundTrip:
    recorded: pytest.RunResult
    replayed: pytest.RunResult
    recorded_out: dict[str, object]
    replayed_out: dict[str, object]
    cassettes: list[Path]
    requests_during_replay: int
    env_after_replay: dict[str, str | None]

    def problems(self, expected_tests: int) -> list[str]:
        """Everything that went wrong, in both runs, so one failure report shows all of it."""
        lines = [*_run_problems("recording", self.recorded, expected_tests)]
        lines += _run_problems("replay", self.replayed, expected_tests)
        if self.requests_during_replay:
            lines.append(f"replay: {self.requests_during_replay} request(s) reached the fake provider")
        for name in sorted(set(self.recorded_out) | set(self.replayed_out)):
            before, after = self.recorded_out.get(name), self.replayed_out.get(name)
            if before != after:
                lines.append(
                    f"{name}: replay differs\n    recorded: {_short(before)}\n    replayed: {_short(after)}"
                )
        return lines


def _run_problems(label: str, result: pytest.RunResult, expected_tests: int) -> list[str]:
    """One line per inner test that did not pass, with the last error line of its report."""
    listoutcomes = getattr(result.reprec, "listoutcomes", None)  # type: ignore[attr-defined]
    if listoutcomes is None:  # the run died before collecting (e.g. a conftest that cannot be imported)
        errors = [ln.strip() for ln in result.outlines + result.errlines if ln.lstrip().startswith("E ")]
        return [f"{label}: no test ran, exit {result.ret}: {errors[-2:]}"]
    passed, skipped, failed = listoutcomes()
    lines = []
    for report in [*failed, *skipped]:
        text = report.longreprtext.strip()
        # A replay miss report starts with its headline; a traceback ends with its error line.
        errors = [ln for ln in text.splitlines() if ln.startswith("E ")] or [
            text.splitlines()[0] if text else "?"
        ]
        lines.append(f"{label}: {report.nodeid} {report.outcome} ({report.when}): {errors[-1][:300]}")
    if len(passed) != expected_tests and not lines:
        errors = [ln for ln in result.outlines + result.errlines if ln.startswith(("E ", "ERROR"))]
        lines.append(
            f"{label}: {len(passed)} of {expected_tests} tests passed, exit {result.ret}: {errors[-3:]}"
        )
    return lines


def _short(value: object, limit: int = 400) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def _outputs(out: Path) -> dict[str, object]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}


def record_and_replay(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fake: FakeProvider, *args: str
) -> RoundTrip:
    """Record the project against ``fake`` (keys planted), then replay it with no provider variable set."""
    record_out, replay_out = project.path / "out-record", project.path / "out-replay"
    record_out.mkdir()
    replay_out.mkdir()
    for name, value in {**fake.env(), **PLANTED_KEYS}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LLM_TEST_OUT", str(record_out))
    recorded = project.runpytest("--real-api", "--rate-delay", "0", *args)
    clear_provider_env(monkeypatch)
    monkeypatch.setenv("LLM_TEST_OUT", str(replay_out))
    before = len(fake.requests)
    replayed = project.runpytest(*args)
    return RoundTrip(
        recorded=recorded,
        replayed=replayed,
        recorded_out=_outputs(record_out),
        replayed_out=_outputs(replay_out),
        cassettes=sorted((project.path / "cassettes").rglob("*.yaml")),
        requests_during_replay=len(fake.requests) - before,
        env_after_replay={name: os.environ.get(name) for name in PROVIDER_VARIABLES},
    )
