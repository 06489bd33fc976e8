"""``llm-cassettes prune``: list (or ``--delete``) cassettes that no collected test uses any more."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from ..cassette.persist import stale_temp_files
from ._common import FINDING, OK, USAGE, run
from ._inventory import cassette_files, inventory_for, judged_prefixes, show

HELP = "list (or --delete) cassettes that no test uses"


def parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str]) -> int:
    """``llm-cassettes prune [--delete] [--cassettes DIR] [TESTS...]``.

    Exit code 0: nothing unused (or all deleted); 1: unused cassettes listed; 2: usage error, or tests
    that do not collect (the used set would be incomplete, so the arguments cannot be judged).
    """
    return run(parser(), argv, _prune)


def _prune(args: argparse.Namespace) -> int:
    inventory = inventory_for("prune", args.tests)
    if inventory is None:
        return USAGE
    if inventory["tests"] == 0 and args.delete:
        print(
            "llm-cassettes prune: no tests were collected; refusing to delete every cassette", file=sys.stderr
        )
        return USAGE
    root = Path(args.cassettes or inventory["cassette_dir"]).resolve()
    used = set(inventory["used"])
    candidates = cassette_files(root) if root.is_dir() else []
    if args.tests:
        # Only the test files named on the command line can be judged: others were not collected.
        prefixes = judged_prefixes(args.tests, inventory)
        candidates = [
            p for p in candidates if any(p.relative_to(root).parts[: len(f)] == f for f in prefixes)
        ]
    unused = [p for p in candidates if str(p.resolve()) not in used]
    temps = stale_temp_files(root)
    base = Path.cwd()
    for path in unused:
        print(f"{'deleted' if args.delete else 'unused'}: {show(path, base)}")
    for temp in temps:
        print(f"{'deleted' if args.delete else 'stale temp file'}: {show(temp, base)}")
    if args.delete:
        for path in [*unused, *temps]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        _remove_empty_dirs(root)
    verb = "deleted" if args.delete else "unused"
    summary = f"{len(unused)} {verb} of {len(candidates)} cassette(s) in {show(root, base)}"
    if temps:
        summary += f"; {len(temps)} stale temp file(s)" + (" deleted" if args.delete else "")
    if (unused or temps) and not args.delete:
        summary += "; run with --delete to remove them"
    print(f"llm-cassettes prune: {summary}")
    return FINDING if (unused or temps) and not args.delete else OK


def _remove_empty_dirs(root: Path) -> None:
    for directory in sorted(
        (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        with contextlib.suppress(OSError):
            directory.rmdir()  # only succeeds when empty
