"""What is in the cassette directory: ``llm-cassettes stats`` and ``llm-cassettes prune``.

``stats [DIR]`` reads every cassette and prints its origin, age (from ``meta.recorded_at``), interaction
count and providers; ``--max-age-days N`` flags recorded cassettes older than N days.

``prune [--delete] [--cassettes DIR] [TESTS...]`` finds cassettes that no test uses any more. The used set
comes from the tests themselves: a ``pytest --collect-only`` subprocess loads this module as a plugin
(``-p llm_cassettes.inventory``), which writes the cassette path of every collected ``llm`` test, computed
by the same function the plugin uses (:func:`llm_cassettes.recording.cassette_path`). A collection that
fails deletes nothing: a module with a syntax error would otherwise look like a module without tests.

Both commands also list temporary files left by a killed recording run (:func:`persist.stale_temp_files`);
``prune --delete`` removes them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .cassette_format import CassetteError, load
from .persist import stale_temp_files

CASSETTE_SUFFIXES = (".yaml", ".yml")
INVENTORY_OPTION = "--llm-inventory-out"


# ------------------------------------------------------------------------------------ reading cassettes


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


def _provider_hosts() -> dict[str, str]:
    from . import wire

    return {urlsplit(module.ORIGIN).netloc: name for name, module in wire.PROVIDERS.items()}


def provider_of(uri: str, hosts: dict[str, str] | None = None) -> str:
    """``openai`` / ``anthropic`` / ``openrouter`` for their hosts; any other host is shown as itself."""
    netloc = urlsplit(uri).netloc.lower()
    return (hosts if hosts is not None else _provider_hosts()).get(netloc, netloc or "?")


def describe(path: str | Path, hosts: dict[str, str] | None = None) -> CassetteInfo:
    """Read one cassette for ``stats``; a broken file is reported, never raised."""
    hosts = hosts if hosts is not None else _provider_hosts()
    try:
        cassette = load(path)
    except CassetteError as exc:
        return CassetteInfo(Path(path), error=exc.problem)
    providers = sorted({provider_of(i.request.uri, hosts) for i in cassette.interactions})
    return CassetteInfo(
        Path(path),
        origin=cassette.origin,
        recorded_at=_parse_time(cassette.meta.get("recorded_at")),
        interactions=len(cassette),
        providers=providers,
    )


# --------------------------------------------------------------------------------------------- stats


def _show(path: Path, base: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(base))
    return str(path)


def _age_text(days: float | None) -> str:
    if days is None:
        return "?"
    return f"{days * 24:.0f}h" if days < 1 else f"{days:.0f}d"


def stats_command(argv: Sequence[str]) -> int:
    """``llm-cassettes stats [DIR] [--max-age-days N] [--json]``: 0 fine, 1 broken or stale, 2 usage."""
    parser = argparse.ArgumentParser(
        prog="llm-cassettes stats", description="Origin, age, interactions and providers of each cassette."
    )
    parser.add_argument("directory", nargs="?", default="cassettes", metavar="DIR")
    parser.add_argument(
        "--max-age-days",
        type=float,
        default=None,
        metavar="N",
        help="flag recorded cassettes older than N days",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # --help or a usage error: return the code instead of exiting the caller
        return int(exc.code or 0)
    root = Path(args.directory)
    if not root.exists():
        print(f"llm-cassettes stats: no such directory: {root}", file=sys.stderr)
        return 2
    base = root if root.is_dir() else root.parent
    hosts = _provider_hosts()
    now = dt.datetime.now(dt.UTC)
    infos = [describe(p, hosts) for p in cassette_files(root)]
    temps = stale_temp_files(root) if root.is_dir() else []
    stale = [i for i in infos if i.is_stale(args.max_age_days, now)]
    broken = [i for i in infos if i.error]
    if args.json:
        print(json.dumps(_stats_json(infos, temps, base, args.max_age_days, now), indent=2))
    else:
        _print_stats(infos, temps, base, args.max_age_days, now)
    return 1 if stale or broken else 0


def _stats_json(
    infos: list[CassetteInfo], temps: list[Path], base: Path, max_age: float | None, now: dt.datetime
) -> dict[str, Any]:
    return {
        "cassettes": [
            {
                "path": _show(i.path, base),
                "origin": i.origin,
                "recorded_at": i.recorded_at.isoformat() if i.recorded_at else None,
                "age_days": None if i.age_days(now) is None else round(i.age_days(now) or 0.0, 3),
                "interactions": i.interactions,
                "providers": i.providers,
                "stale": i.is_stale(max_age, now),
                "error": i.error or None,
            }
            for i in infos
        ],
        "stale_temp_files": [_show(t, base) for t in temps],
    }


def _print_stats(
    infos: list[CassetteInfo], temps: list[Path], base: Path, max_age: float | None, now: dt.datetime
) -> None:
    width = max([len(_show(i.path, base)) for i in infos] + [8])
    print(f"{'cassette':<{width}}  {'origin':<9}  {'age':>5}  {'calls':>5}  providers")
    for info in infos:
        name = _show(info.path, base)
        if info.error:
            print(f"{name:<{width}}  BROKEN: {info.error.splitlines()[0]}")
            continue
        flag = f"  STALE (older than {max_age:g} days)" if info.is_stale(max_age, now) else ""
        print(
            f"{name:<{width}}  {info.origin:<9}  {_age_text(info.age_days(now)):>5}  "
            f"{info.interactions:>5}  {', '.join(info.providers) or '-'}{flag}"
        )
    for temp in temps:
        print(
            f"{_show(temp, base):<{width}}  STALE TEMP FILE (from a killed run; `prune --delete` removes it)"
        )
    origins = Counter(i.origin for i in infos if not i.error)
    providers = Counter(p for i in infos for p in i.providers)
    stale = sum(i.is_stale(max_age, now) for i in infos)
    parts = [
        f"{len(infos)} cassette(s)",
        ", ".join(f"{n} {o}" for o, n in sorted(origins.items())) or "none readable",
        f"{sum(i.interactions for i in infos)} interaction(s)",
    ]
    if providers:
        parts.append("providers: " + ", ".join(f"{p} {n}" for p, n in sorted(providers.items())))
    if stale:
        parts.append(f"{stale} older than {max_age:g} days")
    broken = sum(bool(i.error) for i in infos)
    if broken:
        parts.append(f"{broken} broken")
    if temps:
        parts.append(f"{len(temps)} stale temp file(s)")
    print("llm-cassettes stats: " + "; ".join(parts))


# ---------------------------------------------------------------------------------- collection plugin
# Loaded only inside the `pytest --collect-only -p llm_cassettes.inventory` subprocess that prune starts.


def pytest_addoption(parser: Any) -> None:
    parser.addoption(INVENTORY_OPTION, default=None, help="(internal) write the cassettes tests use as JSON")


def _collected_cassettes(config: Any, items: Sequence[Any]) -> dict[str, Any]:
    from .recording import cassette_path

    cassette_dir = Path(config.rootpath) / config.getini("llm_cassettes_dir")
    used = []
    for item in items:
        marker = item.get_closest_marker("llm")
        if marker is not None:
            used.append(str(cassette_path(cassette_dir, item, marker.kwargs.get("cassette")).resolve()))
    return {
        "cassette_dir": str(cassette_dir.resolve()),
        "used": sorted(set(used)),
        "modules": sorted({Path(item.path).stem for item in items}),
        "tests": len(items),
    }


def pytest_collection_finish(session: Any) -> None:
    # After pytest_collection_modifyitems: the llm plugin has marked `llm_cassettes_paths` tests by then.
    out = session.config.getoption(INVENTORY_OPTION)
    if out:
        Path(out).write_text(
            json.dumps(_collected_cassettes(session.config, session.items)), encoding="utf-8"
        )


# --------------------------------------------------------------------------------------------- prune


class PruneError(Exception):
    """Collection failed or was not trustworthy; nothing may be deleted."""


def used_cassettes(tests: Sequence[str], cwd: str | Path | None = None) -> dict[str, Any]:
    """Collect ``tests`` (default: the project's testpaths) in a subprocess; the cassettes they use."""
    with tempfile.TemporaryDirectory(prefix="llm-cassettes-prune-") as tmp:
        out = Path(tmp) / "inventory.json"
        command = [
            sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "llm_cassettes.inventory",
            INVENTORY_OPTION, str(out), *tests,
        ]  # fmt: skip
        env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        # 0: collected; 5: nothing collected. Anything else (errors in a test module, bad arguments)
        # means the used set is incomplete, and deleting against it would delete live cassettes.
        if result.returncode not in (0, 5) or not out.exists():
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
            raise PruneError(
                f"collecting the tests failed (pytest exit code {result.returncode}); nothing was pruned.\n"
                f"$ {' '.join(command)}\n{tail}"
            )
        return json.loads(out.read_text(encoding="utf-8"))


def _test_stems(tests: Sequence[str]) -> set[str]:
    stems: set[str] = set()
    for test in tests:
        path = Path(test)
        if path.is_dir():
            stems.update(p.stem for p in path.rglob("*.py"))
        else:
            stems.add(path.stem)  # also for a deleted file: its cassettes are what prune should find
    return stems


def prune_command(argv: Sequence[str]) -> int:
    """``llm-cassettes prune [--delete] [--cassettes DIR] [TESTS...]``.

    Exit code 0: nothing unused (or all deleted); 1: unused cassettes listed; 2: usage or collection error.
    """
    parser = argparse.ArgumentParser(
        prog="llm-cassettes prune",
        description="List (or --delete) cassettes that no collected test uses any more.",
    )
    parser.add_argument(
        "tests",
        nargs="*",
        metavar="TESTS",
        help="test files or directories to collect (default: the project's)",
    )
    parser.add_argument(
        "--delete", action="store_true", help="remove the unused cassettes and stale temp files"
    )
    parser.add_argument(
        "--cassettes", default=None, metavar="DIR", help="cassette directory (default: from ini)"
    )
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    selectors = [t for t in args.tests if "::" in t or t.startswith("-")]
    if selectors:
        # A single test id would make the other tests of its module look unused.
        print(f"llm-cassettes prune: pass test files or directories, not {selectors[0]!r}", file=sys.stderr)
        return 2
    try:
        inventory = used_cassettes(args.tests)
    except PruneError as exc:
        print(f"llm-cassettes prune: {exc}", file=sys.stderr)
        return 2
    if inventory["tests"] == 0 and args.delete:
        print(
            "llm-cassettes prune: no tests were collected; refusing to delete every cassette", file=sys.stderr
        )
        return 2
    root = Path(args.cassettes or inventory["cassette_dir"]).resolve()
    used = set(inventory["used"])
    candidates = cassette_files(root) if root.is_dir() else []
    if args.tests:
        # Only the modules named on the command line can be judged: others were not collected.
        stems = _test_stems(args.tests) | set(inventory["modules"])
        candidates = [p for p in candidates if p.relative_to(root).parts[0] in stems]
    unused = [p for p in candidates if str(p.resolve()) not in used]
    temps = stale_temp_files(root)
    base = Path.cwd()
    for path in unused:
        print(f"{'deleted' if args.delete else 'unused'}: {_show(path, base)}")
    for temp in temps:
        print(f"{'deleted' if args.delete else 'stale temp file'}: {_show(temp, base)}")
    if args.delete:
        for path in [*unused, *temps]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        _remove_empty_dirs(root)
    verb = "deleted" if args.delete else "unused"
    summary = f"{len(unused)} {verb} of {len(candidates)} cassette(s) in {_show(root, base)}"
    if temps:
        summary += f"; {len(temps)} stale temp file(s)" + (" deleted" if args.delete else "")
    if (unused or temps) and not args.delete:
        summary += "; run with --delete to remove them"
    print(f"llm-cassettes prune: {summary}")
    return 1 if (unused or temps) and not args.delete else 0


def _remove_empty_dirs(root: Path) -> None:
    for directory in sorted(
        (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        with contextlib.suppress(OSError):
            directory.rmdir()  # only succeeds when empty


__all__ = [
    "CassetteInfo",
    "PruneError",
    "cassette_files",
    "describe",
    "provider_of",
    "prune_command",
    "stats_command",
    "used_cassettes",
]
