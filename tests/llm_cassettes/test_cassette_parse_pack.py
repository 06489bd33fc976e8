"""The pack of a folder's small cassettes: read once per run, keyed by each text's hash, never trusted.

Each test loads real cassette files through ``load`` (what the plugin does for every test), counts the YAML
parses through the real fast loader (wrapped, not replaced), and ends a "run" with ``parse_pack.flush``.
"""

from __future__ import annotations

import json
import marshal
import os
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from llm_cassettes.cassette import dumps, fast_yaml, load, parse_cache, parse_pack
from llm_cassettes.cassette.model import Cassette, Interaction, RecordedRequest, RecordedResponse

URL = "https://api.openai.com/v1/chat/completions"


def write(folder: Path, name: str, answer: str) -> Path:
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": name}]}).encode()
    reply = json.dumps({"choices": [{"message": {"content": answer}}]}).encode()
    cassette = Cassette(
        meta={"format": 1, "origin": "synthetic"},
        interactions=[
            Interaction(
                RecordedRequest.from_wire("POST", URL, [("content-type", "application/json")], body),
                RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], reply),
            )
        ],
    )
    path = folder / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(cassette), encoding="utf-8")
    return path


def answer(path: Path) -> Any:
    return json.loads(load(path).interactions[0].response.body)["choices"][0]["message"]["content"]  # type: ignore[union-attr]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(parse_cache.CACHE_DIR_ENV, str(directory))
    monkeypatch.delenv(parse_cache.CACHE_MAX_MB_ENV, raising=False)
    parse_pack.flush()  # nothing of an earlier test's run in memory
    yield directory
    parse_pack.flush()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    real = fast_yaml.load

    def counted(text: str) -> Any:
        counts["yaml"] += 1
        return real(text)

    monkeypatch.setattr(fast_yaml, "load", counted)
    return counts


def a_run_loading(folder: Path, text: str) -> Path:
    """A run that loads one cassette (answering ``text``) from ``folder``, then ends."""
    path = write(folder, "t", text)
    answer(path)
    parse_pack.flush()
    return path


def packs(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.pack")) if directory.exists() else []


def test_a_folders_cassettes_are_parsed_in_one_run_and_read_from_one_pack_in_the_next(
    tmp_path: Path, cache_dir: Path, parses: Counter[str]
) -> None:
    paths = [write(tmp_path / "cassettes" / "test_a.py", f"t{n}", f"answer {n}") for n in range(3)]
    assert [answer(p) for p in paths] == ["answer 0", "answer 1", "answer 2"]
    assert parses["yaml"] == 3
    assert packs(cache_dir) == []  # written when the run ends, once
    parse_pack.flush()
    assert len(packs(cache_dir)) == 1
    assert [answer(p) for p in paths] == ["answer 0", "answer 1", "answer 2"]
    assert parses["yaml"] == 3  # the second run parsed no YAML at all


def test_an_edited_cassette_misses_and_its_new_text_decides(
    tmp_path: Path, cache_dir: Path, parses: Counter[str]
) -> None:
    path = a_run_loading(tmp_path / "c", "before")
    write(tmp_path / "c", "t", "after")
    assert answer(path) == "after"
    assert parses["yaml"] == 2


@pytest.mark.parametrize("how", ["truncated", "bit flipped", "garbage", "empty"])
def test_a_damaged_pack_is_ignored_silently_and_replaced(
    tmp_path: Path, cache_dir: Path, parses: Counter[str], how: str
) -> None:
    path = a_run_loading(tmp_path / "c", "kept")
    [pack] = packs(cache_dir)
    data = pack.read_bytes()
    middle = len(data) // 2
    damaged = {
        "truncated": data[:middle],
        "bit flipped": data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :],
        "garbage": os.urandom(len(data)),
        "empty": b"",
    }[how]
    pack.write_bytes(damaged)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert answer(path) == "kept"
    assert parses["yaml"] == 2  # the damaged pack was not used
    parse_pack.flush()
    assert answer(path) == "kept" and parses["yaml"] == 2  # and the rewritten one is


