"""``llm-cassettes serve``: run the loopback provider emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import ScenarioError
from ..providers import PROVIDERS
from ..synthetic.emulator import Emulator
from ..synthetic.scenarios import Scenario, load_scenario_file, resolve
from ._common import OK, USAGE, run

HELP = "run the loopback provider emulator in the foreground"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-cassettes serve",
        description="A loopback HTTP/1.1 server that speaks the OpenAI, Anthropic and OpenRouter chat APIs.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--scenario", default="success", help="builtin scenario, or one from --scenario-file")
    parser.add_argument("--scenario-file", type=Path, help="YAML file of extra scenarios")
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="share of the providers' stream pacing to really wait: 1 (default) streams like them, "
        "0.1 ten times faster, 0 at once",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``argv`` may start with the command name itself (``["serve", ...]``), as ``sys.argv[1:]`` does."""
    args = list(sys.argv[1:] if argv is None else argv)
    return run(parser(), args[1:] if args[:1] == ["serve"] else args, _serve)


def _serve(args: argparse.Namespace) -> int:
    try:
        scenario = _pick_scenario(args.scenario, args.scenario_file)
        emulator = Emulator(port=args.port, scenario=scenario, pace=max(0.0, args.pace)).start()
    except (ScenarioError, OSError) as exc:
        print(f"llm-cassettes serve: {exc}", file=sys.stderr)
        return USAGE
    try:  # Ctrl-C may land while we are still printing: stop cleanly in every case
        _print_exports(emulator, scenario)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return OK


def _print_exports(emulator: Emulator, scenario: Scenario) -> None:
    print(f"# llm-cassettes emulator on {emulator.url} (scenario: {scenario.name}); Ctrl-C to stop")
    for name, value in emulator.env().items():
        print(f"export {name}={value}")
    for provider in PROVIDERS.values():  # litellm insists on a key; the emulator ignores it
        print(f"export {provider.key_env}=fake-{provider.name}-key-for-emulator")
    sys.stdout.flush()


def _pick_scenario(name: str, scenario_file: Path | None) -> Scenario:
    if scenario_file is not None:
        loaded = load_scenario_file(scenario_file)
        if name in loaded:
            return loaded[name]
    return resolve(name)
