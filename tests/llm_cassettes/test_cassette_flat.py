"""The flat form a parse pack stores: every cassette of this repository comes back as its parse gave it."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from llm_cassettes.cassette import parse
from llm_cassettes.cassette.flat import flatten, unflatten

CASSETTES = sorted((Path(__file__).parents[2] / "cassettes").rglob("*.yaml"))


def test_there_are_cassettes_of_every_kind_to_check() -> None:
    texts = [path.read_text(encoding="utf-8") for path in CASSETTES]
    assert len(texts) > 20
    assert any("fault:" in text for text in texts) and any("chunks:" in text for text in texts)
    assert any("sse:" in text for text in texts) and any("json:" in text for text in texts)


@pytest.mark.parametrize("path", CASSETTES, ids=lambda path: path.name)
def test_a_cassette_comes_back_equal_with_the_same_bytes(path: Path) -> None:
    parsed = parse(path.read_text(encoding="utf-8"))  # no path: nothing cached
    back = unflatten(marshal.loads(marshal.dumps(flatten(parsed))), path)
    assert back.path == path and back.meta == parsed.meta
    assert back.interactions == parsed.interactions
    for mine, theirs in zip(back.interactions, parsed.interactions, strict=True):
        assert mine.request.body == theirs.request.body
        if theirs.response is not None:
            assert mine.response is not None and mine.response.body == theirs.response.body
