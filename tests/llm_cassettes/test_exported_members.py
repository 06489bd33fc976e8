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
    lazy = set(llm_cassettes._LAZY)  # imported on first use (the emulator), then a plain attribute
    assert set(llm_cassettes.__all__) == exported | lazy
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


def test_the_emulator_is_not_imported_with_the_plugin_but_is_there_when_asked_for() -> None:
    import subprocess
    import sys

    script = (
        "import sys, llm_cassettes.pytest_plugin\n"
        "print('llm_cassettes.synthetic.emulator' in sys.modules)\n"
        "from llm_cassettes import Emulator\n"
        "print(Emulator.__name__, 'Emulator' in dir(__import__('llm_cassettes')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "Emulator", "True"], done.stderr
