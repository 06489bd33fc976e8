"""`llm-cassettes` command line: a thin dispatcher; each command lives in the module that does the work."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

# command -> ("module:function", one-line help). Each function takes argv and returns an exit code.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": (
        "llm_cassettes.generate:generate_command",
        "write synthetic cassettes by running tests against the emulator",
    ),
    "scan": (
        "llm_cassettes.scrub:scan_command",
        "find secret-shaped strings in cassettes (non-zero exit if any)",
    ),
    "diff": ("llm_cassettes.drift:diff_command", "classify the drift between two cassettes or directories"),
    "prune": ("llm_cassettes.inventory:prune_command", "list (or --delete) cassettes that no test uses"),
    "stats": (
        "llm_cassettes.inventory:stats_command",
        "origin, age, interactions and provider of each cassette",
    ),
    "serve": ("llm_cassettes.emulator:serve", "run the loopback provider emulator in the foreground"),
    "convert": ("llm_cassettes.vcrpy_compat:convert_command", "vcrpy cassette -> llm-cassettes (or back)"),
}


def _usage() -> str:
    lines = ["usage: llm-cassettes COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<9} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines.append("\nRun `llm-cassettes COMMAND --help` for a command's options.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"llm-cassettes: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, _, function_name = COMMANDS[name][0].partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    return int(function(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
