"""``llm-cassettes generate``: write synthetic cassettes by running the tests against the emulator."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..synthetic.generate import GenerateOptions, generate
from ._common import run

HELP = "write synthetic cassettes by running tests against the emulator"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-cassettes generate",
        description="Write synthetic cassettes for LLM tests that have none, or whose cassette is "
        "synthetic, by running them against the loopback provider emulator. Recorded cassettes are kept.",
    )
    parser.add_argument(
        "selection",
        nargs="*",
        default=[],
        help="test files, directories or node ids (default: the pytest testpaths)",
    )
    parser.add_argument(
        "--force", action="store_true", help="also overwrite cassettes recorded from real APIs"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any cassette would change or is missing (for CI)",
    )
    parser.add_argument(
        "-k", dest="keyword", default=None, help="only tests matching this pytest -k expression"
    )
    parser.add_argument("-n", dest="workers", default=None, help="run with pytest-xdist workers (e.g. auto)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    return parser


def main(argv: Sequence[str], *, in_process: bool = False) -> int:
    """``in_process`` runs pytest in this interpreter (for tests of the suite)."""

    def command(args: argparse.Namespace) -> int:
        options = GenerateOptions(
            args.selection, args.force, args.check, args.keyword, args.workers, args.quiet
        )
        return generate(options, in_process=in_process)

    return run(parser(), argv, command)
