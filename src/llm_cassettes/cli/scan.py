"""``llm-cassettes scan [PATH ...] [--pattern REGEX ...] [--env NAME ...]``: 0 clean, 1 findings (or a file
that cannot be read), 2 usage error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import SecretPatternError
from ..secrets import compile_patterns
from ..secrets.known import configured, from_env
from ..secrets.scan import files_to_scan, scan_files
from ._common import FINDING, OK, USAGE, run

HELP = "find secrets in cassettes, in what they decode to (exit 1 if any)"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-cassettes scan",
        description="Find secrets in cassette files: secret-shaped strings, unredacted credential fields and "
        "the values of the provider key variables (when set), in the raw text and in what a YAML loader "
        "decodes (escapes, block scalars, base64 bodies, streamed replies joined), in every file under "
        "the given directories (backups and temp files too) and in file names.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: cassettes)")
    parser.add_argument(
        "--pattern", action="append", default=[], metavar="REGEX", help="an extra secret regex (repeatable)"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help="an environment variable whose value is a secret, whatever it looks like (repeatable; the "
        "provider key variables always count)",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    return run(parser(), argv, _scan)


def _scan(args: argparse.Namespace) -> int:
    paths = args.paths or ["cassettes"]
    try:
        compile_patterns(args.pattern, "--pattern")
        files = files_to_scan(paths)
    except (SecretPatternError, FileNotFoundError) as exc:
        hint = " (pass the cassette directory as PATH)" if not args.paths else ""
        print(f"llm-cassettes scan: {exc}{hint}", file=sys.stderr)
        return USAGE
    known = [*configured(), *from_env(args.env)]
    report = scan_files(files, args.pattern, known)
    for note in report.notes:
        print(f"note: {note}")
    for finding in report.findings:
        print(finding)
    noun = "file" if report.files == 1 else "files"
    if not report.findings:
        print(f"llm-cassettes scan: no secrets found in {report.files} {noun}")
        return OK
    dirty = len({f.path for f in report.findings})
    if report.unscannable:
        print(
            f"llm-cassettes scan: {len(report.unscannable)} file(s) unscannable (not UTF-8 or UTF-16/32 "
            "text): delete or re-record them, a file that cannot be read cannot be shown clean"
        )
    print(
        f"llm-cassettes scan: {len(report.findings)} finding(s) in {dirty} of {report.files} {noun}; "
        "redact them (REDACTED) or re-record, then scan again"
    )
    return FINDING
