"""The public API is what ``llm_cassettes.__all__`` says, no more and no less (as httpx guards its own)."""

from __future__ import annotations

import types

import llm_cassettes
from llm_cassettes import errors


def test_all_lists_exactly_the_public_names() -> None:
    exported = {
        name
        for name, value in vars(llm_cassettes).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(llm_cassettes.__all__) == exported
    assert len(llm_cassettes.__all__) == len(set(llm_cassettes.__all__))


def test_every_entry_exists() -> None:
    for name in llm_cassettes.__all__:
        assert hasattr(llm_cassettes, name), name


def test_every_error_derives_from_the_root_except_the_replay_miss() -> None:
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == errors.__name__
    ]
    for cls in classes:
        if cls is errors.CassetteMiss:
            assert not issubclass(cls, Exception)  # clients must not be able to swallow it
        else:
            assert issubclass(cls, errors.LLMCassettesError), cls
    assert set(errors.ANY_ERROR) == {errors.LLMCassettesError, errors.CassetteMiss}
