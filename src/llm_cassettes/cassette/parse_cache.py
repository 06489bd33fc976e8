"""A bounded, content-addressed cache of parsed cassette documents, for big cassettes.

Parsing YAML builds every value in Python (about half a second for a 10,000-interaction cassette even on
the fast path, seconds when PyYAML has to do it), so big cassettes keep their parsed document in a cache
next to the user's other caches. The key is a hash of the exact text: an edited file simply misses.

Every entry is checked before it is used: a header names the format, the hash of the text it was built
from and the hash of its payload. A truncated, corrupt or foreign entry (another text's, another Python's)
is ignored, and the next store replaces it; nothing is ever reported, the cache only ever saves time.

The cache is bounded (``LLM_CASSETTES_CACHE_MAX_MB``, the ``llm_cassettes_cache_max_mb`` ini option,
default 256 MB). Reading an entry touches its modification time; a store that takes the cache over its
bound deletes the least recently used entries. Every write is a temporary file renamed into place, so
parallel workers (xdist) only ever see whole entries; a reader whose entry is evicted under it, or an
evictor racing another, just misses or skips.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import environment

CACHE_MIN_BYTES = 1_000_000
CACHE_DIR_ENV = "LLM_CASSETTES_CACHE_DIR"
CACHE_MAX_MB_ENV = "LLM_CASSETTES_CACHE_MAX_MB"
DEFAULT_MAX_MB = 256.0
# Bumped whenever the document a text parses to could change (a parser option, the fast path).
_SCHEMA = 2
_MAGIC = b"llm-cassettes-parse-cache\n"
_DIGEST_SIZE = 20
_HEADER_SIZE = len(_MAGIC) + 2 * _DIGEST_SIZE
_SUFFIX = f"-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}-s{_SCHEMA}.bin"
PACK_SUFFIX = _SUFFIX.removesuffix(".bin") + ".pack"  # a folder's small cassettes, see .parse_pack
_TEMP_SUFFIX = ".tmp"
_STALE_TEMP_SECONDS = 3600.0
# Only files named like entries (of any Python or schema version) or their temp files are counted and
# evicted: a cache directory pointed at a folder holding other files never loses them.
_ENTRY_NAME = re.compile(r"[0-9a-f]{40}-py\d+-m\d+(?:-s\d+)?\.(?:bin|pack)")
_TEMP_NAME = re.compile(r"\.[0-9a-f]{40}-.*\.tmp")

_configured_max_mb: float | None = None  # from the ini option, set by the plugin


def configure(max_mb: str | float | None) -> float | None:
    """Set the bound from the project's ``llm_cassettes_cache_max_mb`` (blank or None: the default).

    ``$LLM_CASSETTES_CACHE_MAX_MB`` still wins. Returns the previous bound, which a nested run (pytester)
    puts back when it ends.
    """
    global _configured_max_mb
    raw = "" if max_mb is None else str(max_mb).strip()
    try:
        value = float(raw) if raw else None
    except ValueError:
        value = -1.0
    if value is not None and not value >= 0:  # also refuses nan
        raise ValueError(f"llm_cassettes_cache_max_mb = {max_mb!r}: expected a number of MB, 0 or more")
    previous, _configured_max_mb = _configured_max_mb, value
    return previous


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is disabled (``LLM_CASSETTES_CACHE_DIR`` set empty)."""
    # Asked for every cassette load: the variables are read each time (tests and users change them),
    # the path made from them only once (expanduser and Path() cost more than the rest of a lookup).
    return _cache_dir_from(*_read_cache_variables())


_read_cache_variables = environment.reader((CACHE_DIR_ENV, "XDG_CACHE_HOME", "HOME"))


@lru_cache(maxsize=16)
def _cache_dir_from(configured: str | None, xdg: str | None, home: str | None) -> Path | None:
    if configured == "":
        return None
    if configured:
        return Path(configured)
    base = xdg or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llm-cassettes"


def max_bytes() -> int:
    raw = os.environ.get(CACHE_MAX_MB_ENV, "").strip()
    try:
        value = float(raw) if raw else _configured_max_mb
    except ValueError:
        value = None
    if value is None or value < 0:
        value = DEFAULT_MAX_MB
    return int(value * 1_000_000)


@dataclass(frozen=True)
class CacheKey:
    path: Path
    text_digest: bytes


def cache_key(text: str) -> CacheKey | None:
    if len(text) < CACHE_MIN_BYTES:
        return None
    root = cache_dir()
    if root is None:
        return None
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=_DIGEST_SIZE).digest()
    return CacheKey(root / (digest.hex() + _SUFFIX), digest)


def cached_document(key: CacheKey | None) -> Any:
    """The document stored for ``key``, or None (missing, corrupt, foreign: all the same to the caller)."""
    if key is None:
        return None
    try:
        data = key.path.read_bytes()
    except OSError:
        return None
    header = _MAGIC + key.text_digest
    payload = memoryview(data)[_HEADER_SIZE:]
    if not data.startswith(header) or data[len(header) : _HEADER_SIZE] != payload_digest(payload):
        return None
    try:
        doc = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(key.path)  # recently used: the last to be evicted
    return doc


def store_document(key: CacheKey | None, doc: Any) -> None:
    if key is None:
        return
    try:
        payload = marshal.dumps(doc)  # ValueError for values marshal cannot hold (YAML timestamps)
    except ValueError:
        return
    limit = max_bytes()
    size = _HEADER_SIZE + len(payload)
    if size > limit:
        return
    try:
        key.path.parent.mkdir(parents=True, exist_ok=True)
        temp = key.path.with_name(f".{key.path.name}.{os.getpid()}.{time.monotonic_ns()}{_TEMP_SUFFIX}")
        with open(temp, "wb") as handle:
            handle.write(_MAGIC + key.text_digest + payload_digest(payload))
            handle.write(payload)
        os.replace(temp, key.path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temp)
        return  # a read-only or full cache directory must not fail a test
    evict(key.path.parent, limit, keep=key.path)


def payload_digest(payload: bytes | memoryview) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()


@dataclass(frozen=True)
class CacheStats:
    directory: Path | None
    entries: int
    total_bytes: int
    max_bytes: int


def _entries(root: Path) -> list[tuple[float, int, Path]]:
    """(last use, size, path) of every entry; temp files of writers killed long ago are removed."""
    found = []
    now = time.time()
    try:
        scan = list(os.scandir(root))
    except OSError:
        return []
    for entry in scan:
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # deleted by another worker since the listing
        if _TEMP_NAME.fullmatch(entry.name):
            if now - stat.st_mtime > _STALE_TEMP_SECONDS:  # a writer killed mid-write
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
        elif _ENTRY_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            found.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    return found


def evict(root: Path, limit: int, keep: Path | None = None) -> None:
    """Delete least recently used entries until the cache holds at most ``limit`` bytes."""
    entries = _entries(root)
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            return
        if path == keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        total -= size  # gone, whether this worker or another one deleted it


def stats() -> CacheStats:
    root = cache_dir()
    entries = _entries(root) if root is not None and root.is_dir() else []
    return CacheStats(root, len(entries), sum(size for _, size, _ in entries), max_bytes())
