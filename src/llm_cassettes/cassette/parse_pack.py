"""Parsed small cassettes, one pack per cassette folder, read once per run.

A small cassette parses in ~0.1 ms, yet that is most of what replaying it costs a test; one cache file
per cassette would cost about as much to open as the text does to parse. So the parsed cassettes of one
folder (the cassettes of one test file) share one file: the first load from that folder reads it, each
further load is a dictionary lookup by the hash of the exact text, and an edited cassette simply
misses. A pack holds each cassette as the validator built it, in the flat form of :mod:`.flat`, so a
load from the pack validates nothing again: the text's hash, the pack's checksum and its version say it
is that text's own parse. Cassettes parsed in a run are added in memory and written when the run ends
(:func:`flush`, called by the plugin), so a run reads each pack once and writes it at most once.

The same rules as :mod:`.parse_cache` hold: the pack lives in the same bounded cache directory and
counts towards its bound; a truncated, corrupt or foreign pack is ignored and replaced, never reported;
every write is a temporary file renamed into place, so parallel workers (xdist) only ever see whole
packs. Two workers adding to one pack in the same run keep the last writer's pack; the other's
documents are added again by the next run. A pack keeps what its last run used, and as many other
cassettes (left out by ``-k``, run by another worker, or since edited) again. The version in the
pack's first line changes with the flat form, and a pack of another version is replaced like a
damaged one.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .flat import flatten, unflatten
from .model import Cassette
from .parse_cache import PACK_SUFFIX, cache_dir, evict, max_bytes, payload_digest

_MAGIC = b"llm-cassettes-parse-pack 2\n"
_DIGEST_SIZE = 20
_HEADER_SIZE = len(_MAGIC) + _DIGEST_SIZE


@dataclass
class _Pack:
    path: Path
    entries: dict[bytes, bytes]  # text digest -> marshalled flat cassette
    used: set[bytes] = field(default_factory=set)
    added: bool = False


_packs: dict[tuple[Path, str], _Pack] = {}  # (cache directory, cassette folder) -> its pack, this run


def _pack_for(source: str | Path) -> _Pack | None:
    root = cache_dir()
    if root is None:
        return None
    source = os.fspath(source)
    folder = os.path.dirname(source if os.path.isabs(source) else os.path.abspath(source))
    pack = _packs.get((root, folder))
    if pack is None:
        name = hashlib.blake2b(os.fsencode(folder), digest_size=_DIGEST_SIZE).hexdigest()
        path = root / (name + PACK_SUFFIX)
        pack = _packs[(root, folder)] = _Pack(path, _read(path))
    return pack


def _read(path: Path) -> dict[bytes, bytes]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    payload = memoryview(data)[_HEADER_SIZE:]
    if not data.startswith(_MAGIC) or data[len(_MAGIC) : _HEADER_SIZE] != payload_digest(payload):
        return {}
    try:
        entries = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if type(entries) is not dict or not all(
        type(k) is bytes and type(v) is bytes for k, v in entries.items()
    ):
        return {}  # a foreign file with a valid checksum: not ours to read
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: the last to be evicted
    return entries


def text_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=_DIGEST_SIZE).digest()


def cached_cassette(source: str | Path, digest: bytes) -> Cassette | None:
    """The cassette stored for the text of ``digest`` in ``source``'s folder, or None."""
    pack = _pack_for(source)
    blob = pack.entries.get(digest) if pack is not None else None
    if blob is None:
        return None
    path = source if isinstance(source, Path) else Path(source)
    try:
        # Fresh objects each time: no caller can change another's cassette.
        cassette = unflatten(marshal.loads(blob), path)
    except (EOFError, ValueError, TypeError):
        return None  # not ours to read: the text decides, and the next store replaces it
    pack.used.add(digest)
    return cassette


def store_cassette(source: str | Path, digest: bytes, cassette: Cassette) -> None:
    """Keep a cassette the validator built, as it is now (marshalled at once), for the next run."""
    pack = _pack_for(source)
    if pack is None:
        return
    try:
        blob = marshal.dumps(flatten(cassette))  # ValueError for values marshal cannot hold
    except ValueError:
        return
    pack.entries[digest] = blob
    pack.used.add(digest)
    pack.added = True


def flush() -> None:
    """Write every pack this run added to, then forget them all (the next run reads them again)."""
    packs = list(_packs.values())
    _packs.clear()
    written = {pack.path.parent: pack.path for pack in packs if pack.added and _write(pack)}
    for directory, last in written.items():  # once per run, not per pack: it lists the whole directory
        evict(directory, max_bytes(), keep=last)


def _write(pack: _Pack) -> bool:
    used = {k: v for k, v in pack.entries.items() if k in pack.used}
    others = [(k, v) for k, v in pack.entries.items() if k not in pack.used]
    kept = {**dict(others[max(0, len(others) - len(used)) :]), **used}  # the newest others
    payload = marshal.dumps(kept)
    if _HEADER_SIZE + len(payload) > max_bytes():
        return False
    temp = pack.path.with_name(f".{pack.path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        pack.path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as handle:
            handle.write(_MAGIC + payload_digest(payload))
            handle.write(payload)
        os.replace(temp, pack.path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False  # a read-only or full cache directory must not fail a run
    return True
