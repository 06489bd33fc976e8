"""Keyless replay from the first import, and nothing left behind when the run ends.

The placeholders go in before the first conftest.py is imported (a client built there must find a key)
and come out when the run ends, also when that conftest fails to import; a key the user did set is
never replaced; recording runs (``--real-api``) set none, so the real ones are needed.
"""

from __future__ import annotations

import os

import pytest

# One xdist worker runs every SDK project: each worker would otherwise import both SDKs (seconds).
pytestmark = pytest.mark.xdist_group("sdk")


CAPTURING_CONFTEST = """
import os
import pytest

AT_IMPORT = {name: os.environ.get(name) for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")}


@pytest.fixture
def keys_at_import():
    return AT_IMPORT
"""

CHECKS = """
import openai


def test_keys_seen_while_conftest_was_imported(keys_at_import):
    assert keys_at_import["OPENAI_API_KEY"] == "sk-user-own-key"
    assert keys_at_import["ANTHROPIC_API_KEY"] == "llm-cassettes-placeholder"
    assert openai.OpenAI().api_key == "sk-user-own-key"
"""


def test_a_key_the_user_set_is_kept_and_the_others_are_placeholders(sdk_project, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-own-key")
    sdk_project.makeconftest(CAPTURING_CONFTEST)
    sdk_project.makepyfile(test_keys=CHECKS)
    sdk_project.runpytest().assert_outcomes(passed=1)
    assert os.environ["OPENAI_API_KEY"] == "sk-user-own-key"
    assert "ANTHROPIC_API_KEY" not in os.environ


def test_placeholders_are_removed_when_a_conftest_fails_to_import(sdk_project):
    sdk_project.makeconftest("raise RuntimeError('this conftest is broken')\n")
    sdk_project.makepyfile(test_nothing="def test_never_runs():\n    pass\n")
    result = sdk_project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "OPENAI_API_KEY" not in os.environ and "ANTHROPIC_API_KEY" not in os.environ


def test_recording_sets_no_placeholder(sdk_project):
    sdk_project.makeconftest(CAPTURING_CONFTEST)
    sdk_project.makepyfile(
        test_keys="""
def test_no_key_appears(keys_at_import):
    assert keys_at_import == {"OPENAI_API_KEY": None, "ANTHROPIC_API_KEY": None}
"""
    )
    sdk_project.runpytest("--real-api").assert_outcomes(passed=1)
