"""Shared setup for plugin-level tests that run pytest projects in-process with pytester."""

import asyncio
import importlib.metadata

import pytest

from llm_cassettes.emulator import Emulator


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
