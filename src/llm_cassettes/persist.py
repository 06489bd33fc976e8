"""Crash-safe cassette writes.

A cassette is written to a temporary file in the same directory, flushed to disk, then renamed over the
old one. ``os.replace`` is atomic on POSIX and Windows, so a reader (or a run killed at any instant)
sees either the complete old file or the complete new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .cassette_format import CassetteError

TEMP_PREFIX = ".llm-cassette-"


def write_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically; on any error the old file is left untouched."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise CassetteError(
            path,
            f"cannot write the cassette: directory {path.parent} is not writable ({exc.strerror or exc})",
            f"make {path.parent} writable (or point `llm_cassettes_dir` elsewhere) and run again",
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise CassetteError(
                path,
                f"cannot write the cassette ({exc.strerror or exc})",
                "free disk space or fix permissions and run again",
            ) from None
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not supported on every platform, where it is harmless to skip.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def stale_temp_files(root: str | Path) -> list[Path]:
    """Temporary files left by a run killed between create and rename (safe to delete)."""
    return sorted(Path(root).rglob(TEMP_PREFIX + "*.tmp"))
