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

from ..errors import CassetteWriteError

TEMP_PREFIX = ".llm-cassette-"


def _default_mode() -> int:
    # mkstemp creates 0600 files; a new cassette should get the permissions any other new file gets.
    # Reading the umask means setting it, so do it once, at import, before any thread exists.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_NEW_FILE_MODE = _default_mode()


def write_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically; on any error the old file is left untouched."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The writer's pid in the name tells a leftover of a killed run from the live temp file of a
        # parallel (xdist) worker, so stale_temp_files never lists, and prune never deletes, the latter.
        fd, temp_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise CassetteWriteError(
            path,
            f"cannot write the cassette: directory {path.parent} is not writable ({exc.strerror or exc})",
            f"make {path.parent} writable (or point `llm_cassettes_dir` elsewhere) and run again",
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), _mode_for(path))
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise CassetteWriteError(
                path,
                f"cannot write the cassette ({exc.strerror or exc})",
                "free disk space or fix permissions and run again",
            ) from None
        raise
    _fsync_directory(path.parent)


def _mode_for(path: Path) -> int:
    """Keep the permissions of the cassette being replaced; a new one gets the umask default."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return _NEW_FILE_MODE


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not supported on every platform, where it is harmless to skip.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _writer_alive(temp: Path) -> bool:
    pid_text = temp.name[len(TEMP_PREFIX) :].partition("-")[0]
    if not pid_text.isdigit():
        return False  # written before names carried the pid: no live writer to protect
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else: keep it, a reused pid is harmless here
    return True


def stale_temp_files(root: str | Path) -> list[Path]:
    """Temporary files left by a run killed between create and rename (safe to delete).

    Temp files of writers still running (another xdist worker, a parallel run) are not stale. Loaders
    never see any of them: they are dot-files ending in ``.tmp``, and cassettes end in ``.yaml``.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob(TEMP_PREFIX + "*.tmp") if p.is_file() and not _writer_alive(p))


def remove_stale_temp_files(root: str | Path) -> list[Path]:
    """Delete :func:`stale_temp_files` (the plugin may call it at session start); returns the removed."""
    removed = []
    for temp in stale_temp_files(root):
        with contextlib.suppress(OSError):
            temp.unlink()
            removed.append(temp)
    return removed
