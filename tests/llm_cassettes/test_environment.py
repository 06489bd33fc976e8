"""The fast environment reader: live values, None for unset names, the same answers as os.environ."""

from __future__ import annotations

import os

import pytest

from llm_cassettes import environment


def test_values_are_read_live_and_unset_names_are_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLM_CASSETTES_TEST_A", raising=False)
    monkeypatch.setenv("LLM_CASSETTES_TEST_B", "é b")
    read = environment.reader(("LLM_CASSETTES_TEST_A", "LLM_CASSETTES_TEST_B"))
    assert read() == (None, "é b")
    monkeypatch.setenv("LLM_CASSETTES_TEST_A", "")  # set later, and empty: not the same as unset
    monkeypatch.delenv("LLM_CASSETTES_TEST_B")
    assert read() == ("", None)
    assert read() == tuple(os.environ.get(name) for name in ("LLM_CASSETTES_TEST_A", "LLM_CASSETTES_TEST_B"))
