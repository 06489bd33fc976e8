"""End-to-end demo: record the integration suite against the loopback emulator, then replay it offline.

Recording runs the real tests through the real ttt client and litellm over real sockets, exactly as
``pytest --real-api`` does against the providers, but against the emulator (no keys, no cost). Replay
then runs the same tests from the cassettes with the network blocked.

The suite runs in place, from the repository's own ``tests/`` and ``pyproject.toml``, so it finds every
helper file it imports wherever the suite keeps it; only the cassette directory is redirected
(``-o llm_cassettes_dir=<scratch>``). The repository's committed cassettes are fingerprinted before and
after, and the demo fails if they changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = "tests/integration"


class DemoError(Exception):
    """A step of the demo failed; the message names the step and carries the output that explains it."""


def _run(command: list[str]) -> tuple[float, str, int]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    # The demo must never reach a real provider, whatever the caller's shell holds.
    for name in ("REAL_API_TESTS", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"):
        env.pop(name, None)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, completed.stdout + completed.stderr, completed.returncode


def _call_seconds(output: str) -> float:
    """Sum of the tests' call phases from ``--durations=0`` (setup, e.g. importing litellm, excluded)."""
    return sum(float(m.group(1)) for m in re.finditer(r"^([0-9.]+)s call ", output, re.MULTILINE))


def _fingerprint(directory: Path) -> str:
    """One hash over every file's relative path and bytes: any write, rename or stray file changes it."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _pytest(cassette_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--durations=0",
        "--durations-min=0",
        "-o",
        f"llm_cassettes_dir={cassette_dir}",
        *extra,
        SUITE,
    ]


def _step(name: str, command: list[str]) -> tuple[float, str]:
    wall, out, code = _run(command)
    if code != 0:
        raise DemoError(f"step '{name}' failed (pytest exit code {code}):\n{out}")
    return wall, out


def demo(scratch: Path) -> None:
    committed = ROOT / "cassettes"
    before = _fingerprint(committed) if committed.is_dir() else None
    cassette_dir = scratch / "cassettes"
    print(f"suite: {SUITE} (in place); cassettes go to the scratch folder {cassette_dir}")

    print("\n1. record: every test against the loopback emulator, through ttt + litellm ...", flush=True)
    record_wall, out = _step("record", _pytest(cassette_dir, "--llm-synthetic"))
    record_calls = _call_seconds(out)
    mode_line = next((line for line in out.splitlines() if line.startswith("mode record-synthetic")), "")
    print("   " + mode_line)
    cassettes = sorted(cassette_dir.rglob("*.yaml"))
    if not cassettes:
        raise DemoError(f"step 'record' wrote no cassette under {cassette_dir}:\n{out}")

    print("2. replay: the same tests from the cassettes, network blocked, no keys ...", flush=True)
    replay_wall, out = _step("replay", _pytest(cassette_dir))
    summary = [line for line in out.splitlines() if " passed" in line]
    print("   " + (summary[-1] if summary else ""))
    passed = re.search(r"(\d+) passed", out)
    if passed is None:
        raise DemoError(f"step 'replay' ran no test:\n{out}")
    tests = int(passed.group(1))
    replay_calls = _call_seconds(out)

    example = next((p for p in cassettes if "what_is_two_plus_two" in p.name), cassettes[0])
    print(f"\n3. one cassette ({example.relative_to(cassette_dir)}), first lines:")
    for line in example.read_text(encoding="utf-8").splitlines()[:18]:
        print("   | " + line)

    after = _fingerprint(committed) if committed.is_dir() else None
    if before != after:
        raise DemoError(f"step 'check' failed: the demo changed the committed cassettes in {committed}")

    print("\nresult")
    print(f"  tests                 {tests}")
    print(f"  cassettes written     {len(cassettes)} (origin: synthetic, hosts rewritten to the real APIs)")
    print(f"  record, call phases   {record_calls:6.2f} s   (wall {record_wall:.1f} s incl. start-up)")
    print(f"  replay, call phases   {replay_calls:6.2f} s   (wall {replay_wall:.1f} s incl. start-up)")
    if replay_calls > 0:
        print(
            f"  replay is {record_calls / replay_calls:.1f}x faster than recording against the loopback "
            "emulator; real providers add network latency and generation time on top"
        )
    print(f"  committed cassettes   unchanged ({committed.relative_to(ROOT)}/)")
    print("\nRe-record against the real providers with `pytest --real-api` (needs the API keys).")


def main() -> int:
    try:
        scratch = tempfile.mkdtemp(prefix="llm-cassettes-demo-")
    except OSError as exc:
        print(
            f"demo: step 'scratch' failed: cannot create a scratch folder ({exc}); "
            "set TMPDIR to a writable directory and run scripts/demo again",
            file=sys.stderr,
        )
        return 1
    try:
        demo(Path(scratch))
    except DemoError as exc:
        print(f"\ndemo: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
