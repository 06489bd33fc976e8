"""``llm-cassettes diff OLD NEW``: classify the drift between two cassettes or directories.

Its exit status is the verdict (0 identical, 1 reworded, 2 shape changed), so errors, usage errors
included, are 3: argparse's usual 2 would read as "shape changed".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..drift import DriftError, compare_paths, overall, render

HELP = "classify the drift between two cassettes or directories"
EXIT_ERROR = 3  # 0/1/2 carry the verdict, so bad input (and bad usage) must not reuse them

_EPILOG = f"""\
classification (per interaction, paired by position):
  identical      status, client-read headers, body and fault are equal
  reworded       same structure; only text, ids, timestamps, fingerprints, token counts,
                 costs or rate-limit counters differ
  shape changed  status, retry/rate-limit header presence, retry-after / x-should-retry value,
                 content-type, JSON keys or value types, finish/stop reasons, error type/code,
                 tool calls, SSE event sequence, fault type; or an interaction/cassette
                 added or removed

exit status:
  0  identical
  1  reworded only
  2  any shape change (including added or removed interactions or cassettes)
  {EXIT_ERROR}  error: missing path, not a cassette, unsupported or mismatched format, bad usage
"""


class _UsageError(Exception):
    pass


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, which here means "shape changed"; report usage errors as 3."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise _UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:  # type: ignore[override]
        if message:
            print(message, file=sys.stderr, end="")
        raise _Exit(status)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="llm-cassettes diff",
        description="Classify the drift between two cassettes, or two directories of cassettes "
        "(paired by relative path), e.g. a git revision checked out elsewhere and the work tree.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", type=Path, help="the earlier cassette file or directory")
    parser.add_argument("new", type=Path, help="the later cassette file or directory")
    return parser


def main(argv: Sequence[str]) -> int:
    """`llm-cassettes diff OLD NEW`: print the drift summary; exit 0/1/2 by verdict, 3 on error."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except _Exit as exc:
        return exc.status if exc.status == 0 else EXIT_ERROR
    except _UsageError as exc:
        print(f"{parser.format_usage()}llm-cassettes diff: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        drifts = compare_paths(args.old, args.new)
    except DriftError as exc:
        print(f"llm-cassettes diff: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # anything unforeseen is an error too, never a verdict
        print(f"llm-cassettes diff: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(render(drifts))
    return int(overall(drifts))
