"""A content-addressed cache of parsed cassette documents, for big cassettes.

Parsing YAML builds every value in Python even with the C loader (seconds for a 10,000-interaction
cassette), so big cassettes keep their parsed document in a cache next to the user's other caches: the
key is a hash of the exact text, an edited file simply misses.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

CACHE_MIN_BYTES = 1_000_000
CACHE_DIR_ENV = "LLM_CASSETTES_CACHE_DIR"


def cache_file(text: str) -> Path | None:
    if len(text) < CACHE_MIN_BYTES or os.environ.get(CACHE_DIR_ENV) == "":
        return None
    root = os.environ.get(CACHE_DIR_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "llm-cassettes"
    )
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()
    return Path(root) / f"{digest}-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}.bin"


def cached_document(cache: Path | None) -> Any:
    if cache is None:
        return None
    try:
        return marshal.loads(cache.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def store_document(cache: Path | None, doc: Any) -> None:
    if cache is None:
        return
    try:
        data = marshal.dumps(doc)  # ValueError for values marshal cannot hold (e.g. YAML timestamps)
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp = cache.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, cache)
    except (OSError, ValueError):
        pass  # the cache is an optimisation; a read-only home directory must not fail a test
