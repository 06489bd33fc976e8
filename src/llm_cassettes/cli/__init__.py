"""``llm-cassettes`` command line: one module per command, and the only place argparse appears.

Each command module has ``HELP`` (its line in the overview), ``parser()`` and ``main(argv) -> int``.
Exit codes are the same everywhere (see :mod:`._common`), except ``diff``'s verdict codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from . import convert, diff, generate, migrate, prune, scan, serve, stats
from ._common import USAGE

COMMANDS: dict[str, ModuleType] = {
    "generate": generate,
    "scan": scan,
    "diff": diff,
    "prune": prune,
    "migrate": migrate,
    "stats": stats,
    "serve": serve,
    "convert": convert,
}

_EPILOG = """\
commands:
{commands}

Run `llm-cassettes COMMAND --help` for a command's options.

exit status: 0 success, 1 a finding (a secret, a change, an unused or stale cassette),
2 usage error, 3 any other error; `diff`: 0 identical, 1 reworded, 2 shape changed, 3 error.
"""


def parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<9} {module.HELP}" for name, module in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="llm-cassettes",
        description="Record/replay cassettes for LLM tests: tools for the cassette directory.",
        epilog=_EPILOG.format(commands=commands),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command", choices=list(COMMANDS), metavar="COMMAND", help="one of the commands below"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # Only the first word is ours: everything after it belongs to the command (its own --help too).
    try:
        name = parser().parse_args(args[:1]).command
    except SystemExit as exc:  # --help (0), or no / an unknown command (2)
        return int(exc.code or 0) if args else USAGE
    return int(COMMANDS[name].main(args[1:]))


if __name__ == "__main__":
    sys.exit(main())
