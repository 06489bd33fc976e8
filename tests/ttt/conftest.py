"""Fixtures shared by the client's unit tests."""

import litellm
import pytest


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The kwargs of every litellm.completion / acompletion call (still answered, by mock_response)."""
    seen: list[dict] = []
    real, areal = litellm.completion, litellm.acompletion

    def completion(**kw):
        seen.append(kw)
        return real(**kw)

    async def acompletion(**kw):
        seen.append(kw)
        return await areal(**kw)

    monkeypatch.setattr(litellm, "completion", completion)
    monkeypatch.setattr(litellm, "acompletion", acompletion)
    return seen
