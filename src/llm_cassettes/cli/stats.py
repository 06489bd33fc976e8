"""``llm-cassettes stats``: origin, age, interactions and providers of each cassette.

``stats [DIR]`` reads every cassette and prints its origin, age (from ``meta.recorded_at``), interaction
count and providers; ``--max-age-days N`` flags recorded cassettes older than N days. The last line is
the parsed-cassette cache: where it is, how much it holds, its bound.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..cassette import parse_cache
from ..cassette.persist import stale_temp_files
from ._common import FINDING, OK, USAGE, run
from ._inventory import CassetteInfo, cassette_files, describe, show

HELP = "origin, age, interactions and provider of each cassette"


def _age_text(days: float | None) -> str:
    if days is None:
        return "?"
    return f"{days * 24:.0f}h" if days < 1 else f"{days:.0f}d"


def parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str]) -> int:
    """``llm-cassettes stats [DIR] [--max-age-days N] [--json]``: 0 fine, 1 broken or stale, 2 usage."""
    return run(parser(), argv, _stats)


def _stats(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    if not root.exists():
        print(f"llm-cassettes stats: no such directory: {root}", file=sys.stderr)
        return USAGE
    base = root if root.is_dir() else root.parent
    now = dt.datetime.now(dt.UTC)
    infos = [describe(p) for p in cassette_files(root)]
    temps = stale_temp_files(root) if root.is_dir() else []
    stale = [i for i in infos if i.is_stale(args.max_age_days, now)]
    broken = [i for i in infos if i.error]
    if args.json:
        print(json.dumps(_stats_json(infos, temps, base, args.max_age_days, now), indent=2))
    else:
        _print_stats(infos, temps, base, args.max_age_days, now)
    return FINDING if stale or broken else OK


def _stats_json(
    infos: list[CassetteInfo], temps: list[Path], base: Path, max_age: float | None, now: dt.datetime
) -> dict[str, Any]:
    return {
        "cassettes": [
            {
                "path": show(i.path, base),
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
        "stale_temp_files": [show(t, base) for t in temps],
        "parse_cache": _cache_json(parse_cache.stats()),
    }


def _cache_json(cache: parse_cache.CacheStats) -> dict[str, Any]:
    return {
        "directory": str(cache.directory) if cache.directory else None,
        "entries": cache.entries,
        "bytes": cache.total_bytes,
        "max_bytes": cache.max_bytes,
    }


def _cache_line(cache: parse_cache.CacheStats) -> str:
    if cache.directory is None:
        return f"parse cache: disabled (${parse_cache.CACHE_DIR_ENV} is empty)"
    return (
        f"parse cache: {cache.directory}: {cache.entries} entr{'y' if cache.entries == 1 else 'ies'}, "
        f"{cache.total_bytes / 1e6:.1f} of {cache.max_bytes / 1e6:g} MB"
    )


def _print_stats(
    infos: list[CassetteInfo], temps: list[Path], base: Path, max_age: float | None, now: dt.datetime
) -> None:
    width = max([len(show(i.path, base)) for i in infos] + [8])
    print(f"{'cassette':<{width}}  {'origin':<9}  {'age':>5}  {'calls':>5}  providers")
    for info in infos:
        name = show(info.path, base)
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
            f"{show(temp, base):<{width}}  STALE TEMP FILE (from a killed run; `prune --delete` removes it)"
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
    print(_cache_line(parse_cache.stats()))
