"""Shared by reliability tests: throw-away pytest projects run as real subprocesses.

The projects' tests call the loopback emulator with plain ``httpx`` (through the plugin's interception,
exactly like a client would) instead of ``ttt``: importing litellm costs ~10 s per process, and these
tests start many processes (kills, xdist workers). What is under test is the engine, not the client.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENAI_API_BASE",
    "ANTHROPIC_API_BASE",
    "OPENROUTER_API_BASE",
    "REAL_API_TESTS",
    "PYTEST_ADDOPTS",
    "PYTEST_XDIST_WORKER",
)

# Key-shaped but fake: recording must never write them anywhere.
PLANTED_KEYS = {
    "OPENAI_API_KEY": "sk-proj-RELIABILITYopenaiKEY0123456789abcdefghij",
    "ANTHROPIC_API_KEY": "sk-ant-api03-RELIABILITYanthropicKEY0123456789abcdef",
    "OPENROUTER_API_KEY": "sk-or-v1-RELIABILITYopenrouterKEY0123456789abcdef",
}

INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

# An OpenAI-shaped chat call; the emulator's responder answers "What is N+M?" with the sum.
CHAT_HELPER = """
import os
import httpx

# One client for the run, as applications keep theirs (a client per call loads the CA bundle each time).
CLIENT = httpx.Client(timeout=30)

def chat(prompt, *, stream=False):
    response = CLIENT.post(
        os.environ["OPENAI_API_BASE"] + "/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}], "stream": stream},
        headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]},
    )
    response.raise_for_status()
    if stream:
        return response.text
    return response.json()["choices"][0]["message"]["content"]
"""


def make_project(root: Path, files: dict[str, str], ini_extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text(INI + ini_extra, encoding="utf-8")
    (root / "chat_helper.py").write_text(CHAT_HELPER, encoding="utf-8")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def project_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a project run: nothing inherited that changes modes, keys or base URLs."""
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["PYTHONPATH"] = ""  # the project dir is rootdir; chat_helper is found through rootdir/sys.path
    env.update(extra or {})
    return env


def pytest_argv(*args: str) -> list[str]:
    # Hypothesis' pytest plugin costs ~0.5 s per process (and per xdist worker); no project uses it.
    plugins_off = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    return [sys.executable, "-m", "pytest", *plugins_off, "-q", *args]


# Python leaves SIGINT ignored when it starts with it ignored, as under a shell without job control
# (a CI step run in the background); a child that is to be stopped with Ctrl-C takes it back first.
INTERRUPTIBLE = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "import pytest; sys.exit(pytest.console_main())"
)


def interruptible_pytest_argv(*args: str) -> list[str]:
    """:func:`pytest_argv`, for a child that must stop on SIGINT whatever this process inherited."""
    return [sys.executable, "-c", INTERRUPTIBLE, *pytest_argv(*args)[3:]]


def run_project(project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        pytest_argv(*args),
        cwd=project,
        env=project_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cassettes_under(project: Path) -> list[Path]:
    return sorted((project / "cassettes").rglob("*.yaml"))


def all_files_bytes(project: Path) -> bytes:
    """Every byte the recording could have written: cassettes, temp files, reports, caches."""
    return b"".join(p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file() and p.suffix != ".py")
