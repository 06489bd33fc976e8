"""Synthetic cassettes: run the real tests, through the real client and litellm, against the emulator.

``llm-cassettes generate`` (:func:`generate`) starts pytest in record-synthetic mode
(``--llm-synthetic``): the plugin points every provider's base URL at the loopback emulator, plays each
test's scenario, and saves passing tests' exchanges with the emulator's address rewritten to the
provider's real origin, marked ``origin: synthetic``. Recorded cassettes are replayed, not touched,
unless ``--force``. A cassette whose exchanges did not change is not rewritten, so a second run
leaves ``git diff`` empty.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GenerateOptions:
    """What ``llm-cassettes generate`` was asked to do (see its --help)."""

    selection: Sequence[str] = field(default_factory=list)  # test files, directories or node ids
    force: bool = False  # also overwrite cassettes recorded from real APIs
    check: bool = False  # write nothing; exit 1 if any cassette would change or is missing
    keyword: str | None = None  # pytest -k
    workers: str | None = None  # pytest-xdist -n
    quiet: bool = False  # no progress lines


def pytest_command(args: GenerateOptions, report: Path) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        *args.selection,
        "-m",
        "llm",
        "--llm-synthetic",
        "--llm-report",
        str(report),
        "--llm-progress",
        "-q",
        "--no-header",
        "-p",
        "no:randomly",
    ]
    if args.force:
        command.append("--llm-force")
    if args.check:
        command.append("--llm-check")
    if args.keyword:
        command += ["-k", args.keyword]
    if args.workers:
        command += ["-n", str(args.workers)]
    return command


def generate(args: GenerateOptions, *, in_process: bool = False) -> int:
    """Run the generator; ``in_process`` runs pytest in this interpreter (for tests of the suite).

    Exit code: 0 done, 1 a test failed or (``check``) a cassette would change, 2 pytest was used wrongly,
    3 pytest failed before any test ran.
    """
    with tempfile.TemporaryDirectory(prefix="llm-cassettes-") as scratch:
        report = Path(scratch) / "report.json"
        command = pytest_command(args, report)
        returncode = _run_in_process(command[3:]) if in_process else _run_subprocess(command, args.quiet)
        outcomes = json.loads(report.read_text(encoding="utf-8")) if report.exists() else []
    if not outcomes and returncode not in (0, 5):
        print(
            f"llm-cassettes generate: pytest failed (exit {returncode}) before any test ran; "
            "see its output above",
            file=sys.stderr,
        )
        return 2 if returncode == 4 else 3  # pytest's 4 is a usage error (an unknown option, a bad path)
    return _summarise(outcomes, check=args.check, pytest_exit=returncode)


def _run_subprocess(command: list[str], quiet: bool) -> int:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("REAL_API_TESTS", None)  # --llm-synthetic wins anyway; keep the child's view unambiguous
    stdout = subprocess.DEVNULL if quiet else None
    return subprocess.run(command, env=env, stdout=stdout, check=False).returncode


def _run_in_process(pytest_args: list[str]) -> int:
    import pytest

    return int(pytest.main(pytest_args))


_LABELS = {
    "written": "written",
    "unchanged": "unchanged",
    "kept-recorded": "skipped (recorded)",
    "would-change": "would change",
    "not-saved": "failed (not saved)",
    "empty": "no requests",
}


def _summarise(outcomes: list[dict], *, check: bool, pytest_exit: int) -> int:
    counts = Counter(o.get("result", "?") for o in outcomes)
    parts = [f"{counts[key]} {label}" for key, label in _LABELS.items() if counts.get(key)]
    print(f"llm-cassettes generate: {len(outcomes)} tests: " + (", ".join(parts) or "nothing to do"))
    for outcome in outcomes:
        if outcome.get("result") in ("would-change", "not-saved"):
            print(f"  {_LABELS[outcome['result']]}: {outcome['cassette']}  ({outcome['test']})")
    unserved = [o for o in outcomes if o.get("unknown_routes")]
    if unserved:
        print("  tests that called endpoints the emulator does not serve (each got the provider's 404):")
        for outcome in unserved:
            print(f"    {outcome['test']}: {', '.join(outcome['unknown_routes'])}")
    unsatisfied = [o for o in outcomes if o.get("scenario_errors")]
    if unsatisfied:
        print("  tests whose tool or output schema the emulator could not satisfy (each got a 400):")
        for outcome in unsatisfied:
            for error in outcome["scenario_errors"]:
                print(f"    {outcome['test']}: {error}")
    if check and counts.get("would-change"):
        print("run `llm-cassettes generate` and commit the result", file=sys.stderr)
        return 1
    if counts.get("not-saved") or pytest_exit not in (0, 5):
        return 1
    return 0
