"""The cassette path of a test: injective in its node id, safe on every file system, readable."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_cassettes.recording.identity import (
    MAX_NAME_BYTES,
    NodeParts,
    cassette_relpath,
    collision_key,
    collisions,
    describe_collisions,
    legacy_relpath,
)

# Pairs that users ran into: each pair shared one cassette file before paths came from the node id.
COLLIDING_PAIRS = [
    ("tests/a/test_same.py::test_basic", "tests/b/test_same.py::test_basic"),
    ("t/test_x.py::test_x[a/b]", "t/test_x.py::test_x[a-b]"),
    ('t/test_x.py::test_x[w:*?"<>|]', "t/test_x.py::test_x[w-------]"),
    ("t/test_x.py::TestOuter1::TestInner::test_nested", "t/test_x.py::TestOuter2::TestInner::test_nested"),
    ("t/test_x.py::test_x[Model]", "t/test_x.py::test_x[model]"),
    ("t/test_x.py::test_x[MODEL]", "t/test_x.py::test_x[Model]"),
    ("t/test_x.py::test_x[" + "x" * 300 + "]", "t/test_x.py::test_x[" + "x" * 299 + "y]"),
    ("t/test_x.py::test_x[a b]", "t/test_x.py::test_x[a-b]"),
    ("t/test_x.py::test_x[a::b]", "t/test_x.py::test_x[a--b]"),
]


@pytest.mark.parametrize(("first", "second"), COLLIDING_PAIRS)
def test_tests_that_shared_a_file_get_files_distinct_even_ignoring_case(first: str, second: str) -> None:
    a, b = cassette_relpath(first), cassette_relpath(second)
    assert collision_key(a) != collision_key(b), (a, b)
    assert not collisions([(first, a), (second, b)])


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        (
            "tests/integration/test_basics.py::test_what_is_two_plus_two[openai]",
            "tests/integration/test_basics.py/test_what_is_two_plus_two[openai].yaml",
        ),
        (
            "tests/integration/test_errors.py::test_unknown_model_raises_model_not_found[claude-does-not-exist-1]",
            "tests/integration/test_errors.py/test_unknown_model_raises_model_not_found[claude-does-not-exist-1].yaml",
        ),
        ("tests/test_m.py::test_x[gpt-4o-mini]", "tests/test_m.py/test_x[gpt-4o-mini].yaml"),
        ("tests/test_m.py::test_x[1.5-2,3]", "tests/test_m.py/test_x[1.5-2,3].yaml"),
        ("test_m.py::test_plain", "test_m.py/test_plain.yaml"),
        ("t/test_m.py::TestOuter::TestInner::test_x[a]", "t/test_m.py/TestOuter.TestInner.test_x[a].yaml"),
    ],
)
def test_common_names_stay_readable_and_unhashed(nodeid: str, expected: str) -> None:
    assert cassette_relpath(nodeid) == PurePosixPath(expected)


def test_a_changed_id_keeps_its_readable_part_and_a_hash_of_the_original() -> None:
    path = cassette_relpath("t/test_x.py::test_x[a/b]")
    assert path.parent == PurePosixPath("t/test_x.py")
    assert path.name.startswith("test_x[a-b]~") and path.name.endswith(".yaml")
    assert path != cassette_relpath("t/test_x.py::test_x[a\\b]")  # same readable part, other hash
    assert cassette_relpath("t/test_x.py::test_x[a/b]") == path  # a function: stable across calls


def test_a_300_character_id_fits_the_file_name_limit() -> None:
    path = cassette_relpath("t/test_x.py::test_long[" + "x" * 300 + "]")
    assert len(path.name.encode()) <= MAX_NAME_BYTES < 255
    assert path.name.startswith("test_long[xxxx")
    assert "~" in path.name and path.suffix == ".yaml"


def test_key_shaped_ids_never_reach_the_file_name() -> None:
    key = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9n"
    path = cassette_relpath(f"t/test_x.py::test_key[{key}]")
    assert key not in str(path) and key[8:] not in str(path)
    assert "REDACTED" in path.name
    custom = cassette_relpath("t/test_x.py::test_key", custom_name=f"with-{key}")
    assert key not in str(custom)


def test_marker_cassette_name_replaces_the_test_name_and_keeps_file_and_classes() -> None:
    assert cassette_relpath("t/test_x.py::TestA::test_b[1]", custom_name="shared-flow") == PurePosixPath(
        "t/test_x.py/TestA.shared-flow.yaml"
    )
    assert "/" not in cassette_relpath("t/test_x.py::test_b", custom_name="a/b").name


def test_windows_reserved_names_and_parent_folders_are_made_safe() -> None:
    assert cassette_relpath("t/test_x.py::test_b", custom_name="con").name != "con.yaml"
    outside = cassette_relpath("../other/test_x.py::test_b")
    assert ".." not in outside.parts


def test_remaining_collisions_are_named_with_both_tests() -> None:
    paths = [
        ("t/test_x.py::TestAPI::test_x", cassette_relpath("t/test_x.py::TestAPI::test_x")),
        ("t/test_x.py::TestApi::test_x", cassette_relpath("t/test_x.py::TestApi::test_x")),
        ("t/test_x.py::test_y", cassette_relpath("t/test_x.py::test_y")),
    ]
    groups = collisions(paths)
    assert [[nodeid for nodeid, _ in group] for group in groups] == [
        ["t/test_x.py::TestAPI::test_x", "t/test_x.py::TestApi::test_x"]
    ]
    message = describe_collisions(groups, "cassettes")
    assert "t/test_x.py::TestAPI::test_x" in message and "t/test_x.py::TestApi::test_x" in message
    assert "cassettes/t/test_x.py/TestAPI.test_x.yaml" in message
    assert "differ only in case" in message and "fix:" in message
    # One test listed twice (pytest --keep-duplicates) is not a collision.
    assert not collisions([paths[2], paths[2]])


def test_node_ids_parse_with_ids_holding_separators_and_brackets() -> None:
    parts = NodeParts.from_nodeid("tests/a/test_x.py::TestA::TestB::test_c[x::y[1]]")
    assert parts == NodeParts(("tests", "a", "test_x.py"), ("TestA", "TestB"), "test_c", "x::y[1]")
    assert parts.test_part == "TestA::TestB::test_c[x::y[1]]"
    with pytest.raises(ValueError, match="not a test node id"):
        NodeParts.from_nodeid("tests/a/test_x.py")


def test_legacy_path_is_the_layout_before_the_file_path_was_kept() -> None:
    # What llm-cassettes wrote before: module stem, innermost class, pytest-recording's replacements.
    assert legacy_relpath("tests/integration/test_basics.py::test_x[openai]") == PurePosixPath(
        "test_basics/test_x[openai].yaml"
    )
    assert legacy_relpath("t/test_m.py::TestOuter::TestInner::test_x[a/b]") == PurePosixPath(
        "test_m/TestInner.test_x[a-b].yaml"
    )
    assert legacy_relpath("t/test_m.py::TestA::test_x", custom_name="shared") == PurePosixPath(
        "test_m/TestA.shared.yaml"
    )


_ID_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(first=_ID_TEXT, second=_ID_TEXT)
def test_different_ids_never_share_a_file_and_every_name_fits(first: str, second: str) -> None:
    a = cassette_relpath(f"tests/test_x.py::test_x[{first}]")
    b = cassette_relpath(f"tests/test_x.py::test_x[{second}]")
    for path in (a, b):
        assert len(path.name.encode()) <= MAX_NAME_BYTES
        assert path.parent == PurePosixPath("tests/test_x.py")
        assert not any(c in path.name for c in '/\\:*?"<>|\x00')
    if first != second:
        assert collision_key(a) != collision_key(b), (first, second, a)


def test_the_projects_own_secret_patterns_are_redacted_from_names_too() -> None:
    from functools import partial

    from llm_cassettes.recording.identity import redact_secrets
    from llm_cassettes.settings import Settings

    redact = partial(redact_secrets, settings=Settings(secret_patterns=[r"acme-[0-9]{6}"]))
    path = cassette_relpath("t/test_x.py::test_token[acme-123456]", redact=redact)
    assert "123456" not in str(path) and "REDACTED" in path.name
    assert "acme-123456" in str(cassette_relpath("t/test_x.py::test_token[acme-123456]"))  # not a default
