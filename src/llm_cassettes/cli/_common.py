"""What every ``llm-cassettes`` command shares: the exit codes and how a command is run.

Exit codes: 0 success, 1 a finding (scan found a secret, generate --check found a change, prune found
unused cassettes, stats found a broken or stale one), 2 a usage error (a bad option, or an argument
naming a path or input that cannot be used), 3 any other error. ``diff`` keeps its own documented
contract: 0 identical, 1 reworded, 2 shape changed, 3 error (its usage errors are 3 too).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

OK = 0
FINDING = 1
USAGE = 2
ERROR = 3


def run(
    parser: argparse.ArgumentParser, argv: Sequence[str], command: Callable[[argparse.Namespace], int]
) -> int:
    """Parse ``argv`` and run ``command``; ``--help`` and usage errors return argparse's code, no exit."""
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # --help (0) or a usage error (2): the caller gets the code, not an exit
        return int(exc.code or 0)
    try:
        return command(args)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # anything unforeseen: say what, exit 3 rather than a traceback
        print(f"{parser.prog}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ERROR