def test_a_pack_with_a_good_checksum_but_foreign_content_is_ignored(
    tmp_path: Path, cache_dir: Path, parses: Counter[str]
) -> None:
    path = a_run_loading(tmp_path / "c", "mine")
    [pack] = packs(cache_dir)
    payload = marshal.dumps({"not": "a pack"})  # another program's file, checksummed the same way
    pack.write_bytes(parse_pack._MAGIC + parse_cache.payload_digest(payload) + payload)
    assert answer(path) == "mine"
    assert parses["yaml"] == 2


@pytest.mark.parametrize(
    "entry",
    [("meta only",), ({"format": 1}, [("GET", "u")]), ({"format": 1}, "not a list"), b"\x00not marshal"],
    ids=["short", "short interaction", "wrong types", "not marshal"],
)
def test_an_entry_that_checks_out_but_is_no_cassette_gives_way_to_the_text(
    tmp_path: Path, cache_dir: Path, parses: Counter[str], entry: Any
) -> None:
    path = a_run_loading(tmp_path / "c", "from the text")
    [pack] = packs(cache_dir)
    digest = parse_pack.text_digest(path.read_text(encoding="utf-8"))
    blob = entry if isinstance(entry, bytes) else marshal.dumps(entry)
    payload = marshal.dumps({digest: blob})  # checksummed as the plugin does: only the entry is wrong
    pack.write_bytes(parse_pack._MAGIC + parse_cache.payload_digest(payload) + payload)
    assert answer(path) == "from the text"
    assert parses["yaml"] == 2


def test_a_pack_of_another_version_is_replaced(tmp_path: Path, cache_dir: Path, parses: Counter[str]) -> None:
    path = a_run_loading(tmp_path / "c", "mine")
    [pack] = packs(cache_dir)
    data = pack.read_bytes()
    pack.write_bytes(b"llm-cassettes-parse-pack 1\n" + data[len(parse_pack._MAGIC) :])
    assert answer(path) == "mine" and parses["yaml"] == 2
    parse_pack.flush()
    assert pack.read_bytes().startswith(parse_pack._MAGIC)


def test_a_loaded_cassette_changed_by_a_test_does_not_change_the_next_load(
    tmp_path: Path, cache_dir: Path
) -> None:
    path = a_run_loading(tmp_path / "c", "original")
    first = load(path)
    first.interactions[0].request.json["messages"][0]["content"] = "changed by a test"
    second = load(path)
    assert second.interactions[0].request.json["messages"][0]["content"] == "t"


def test_a_disabled_cache_writes_no_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parse_cache.CACHE_DIR_ENV, "")
    path = write(tmp_path / "c", "t", "x")
    answer(path)
    parse_pack.flush()
    assert list(tmp_path.rglob("*.pack")) == []


def test_a_pack_keeps_what_its_run_used_and_at_most_as_many_older_documents(
    tmp_path: Path, cache_dir: Path
) -> None:
    folder = tmp_path / "c"
    for version in range(4):  # every run edits every cassette of the folder
        for n in range(3):
            answer(write(folder, f"t{n}", f"version {version}"))
        parse_pack.flush()
        [pack] = packs(cache_dir)
        entries = marshal.loads(pack.read_bytes()[len(parse_pack._MAGIC) + 20 :])
        assert len(entries) == min(3 * (version + 1), 6)
    texts = {parse_pack.text_digest(p.read_text(encoding="utf-8")) for p in folder.iterdir()}
    assert texts <= set(entries)  # the documents of the cassettes as they are now are all kept


def test_packs_count_towards_the_bound_and_in_stats(tmp_path: Path, cache_dir: Path) -> None:
    for n in range(3):
        answer(write(tmp_path / f"folder{n}", "t", "x"))
    parse_pack.flush()
    stats = parse_cache.stats()
    assert stats.entries == 3
    assert stats.total_bytes == sum(p.stat().st_size for p in packs(cache_dir))


def test_a_pack_over_the_bound_is_not_written(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(parse_cache.CACHE_MAX_MB_ENV, "0.0001")  # 100 bytes
    answer(write(tmp_path / "c", "t", "x"))
    parse_pack.flush()
    assert packs(cache_dir) == []
