"""End-to-end demo: record the integration suite against the loopback emulator, then replay it offline.

Recording runs the real tests through the real ttt client and litellm over real sockets, exactly as
``pytest --real-api`` does against the providers, but against the emulator (no keys, no cost). Replay
then runs the same tests from the cassettes with the network blocked. Everything happens in a scratch
copy of the suite, so the repository's committed cassettes are never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(command: list[str], cwd: Path) -> tuple[float, str, int]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    for name in ("REAL_API_TESTS", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"):
        env.pop(name, None)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, completed.stdout + completed.stderr, completed.returncode


def _call_seconds(output: str) -> float:
    """Sum of the tests' call phases from ``--durations=0`` (setup, e.g. importing litellm, excluded)."""
    return sum(float(m.group(1)) for m in re.finditer(r"^([0-9.]+)s call ", output, re.MULTILINE))


PYTEST = [
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:randomly",
    "--durations=0",
    "--durations-min=0",
    "tests/integration",
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="llm-cassettes-demo-") as scratch:
        work = Path(scratch)
        shutil.copy(ROOT / "pyproject.toml", work / "pyproject.toml")
        shutil.copytree(
            ROOT / "tests" / "integration",
            work / "tests" / "integration",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        print(f"scratch copy of the integration suite: {work}")

        print("\n1. record: every test against the loopback emulator, through ttt + litellm ...", flush=True)
        record_wall, out, code = _run([*PYTEST, "--llm-synthetic"], work)
        if code != 0:
            print(out)
            return code
        record_calls = _call_seconds(out)
        print("   " + next(line for line in out.splitlines() if line.startswith("mode record-synthetic")))
        cassettes = sorted((work / "cassettes").rglob("*.yaml"))

        print("2. replay: the same tests from the cassettes, network blocked, no keys ...", flush=True)
        replay_wall, out, code = _run(PYTEST, work)
        summary = [line for line in out.splitlines() if " passed" in line or " failed" in line]
        print("   " + (summary[-1] if summary else out[-500:]))
        if code != 0:
            print(out)
            return code
        tests = int(re.search(r"(\d+) passed", out).group(1))
        replay_calls = _call_seconds(out)

        example = next(p for p in cassettes if "what_is_two_plus_two[anthropic]" in p.name)
        print(f"\n3. one cassette ({example.relative_to(work)}), first lines:")
        for line in example.read_text().splitlines()[:18]:
            print("   | " + line)

        print("\nresult")
        print(f"  tests                 {tests}")
        print(
            f"  cassettes written     {len(cassettes)} (origin: synthetic, hosts rewritten to the real APIs)"
        )
        print(f"  record, call phases   {record_calls:6.2f} s   (wall {record_wall:.1f} s incl. start-up)")
        print(f"  replay, call phases   {replay_calls:6.2f} s   (wall {replay_wall:.1f} s incl. start-up)")
        if replay_calls > 0:
            print(
                f"  replay is {record_calls / replay_calls:.1f}x faster than recording against the loopback "
                "emulator; real providers add network latency and generation time on top"
            )
        print("\nRe-record against the real providers with `pytest --real-api` (needs the API keys).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
