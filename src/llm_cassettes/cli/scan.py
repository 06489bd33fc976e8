"""``llm-cassettes scan [PATH ...] [--pattern REGEX ...]``: 0 clean, 1 findings, 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import SecretPatternError
from ..secrets import compile_patterns
from ..secrets.scan import files_to_scan, scan_files
from ._common import FINDING, OK, USAGE, run

HELP = "find secret-shaped strings in cassettes (exit 1 if any)"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-cassettes scan",
        description="Find secret-shaped strings and unredacted credential headers in cassette files.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: cassettes)")
    parser.add_argument(
        "--pattern", action="append", default=[], metavar="REGEX", help="an extra secret regex (repeatable)"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    return run(parser(), argv, _scan)


def _scan(args: argparse.Namespace) -> int:
    paths = args.paths or ["cassettes"]
    try:
        compile_patterns(args.pattern)
        files = files_to_scan(paths)
    except (SecretPatternError, FileNotFoundError) as exc:
        hint = " (pass the cassette directory as PATH)" if not args.paths else ""
        print(f"llm-cassettes scan: {exc}{hint}", file=sys.stderr)
        return USAGE
    findings = scan_files(files, args.pattern)
    for finding in findings:
        print(finding)
    noun = "file" if len(files) == 1 else "files"
    if not findings:
        print(f"llm-cassettes scan: no secrets found in {len(files)} {noun}")
        return OK
    dirty = len({f.path for f in findings})
    print(
        f"llm-cassettes scan: {len(findings)} finding(s) in {dirty} of {len(files)} {noun}; "
        "redact them (REDACTED) or re-record, then scan again"
    )
    return FINDING
