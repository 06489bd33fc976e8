"""What ``llm-cassettes migrate`` plans for a cassette directory, given the collected tests.

The collection itself (a pytest subprocess) is exercised end to end in tests/reliability/test_migrate.py;
here the inventory it would write is built from the same path functions, so every rule of the plan is
checked without starting a process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llm_cassettes.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    dumps,
    load,
    parse,
)
from llm_cassettes.cli.migrate import _apply, make_plan, with_count
from llm_cassettes.recording.identity import cassette_relpath, legacy_relpath

CHAT = "https://api.openai.com/v1/chat/completions"


def _text(test: str, *, counted: bool = False) -> str:
    interaction = Interaction(
        RecordedRequest.from_wire("POST", CHAT, [], b'{"model":"m"}'),
        RecordedResponse.from_wire(200, "OK", [], b"{}"),
    )
    text = dumps(Cassette(meta={"origin": "recorded", "test": test}, interactions=[interaction]))
    return text if counted else text.replace("  interactions: 1\n", "", 1)


def _inventory(root: Path, tests: dict[str, str | None]) -> dict[str, Any]:
    cassettes = root / "cassettes"
    return {
        "rootdir": str(root),
        "cassette_dir": str(cassettes),
        "llm_tests": [
            {
                "test": nodeid,
                "cassette": str(cassettes / cassette_relpath(nodeid, custom)),
                "legacy": str(cassettes / legacy_relpath(nodeid, custom)),
            }
            for nodeid, custom in tests.items()
        ],
        "files": sorted({nodeid.partition("::")[0] for nodeid in tests}),
    }


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / "cassettes" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


A, B = "tests/a/test_same.py::test_basic", "tests/b/test_same.py::test_basic"


def test_a_shared_file_goes_to_the_test_its_meta_names_and_the_other_is_listed(tmp_path: Path) -> None:
    _write(tmp_path, "test_same/test_basic.yaml", _text(B))
    plan = make_plan(_inventory(tmp_path, {A: None, B: None}), tmp_path / "cassettes", tmp_path)
    assert [(old.name, new.relative_to(tmp_path).as_posix()) for old, new, _ in plan.moves] == [
        ("test_basic.yaml", "cassettes/tests/b/test_same.py/test_basic.yaml")
    ]
    assert [new.name for new, _ in plan.counts] == ["test_basic.yaml"]
    assert any(note.startswith(f"no cassette: {A}") and B in note for note in plan.notes)
    assert not plan.conflicts


def test_a_shared_file_no_test_claims_is_a_conflict(tmp_path: Path) -> None:
    _write(tmp_path, "test_same/test_basic.yaml", _text("tests/c/test_same.py::test_basic"))
    plan = make_plan(_inventory(tmp_path, {A: None, B: None}), tmp_path / "cassettes", tmp_path)
    assert not plan.moves and len(plan.conflicts) == 1
    assert A in plan.conflicts[0] and B in plan.conflicts[0] and "by hand" in plan.conflicts[0]


def test_an_existing_target_is_never_overwritten(tmp_path: Path) -> None:
    nodeid = "tests/test_m.py::test_x[a/b]"
    old = _write(tmp_path, "test_m/test_x[a-b].yaml", _text(nodeid))
    new = _write(tmp_path, str(cassette_relpath(nodeid)), _text(nodeid, counted=True).replace("OK", "Fine"))
    before = {p: p.read_bytes() for p in (old, new)}
    plan = make_plan(_inventory(tmp_path, {nodeid: None}), tmp_path / "cassettes", tmp_path)
    assert not plan.moves and "already exists" in plan.conflicts[0]
    _apply(plan, tmp_path / "cassettes")
    assert {p: p.read_bytes() for p in (old, new)} == before


def test_files_no_collected_test_uses_stay_and_uncollected_modules_follow_meta_test(tmp_path: Path) -> None:
    unused = _write(tmp_path, "test_m/test_gone.yaml", _text("tests/test_m.py::test_gone"))
    # tests/test_skipped.py was not collected (an importorskip): its meta.test still says where it goes.
    skipped = "tests/test_skipped.py::test_y[1]"
    elsewhere = _write(tmp_path, str(legacy_relpath(skipped)), _text(skipped))
    plan = make_plan(
        _inventory(tmp_path, {"tests/test_m.py::test_kept": None}), tmp_path / "cassettes", tmp_path
    )
    assert [(old, new) for old, new, _ in plan.moves] == [
        (elsewhere, tmp_path / "cassettes" / cassette_relpath(skipped))
    ]
    assert any(note.startswith("left in place:") and "test_gone.yaml" in note for note in plan.notes)
    assert unused.exists()


def test_applying_moves_bytes_adds_one_line_and_a_second_plan_is_empty(tmp_path: Path) -> None:
    nodeid, custom = "tests/test_m.py::TestA::TestB::test_c", None
    old = _write(tmp_path, str(legacy_relpath(nodeid, custom)), _text(nodeid))
    original = old.read_text()
    inventory = _inventory(tmp_path, {nodeid: custom})
    plan = make_plan(inventory, tmp_path / "cassettes", tmp_path)
    _apply(plan, tmp_path / "cassettes")
    new = tmp_path / "cassettes" / cassette_relpath(nodeid, custom)
    assert new.read_text() == original.replace("  format: 1\n", "  format: 1\n  interactions: 1\n")
    assert not old.exists() and not old.parent.exists()
    again = make_plan(inventory, tmp_path / "cassettes", tmp_path)
    assert again.empty and not again.notes


def test_a_hand_formatted_meta_gets_its_count_by_a_rewrite_that_loads_the_same(tmp_path: Path) -> None:
    text = "meta: {format: 1, origin: recorded}\ninteractions:\n- request: {method: GET, uri: 'https://x'}\n"
    text += "  response: {status: {code: 204}}\n"
    counted = with_count(text, 1, tmp_path / "c.yaml")
    assert parse(counted).meta["interactions"] == 1
    assert load_same(text, counted)


def load_same(a: str, b: str) -> bool:
    from llm_cassettes.cassette import to_document

    return to_document(parse(a)) == to_document(parse(b))


def test_loaded_cassette_helper_reads_what_dumps_wrote(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.yaml", _text("t.py::test_x", counted=True))
    assert load(path).meta["interactions"] == 1
