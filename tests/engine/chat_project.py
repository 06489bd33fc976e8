"""A pytester project whose tests talk to the emulator with plain httpx (no litellm import: fast).

``chat("What is 2+3?")`` posts an OpenAI chat request to ``$OPENAI_API_BASE``; the emulator answers the
sum, so every recorded answer says which request, and which test, it belongs to.
"""

from __future__ import annotations

import pytest

CHAT_CONFTEST = """
import os

import httpx
import pytest

# One client for the run, as applications keep theirs: a client per call would load the CA bundle
# each time (about 20 ms), which is most of what a small project's run costs.
CLIENT = httpx.Client(timeout=30)


@pytest.fixture
def chat():
    def ask(prompt):
        response = CLIENT.post(
            os.environ["OPENAI_API_BASE"] + "/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]},
            headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]},
        )
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    return ask
"""


def chat_project(project: pytest.Pytester, files: dict[str, str]) -> pytest.Pytester:
    """``files`` (relative path -> source) next to the chat fixture's conftest."""
    (project.path / "conftest.py").write_text(CHAT_CONFTEST, encoding="utf-8")
    for name, text in files.items():
        target = project.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return project
