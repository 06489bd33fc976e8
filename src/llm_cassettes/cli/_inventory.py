"""What is in the cassette directory, and which cassettes the tests use: shared by ``stats`` and ``prune``.

The used set comes from the tests themselves: a ``pytest --collect-only`` subprocess loads
:mod:`llm_cassettes.recording.collect` as a plugin, which writes the cassette path of every collected
``llm`` test, computed by the same function the plugin uses. A collection that fails deletes nothing: a
module with a syntax error would otherwise look like a module without tests.

Both commands also list temporary files left by a killed recording run (:func:`persist.stale_temp_files`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..cassette import load
from ..errors import CassetteError, PruneError
from ..providers import provider_of
from ..recording.collect import INVENTORY_OPTION

CASSETTE_SUFFIXES = (".yaml", ".yml")


@dataclass
class CassetteInfo:
    """One cassette file as ``stats`` reports it; ``error`` is set (and the rest empty) when it is broken."""

    path: Path
    origin: str = ""
    recorded_at: dt.datetime | None = None
    interactions: int = 0
    providers: list[str] = field(default_factory=list)
    error: str = ""

    def age_days(self, now: dt.datetime | None = None) -> float | None:
        if self.recorded_at is None:
            return None
        return ((now or dt.datetime.now(dt.UTC)) - self.recorded_at).total_seconds() / 86400

    def is_stale(self, max_age_days: float | None, now: dt.datetime | None = None) -> bool:
        """Only recorded cassettes age: a synthetic one is regenerated, not re-recorded."""
        age = self.age_days(now)
        return (
            max_age_days is not None and self.origin == "recorded" and age is not None and age > max_age_days
        )


def cassette_files(root: str | Path) -> list[Path]:
    """Every cassette under ``root``; temp files (dot-files ending in ``.tmp``) are never among them."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in CASSETTE_SUFFIXES and p.is_file())


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):  # YAML reads a bare 2026-01-02 as a date
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def provider_name(uri: str) -> str:
    """``openai`` / ``anthropic`` / ``openrouter`` for their hosts; any other host is shown as itself."""
    provider = provider_of(uri)
    return provider.name if provider is not None else (urlsplit(uri).netloc.lower() or "?")


def describe(path: str | Path) -> CassetteInfo:
    """Read one cassette for ``stats``; a broken file is reported, never raised."""
    try:
        cassette = load(path)
    except CassetteError as exc:
        return CassetteInfo(Path(path), error=exc.problem)
    providers = sorted({provider_name(i.request.uri) for i in cassette.interactions})
    return CassetteInfo(
        Path(path),
        origin=cassette.origin,
        recorded_at=_parse_time(cassette.meta.get("recorded_at")),
        interactions=len(cassette),
        providers=providers,
    )


def show(path: Path, base: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(base))
    return str(path)


def used_cassettes(tests: Sequence[str], cwd: str | Path | None = None) -> dict[str, Any]:
    """Collect ``tests`` (default: the project's testpaths) in a subprocess; the cassettes they use."""
    with tempfile.TemporaryDirectory(prefix="llm-cassettes-prune-") as tmp:
        out = Path(tmp) / "inventory.json"
        command = [
            sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "llm_cassettes.recording.collect",
            INVENTORY_OPTION, str(out), *tests,
        ]  # fmt: skip
        env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        # 0: collected; 5: nothing collected. Anything else (errors in a test module, bad arguments)
        # means the used set is incomplete, and deleting against it would delete live cassettes.
        if result.returncode not in (0, 5) or not out.exists():
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
            raise PruneError(
                f"collecting the tests failed (pytest exit code {result.returncode}); nothing was changed.\n"
                f"$ {' '.join(command)}\n{tail}"
            )
        return json.loads(out.read_text(encoding="utf-8"))


def judged_prefixes(tests: Sequence[str], inventory: dict[str, Any]) -> list[tuple[str, ...]]:
    """The cassette folders a collection of ``tests`` can judge: one per test path given and collected.

    Cassettes live under their test file's path (relative to the rootdir), so the cassettes of
    ``tests/test_a.py`` are those under ``<cassette dir>/tests/test_a.py/``; a deleted file still
    names its folder, whose cassettes are what prune should find.
    """
    root = Path(inventory["rootdir"])
    prefixes = {tuple(PurePosixPath(name).parts) for name in inventory["files"]}
    for test in tests:
        with contextlib.suppress(ValueError):  # a path outside the rootdir has no cassettes
            prefixes.add(Path(test).resolve().relative_to(root).parts)
    return sorted(prefixes)


def inventory_for(command: str, tests: Sequence[str]) -> dict[str, Any] | None:
    """The collected inventory for ``prune`` / ``migrate``, or None after printing the usage error.

    Only files and directories are accepted: a single test id would make the other tests of its module
    look as if they used no cassette.
    """
    selectors = [t for t in tests if "::" in t or t.startswith("-")]
    if selectors:
        print(
            f"llm-cassettes {command}: pass test files or directories, not {selectors[0]!r}", file=sys.stderr
        )
        return None
    try:
        return used_cassettes(tests)
    except PruneError as exc:
        print(f"llm-cassettes {command}: {exc}", file=sys.stderr)
        return None
