"""The parsed-cassette cache: bounded, least recently used out first, safe to share, never trusted blindly.

Entries are real files in a real directory; the parallel test runs real processes that store, read and
evict at once, as xdist workers do. A cache entry that is damaged, for another text, for another format,
or that passes its checks but does not validate is ignored without a word, and the cassette is parsed
from its text.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import time
import warnings
from pathlib import Path

import pytest

from llm_cassettes.cassette import dumps, parse, parse_cache
from llm_cassettes.cassette.model import Cassette, Interaction, RecordedRequest, RecordedResponse


@functools.cache  # dumping a megabyte of YAML takes a while; the tests only read the text
def big_cassette_text(answer: str = "4", size: int = parse_cache.CACHE_MIN_BYTES) -> str:
    """A valid cassette just over the size from which documents are cached."""
    interactions = []
    while sum(len(i.response.body) for i in interactions) < size:  # type: ignore[union-attr]
        n = len(interactions)
        interactions.append(
            Interaction(
                RecordedRequest.from_wire(
                    "POST", "https://api.openai.com/v1/chat/completions", [], b'{"q": %d}' % n
                ),
                RecordedResponse.from_wire(
                    200, "OK", [], json.dumps({"a": answer, "pad": "x" * 4000}).encode()
                ),
            )
        )
    return dumps(Cassette(meta={"format": 1, "origin": "synthetic"}, interactions=interactions))


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(parse_cache.CACHE_DIR_ENV, str(directory))
    monkeypatch.delenv(parse_cache.CACHE_MAX_MB_ENV, raising=False)
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == ".bin")


def test_a_big_cassette_is_parsed_once_then_served_from_the_cache(cache_dir: Path) -> None:
    text = big_cassette_text()
    first = parse(text, "c.yaml")
    [entry] = entries(cache_dir)
    key = parse_cache.cache_key(text)
    assert key is not None and key.path == entry
    assert parse_cache.cached_document(key) is not None
    second = parse(text, "c.yaml")
    assert [i.response.body for i in second] == [i.response.body for i in first]  # type: ignore[union-attr]


def test_small_cassettes_and_a_disabled_cache_store_nothing(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse(big_cassette_text(size=10_000), "small.yaml")
    assert not cache_dir.exists()
    monkeypatch.setenv(parse_cache.CACHE_DIR_ENV, "")
    parse(big_cassette_text(), "big.yaml")
    assert not cache_dir.exists()


def corrupt(entry: Path, how: str) -> None:
    data = entry.read_bytes()
    if how == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif how == "bit flipped":
        middle = len(data) // 2
        entry.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :])
    elif how == "garbage":
        entry.write_bytes(os.urandom(len(data)))
    elif how == "empty":
        entry.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "bit flipped", "garbage", "empty"])
def test_a_damaged_entry_is_ignored_silently_and_rebuilt(cache_dir: Path, how: str) -> None:
    text = big_cassette_text()
    expected = [i.response.body for i in parse(text, "c.yaml")]  # type: ignore[union-attr]
    [entry] = entries(cache_dir)
    corrupt(entry, how)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = parse(text, "c.yaml")
    assert [i.response.body for i in again] == expected  # type: ignore[union-attr]
    key = parse_cache.cache_key(text)
    assert parse_cache.cached_document(key) is not None  # the parse stored a good entry again


def test_an_entry_of_another_text_is_not_used(cache_dir: Path) -> None:
    mine, theirs = big_cassette_text("mine"), big_cassette_text("theirs")
    parse(theirs, "theirs.yaml")
    [their_entry] = entries(cache_dir)
    mine_key = parse_cache.cache_key(mine)
    assert mine_key is not None
    their_entry.rename(mine_key.path)  # copied over, renamed, or a hash collision: all look like this
    assert parse_cache.cached_document(mine_key) is None
    cassette = parse(mine, "mine.yaml")
    assert b'"a": "mine"' in cassette.interactions[0].response.body  # type: ignore[union-attr]


def test_an_entry_that_checks_out_but_does_not_validate_gives_way_to_the_text(cache_dir: Path) -> None:
    text = big_cassette_text()
    key = parse_cache.cache_key(text)
    parse_cache.store_document(key, {"meta": {"format": 99}, "interactions": []})
    assert parse_cache.cached_document(key) is not None
    cassette = parse(text, "c.yaml")  # no "unsupported format" error: the cache is not the cassette
    assert len(cassette) > 0


def test_the_bound_evicts_the_least_recently_used_entries(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [big_cassette_text(str(n)) for n in range(4)]
    for text in texts[:3]:
        parse(text, "c.yaml")
    one_entry = max(p.stat().st_size for p in entries(cache_dir))
    keys = [parse_cache.cache_key(t) for t in texts]
    now = time.time()
    for age, key in zip((30, 20, 10), keys[:3], strict=True):  # 0 is the oldest, then 1, then 2
        os.utime(key.path, (now - age, now - age))  # type: ignore[union-attr]
    assert parse_cache.cached_document(keys[0]) is not None  # reading 0 makes it the most recent
    monkeypatch.setenv(parse_cache.CACHE_MAX_MB_ENV, str(3.5 * one_entry / 1e6))
    parse(texts[3], "c.yaml")  # the fourth entry takes the cache over 3.5 entries: 1 goes
    assert {p.name for p in entries(cache_dir)} == {k.path.name for k in (keys[0], keys[2], keys[3])}  # type: ignore[union-attr]
    assert parse_cache.stats().total_bytes <= 3.5 * one_entry


def test_eviction_leaves_foreign_files_and_live_temp_files_alone(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir.mkdir()
    mine = cache_dir / "notes.bin"
    mine.write_bytes(b"x" * 3_000_000)
    live_temp = cache_dir / f".{'a' * 40}-py311-m4-s2.bin.123.456.tmp"
    live_temp.write_bytes(b"being written")
    dead_temp = cache_dir / f".{'b' * 40}-py311-m4-s2.bin.123.789.tmp"
    dead_temp.write_bytes(b"left by a killed writer")
    old = time.time() - 2 * 3600
    os.utime(dead_temp, (old, old))
    monkeypatch.setenv(parse_cache.CACHE_MAX_MB_ENV, "0.5")
    parse_cache.evict(cache_dir, parse_cache.max_bytes())
    assert mine.exists() and live_temp.exists() and not dead_temp.exists()


def test_an_entry_bigger_than_the_bound_is_not_stored(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(parse_cache.CACHE_MAX_MB_ENV, "0.1")
    parse(big_cassette_text(), "c.yaml")
    assert not cache_dir.exists() or entries(cache_dir) == []


def test_the_bound_comes_from_the_environment_then_the_ini_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parse_cache.CACHE_MAX_MB_ENV, raising=False)
    previous = parse_cache.configure("")
    try:
        assert parse_cache.max_bytes() == 256_000_000
        parse_cache.configure("12.5")
        assert parse_cache.max_bytes() == 12_500_000
        monkeypatch.setenv(parse_cache.CACHE_MAX_MB_ENV, "3")
        assert parse_cache.max_bytes() == 3_000_000
        for bad in ("lots", "-1", "nan"):
            with pytest.raises(ValueError, match="llm_cassettes_cache_max_mb"):
                parse_cache.configure(bad)
    finally:
        parse_cache.configure(previous)


def _worker(texts: list[str], rounds: int, failures: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        for _ in range(rounds):
            for n, text in enumerate(texts):
                cassette = parse(text, f"c{n}.yaml")
                body = cassette.interactions[0].response.body  # type: ignore[union-attr]
                if f'"a": "{n}"'.encode() not in body:
                    failures.put(f"cassette {n} came back as {body[:40]!r}")
    except BaseException as exc:  # anything at all is a failure of the cache
        failures.put(f"{type(exc).__name__}: {exc}")


def test_parallel_workers_storing_reading_and_evicting_only_ever_see_whole_entries(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [big_cassette_text(str(n)) for n in range(5)]
    one_entry = len(texts[0])  # the marshalled document is about the size of the text
    monkeypatch.setenv(parse_cache.CACHE_MAX_MB_ENV, str(2.5 * one_entry / 1e6))  # constant eviction
    context = multiprocessing.get_context("fork")
    failures = context.Queue()
    workers = [context.Process(target=_worker, args=(texts, 3, failures)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    found = []
    while not failures.empty():
        found.append(failures.get())
    assert found == [] and all(w.exitcode == 0 for w in workers)
    assert parse_cache.stats().total_bytes <= 2.5 * one_entry + one_entry  # the bound, give or take a racer
