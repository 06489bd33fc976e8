"""Shared setup for plugin-level tests that run pytest projects in-process with pytester."""

import asyncio
import importlib.metadata
import sys
from pathlib import Path

import pytest

from llm_cassettes.synthetic.emulator import Emulator


@pytest.fixture(scope="session", autouse=True)
def warm_client_imports() -> None:
    """Import every module the client touches before pytester snapshots ``sys.modules``.

    An in-process pytester run drops modules first imported inside it; litellm imports lazily during
    its first calls, and dropping those leaves the outer process unable to read package metadata.
    """
    import ttt

    mp = pytest.MonkeyPatch()
    with Emulator() as emulator:
        for name, value in emulator.env().items():
            mp.setenv(name, value)
        for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"):
            mp.setenv(name, "warm-up")
        for model in ("gpt-4o-mini", "claude", "openrouter/openai/gpt-4o-mini"):
            ttt.ask("What is 2+2?", model=model)
            list(ttt.stream("Count from 1 to 3", model=model))

            async def both(model: str = model) -> None:
                await ttt.aask("What is 2+2?", model=model)
                [c async for c in ttt.astream("Count from 1 to 3", model=model)]

            asyncio.run(both())
    mp.undo()
    importlib.metadata.version("pluggy")


PLANTED_KEYS = {
    "OPENAI_API_KEY": "sk-proj-PLANTEDopenaiKEY0123456789abcdefghij",
    "ANTHROPIC_API_KEY": "sk-ant-api03-PLANTEDanthropicKEY0123456789abcdef",
    "OPENROUTER_API_KEY": "sk-or-v1-PLANTEDopenrouterKEY0123456789abcdef",
}


@pytest.fixture
def project(pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    for name in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENROUTER_API_KEY",
        "OPENAI_API_BASE",
        "ANTHROPIC_API_BASE",
        "OPENROUTER_API_BASE",
        "REAL_API_TESTS",
    ):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("LLM_TEST_OUT", str(out))
    # Tests rewrite a module and run again within the same second; bytecode is validated by the
    # source's mtime (in seconds) and size, so a same-sized edit would import the old code.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    return pytester


def record_against_emulator(project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str):
    with Emulator() as emulator:
        env = emulator.env()
        for name, value in {**env, **PLANTED_KEYS}.items():
            monkeypatch.setenv(name, value)
        result = project.runpytest("--real-api", "--rate-delay", "0", *args)
    for name in (*env, *PLANTED_KEYS):
        monkeypatch.delenv(name, raising=False)
    return result, env
