"""Every test its own cassette: tests that used to share a file record and replay apart.

The pairs users ran into: same file name in two folders, ids that differ only in characters a
file name cannot hold or only in case, nested classes of one name, a 300-character id. Each test asks
its own sum, so a cassette that belonged to another test would answer the wrong number on replay.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_cassettes.cassette import load
from llm_cassettes.recording.identity import MAX_NAME_BYTES, cassette_relpath

from .chat_project import chat_project
from .conftest import record_against_emulator

KEY_ID = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9n"
LONG_ID = "x" * 300
CASES = ["a/b", "a-b", 'w:*?"<>|', "w-------", "Model", "model", LONG_ID, KEY_ID]

SAME_NAME = """
import pytest

@pytest.mark.llm(provider="openai")
def test_basic(chat):
    assert chat("What is {n}+1000?") == "{answer}"
"""

IDS = f"""
import pytest

CASES = {CASES!r}

@pytest.mark.llm(provider="openai")
@pytest.mark.parametrize("case", [pytest.param(case, id=case) for case in CASES])
def test_x(chat, case):
    n = CASES.index(case)
    assert chat(f"What is {{n}}+100?") == str(n + 100)


class TestOuter1:
    class TestInner:
        @pytest.mark.llm(provider="openai")
        def test_nested(self, chat):
            assert chat("What is 1+200?") == "201"


class TestOuter2:
    class TestInner:
        @pytest.mark.llm(provider="openai")
        def test_nested(self, chat):
            assert chat("What is 2+200?") == "202"
"""

NODE_IDS = [
    "tests/a/test_same.py::test_basic",
    "tests/b/test_same.py::test_basic",
    *(f"tests/test_ids.py::test_x[{case}]" for case in CASES),
    "tests/test_ids.py::TestOuter1::TestInner::test_nested",
    "tests/test_ids.py::TestOuter2::TestInner::test_nested",
]


def _colliding_project(project: pytest.Pytester) -> pytest.Pytester:
    return chat_project(
        project,
        {
            "tests/__init__.py": "",
            "tests/a/__init__.py": "",
            "tests/b/__init__.py": "",
            "tests/a/test_same.py": SAME_NAME.format(n=1, answer=1001),
            "tests/b/test_same.py": SAME_NAME.format(n=2, answer=1002),
            "tests/test_ids.py": IDS,
        },
    )


def test_tests_that_shared_a_cassette_record_and_replay_their_own(project, monkeypatch) -> None:
    _colliding_project(project)
    recorded, env = record_against_emulator(project, monkeypatch)
    recorded.assert_outcomes(passed=len(NODE_IDS))

    cassette_dir = project.path / "cassettes"
    written = sorted(p.relative_to(cassette_dir) for p in cassette_dir.rglob("*.yaml"))
    expected = sorted(Path(cassette_relpath(nodeid)) for nodeid in NODE_IDS)
    assert written == expected  # one file per test: nothing shared, nothing overwritten
    assert len({str(p).casefold() for p in written}) == len(NODE_IDS)  # also on macOS and Windows
    assert Path("tests/a/test_same.py/test_basic.yaml") in written
    assert Path("tests/test_ids.py/TestOuter1.TestInner.test_nested.yaml") in written
    assert Path("tests/test_ids.py/test_x[a-b].yaml") in written  # a safe id stays as it is
    for path in written:
        assert len(path.name.encode()) <= MAX_NAME_BYTES
        assert KEY_ID not in str(path) and KEY_ID[8:] not in str(path)
        cassette = load(cassette_dir / path)
        assert cassette.meta["interactions"] == len(cassette.interactions) == 1
    for file in cassette_dir.rglob("*"):
        if file.is_file():
            assert KEY_ID.encode() not in file.read_bytes()

    # Offline: emulator stopped, placeholder keys; each test must get its own answer back.
    monkeypatch.setenv("OPENAI_API_BASE", env["OPENAI_API_BASE"])
    replayed = project.runpytest()
    replayed.assert_outcomes(passed=len(NODE_IDS))


@pytest.mark.parametrize(
    ("source", "first", "second"),
    [
        (
            """
import pytest

class TestAPI:
    @pytest.mark.llm(provider="openai")
    def test_x(self):
        pass

class TestApi:
    @pytest.mark.llm(provider="openai")
    def test_x(self):
        pass
""",
            "test_clash.py::TestAPI::test_x",
            "test_clash.py::TestApi::test_x",
        ),
        (
            """
import pytest

@pytest.mark.llm(provider="openai", cassette="shared")
def test_one():
    pass

@pytest.mark.llm(provider="openai", cassette="shared")
def test_two():
    pass
""",
            "test_clash.py::test_one",
            "test_clash.py::test_two",
        ),
    ],
    ids=["case-only", "same-cassette-name"],
)
def test_tests_that_would_still_share_a_file_fail_the_collection_naming_both(
    project, source: str, first: str, second: str
) -> None:
    project.makepyfile(test_clash=source, test_other="def test_unrelated():\n    pass\n")
    for args in ((), ("--collect-only",), ("-k", "test_unrelated")):
        result = project.runpytest(*args)
        text = result.stdout.str()
        assert result.ret == pytest.ExitCode.INTERRUPTED, text  # as for a module that does not import
        assert "ERROR collecting test_clash.py" in text and "1 error during collection" in text
        assert first in text and second in text
        assert "cassettes/test_clash.py/" in text and "fix:" in text
        assert "Traceback" not in text
        assert "passed" not in text  # nothing ran, not even the unrelated test
