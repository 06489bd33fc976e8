"""``llm-cassettes migrate``: cassettes of the old layout move to the node-id paths, content unchanged.

The old layout was ``cassettes/<module stem>/<innermost class>.<name>.yaml``: two ``test_same.py`` in
different folders shared a file, so did nested classes of one name. The project is recorded with the
current layout, turned back into the old one (as an older llm-cassettes left it: no interaction
count, the shared file holding whichever test was saved last), then migrated and replayed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_cassettes import cli
from llm_cassettes.cassette import load
from llm_cassettes.recording.identity import cassette_relpath, legacy_relpath

from .chat_project import chat_project
from .conftest import record_against_emulator

SAME = """
import pytest

@pytest.mark.llm(provider="openai")
def test_basic(chat):
    assert chat("What is {n}+1000?") == "{answer}"
"""

MODULE = """
import pytest

class TestGroup:
    class TestInner:
        @pytest.mark.llm(provider="openai")
        def test_nested(self, chat):
            assert chat("What is 1+2000?") == "2001"

@pytest.mark.llm(provider="openai")
@pytest.mark.parametrize("case", ["a/b", "plain"])
def test_param(chat, case):
    assert chat(f"What is {len(case)}+3000?") == str(len(case) + 3000)

@pytest.mark.llm(provider="openai", cassette="custom_name")
def test_custom(chat):
    assert chat("What is 4+4000?") == "4004"
"""

CUSTOM = {"tests/test_m.py::test_custom": "custom_name"}


def _project(project: pytest.Pytester) -> Path:
    return chat_project(
        project,
        {
            "tests/__init__.py": "",
            "tests/a/__init__.py": "",
            "tests/b/__init__.py": "",
            "tests/a/test_same.py": SAME.format(n=1, answer=1001),
            "tests/b/test_same.py": SAME.format(n=2, answer=1002),
            "tests/test_m.py": MODULE,
        },
    ).path


def _to_legacy_layout(cassette_dir: Path) -> dict[Path, bytes]:
    """Move every cassette where the old plugin kept it and drop the count it did not write."""
    legacy: dict[Path, bytes] = {}
    for path in sorted(cassette_dir.rglob("*.yaml")):
        nodeid = load(path).meta["test"]
        text = path.read_bytes()
        count_line = f"  interactions: {load(path).meta['interactions']}\n".encode()
        assert text.count(count_line) == 1
        old = cassette_dir / legacy_relpath(nodeid, CUSTOM.get(nodeid))
        legacy[old] = text.replace(count_line, b"", 1)  # tests/b/ sorts last: it wins the shared file
        path.unlink()
    for old, text in legacy.items():
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_bytes(text)
    for folder in sorted(cassette_dir.rglob("*"), key=lambda p: -len(p.parts)):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return legacy


def _tree(cassette_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(cassette_dir)): p.read_bytes() for p in cassette_dir.rglob("*") if p.is_file()}


@pytest.mark.slow  # migrate collects the tests in a pytest subprocess, three times
def test_migrate_moves_old_cassettes_to_their_tests_paths_unchanged(project, monkeypatch, capsys) -> None:
    root = _project(project)
    cassette_dir = root / "cassettes"
    record, env = record_against_emulator(project, monkeypatch)
    record.assert_outcomes(passed=6)
    legacy = _to_legacy_layout(cassette_dir)
    assert (cassette_dir / "test_same" / "test_basic.yaml") in legacy  # the file the two tests shared
    assert (cassette_dir / "test_m" / "TestInner.test_nested.yaml") in legacy
    before = _tree(cassette_dir)
    monkeypatch.chdir(root)

    # Dry run: the moves are listed, nothing changes.
    assert cli.main(["migrate"]) == 1
    out = capsys.readouterr().out
    assert "cassettes/test_same/test_basic.yaml -> cassettes/tests/b/test_same.py/test_basic.yaml" in out
    assert "cassettes/test_m/test_param[a-b].yaml -> cassettes/tests/test_m.py/test_param[a-b]~" in out
    assert "cassettes/test_m/custom_name.yaml -> cassettes/tests/test_m.py/custom_name.yaml" in out
    assert "tests/a/test_same.py::test_basic" in out  # has no cassette of its own: the shared one was b's
    assert "--apply" in out
    assert _tree(cassette_dir) == before

    assert cli.main(["migrate", "--apply"]) == 0
    capsys.readouterr()
    after = _tree(cassette_dir)
    moved = {
        nodeid: cassette_relpath(nodeid, CUSTOM.get(nodeid))
        for nodeid in (
            "tests/b/test_same.py::test_basic",
            "tests/test_m.py::TestGroup::TestInner::test_nested",
            "tests/test_m.py::test_param[a/b]",
            "tests/test_m.py::test_param[plain]",
            "tests/test_m.py::test_custom",
        )
    }
    assert sorted(after) == sorted(str(p) for p in moved.values())
    for nodeid, path in moved.items():
        old = before[str(legacy_relpath(nodeid, CUSTOM.get(nodeid)))]
        new = after[str(path)]
        count = f"  interactions: {len(load(cassette_dir / path))}\n".encode()
        # The content is the old file's, byte for byte, plus the one line that records the count.
        assert new.replace(count, b"", 1) == old and new.count(count) == 1
    assert not (cassette_dir / "test_same").exists() and not (cassette_dir / "test_m").exists()

    monkeypatch.setenv("OPENAI_API_BASE", env["OPENAI_API_BASE"])  # emulator stopped: replay only
    replay = project.runpytest("-rf")
    replay.assert_outcomes(passed=5, failed=1)
    assert "FAILED tests/a/test_same.py::test_basic" in replay.stdout.str()  # never had its own cassette

    # Tests that do not collect: nothing is moved, not even a move that is plain (the plan could miss
    # a test whose module failed). Here, an old-layout cassette recorded by tests/a's test_basic:
    waiting = cassette_dir / "test_same" / "test_basic.yaml"
    waiting.parent.mkdir()
    waiting.write_bytes(before["test_same/test_basic.yaml"].replace(b"tests/b/", b"tests/a/"))
    (root / "tests" / "test_broken.py").write_text("def test_x(:\n")
    migrated = _tree(cassette_dir)
    assert cli.main(["migrate", "--apply"]) == 2
    assert "collecting the tests failed" in capsys.readouterr().err
    assert _tree(cassette_dir) == migrated
