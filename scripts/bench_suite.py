#!/usr/bin/env python
"""Per-test cost of llm-cassettes on a suite of many small tests, next to an in-memory transport and vcrpy.

``bench_replay.py`` measures one call; this measures what a large suite pays per *test*: the fixture, the
cassette read, the guard, the patching, the teardown. Three copies of the same suite are written into a
temporary folder, each of ``--tests`` tests (default 400) making two chat-completion calls on one shared
``httpx.Client``, and each answered differently:

  (a)  floor    the client (built like the others) has an in-memory ``httpx.BaseTransport`` mounted for
                every URL, returning the canned bytes; pytest runs with the llm-cassettes and
                pytest-recording plugins disabled
  (a+) unmarked the same suite with both plugins loaded, as in a project that has them installed: what
                tests that use no cassette pay
  (b)  vcrpy    stock pytest-recording (``@pytest.mark.vcr``): recorded once with ``--record-mode=once``
                against a loopback HTTP server, replayed with ``--record-mode=none``
  (c)  ours     llm-cassettes (``@pytest.mark.llm``): recorded once with ``--real-api`` against the same
                loopback server, replayed with plain ``pytest``; its parse cache (a folder of the
                temporary tree) holds the documents of the warm-up run, as after any earlier run
  (c0) ours     the same with the parse cache off: every cassette's YAML is parsed, as on the first run
                after the cassettes change (shown for information; the targets are read from (c))

The loopback server is stopped before any timed run, so (b) and (c) replay for real. Every run must pass
all its tests (each test checks both answers). The suites run best-of-``--rounds`` (default 9: on a shared
2-core VM one suite's time varies by half from run to run, (a) alone from 0.45 to 0.73 s), rounds
interleaved (a, a+, b, c, c0, then again in a rotated order) so they share the machine's noise. "pytest time"
is the session's own duration (``pytest_sessionstart`` to ``pytest_sessionfinish``: collection and the
tests, not the interpreter start-up). Per-test overhead is (x - a) / tests.

Targets: (c) - (a) <= 0.6 ms per test, and (b)'s overhead >= 8x (c)'s.

Usage::

    python scripts/bench_suite.py                 # ~1.5 minutes
    python scripts/bench_suite.py --tests 100 --rounds 1    # smoke run
    python scripts/bench_suite.py --keep /tmp/suites        # keep the generated projects to profile them
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
MODULES = 20  # the tests are spread over this many modules, as in a real suite
PATH = "/v1/chat/completions"

# A few of a recorded OpenAI answer's headers (see cassettes/test_chat/*.yaml): a cassette of two
# interactions is ~2 KB, the median size of the cassettes in cassettes/.
RESPONSE_HEADERS = [
    ("content-type", "application/json"),
    ("openai-version", "2020-10-01"),
    ("x-ratelimit-remaining-requests", "4999"),
    ("x-ratelimit-remaining-tokens", "799993"),
]


def canned_response(request_body: bytes) -> bytes:
    """The answer to one request: the same bytes from the loopback server and the in-memory transport."""
    question = json.loads(request_body)["messages"][-1]["content"]
    doc = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_735_689_600,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"answer to {question}", "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
    }
    return json.dumps(doc).encode()


# ------------------------------------------------------------------------------------------ the suites

SUITES = ("a", "a+", "b", "c", "c0")
LABELS = {
    "a": "(a) in-memory transport, plugins off",
    "a+": "(a+) in-memory, plugins loaded (unmarked)",
    "b": "(b) pytest-recording / vcrpy",
    "c": "(c) llm-cassettes",
    "c0": "(c0) llm-cassettes, parse cache off",
}
# Which project folder each suite runs in, and its extra pytest arguments.
PROJECT = {"a": "floor", "a+": "floor", "b": "vcrpy", "c": "ours", "c0": "ours"}
ARGS = {
    "a": ["-p", "no:llm_cassettes", "-p", "no:recording"],
    "a+": [],
    "b": ["-p", "no:llm_cassettes", "--record-mode=none"],
    "c": [],
    "c0": [],
}
# Extra variables of a suite's runs: (c0) reads every cassette's YAML, as the first run after an edit does.
ENV = {"c0": {"LLM_CASSETTES_CACHE_DIR": ""}}

TIMER_PLUGIN = '''\
"""Writes the pytest session's own duration (collection + tests) to $BENCH_TIMER_OUT."""
import os
import time

import pytest

_START = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _START.extend((time.perf_counter(), time.process_time()))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("BENCH_TIMER_OUT"):
        with open(os.environ["BENCH_TIMER_OUT"], "w") as out:
            out.write(f"{time.perf_counter() - _START[0]!r} {time.process_time() - _START[1]!r}")
'''

CONFTEST = {
    "floor": f"""\
import os
import sys

import httpx
import pytest

sys.path.insert(0, {str(SCRIPTS)!r})
from bench_suite import RESPONSE_HEADERS, canned_response


class InMemory(httpx.BaseTransport):
    def handle_request(self, request):
        return httpx.Response(200, headers=RESPONSE_HEADERS, content=canned_response(request.read()))


@pytest.fixture(scope="session")
def llm_client():
    # Built as the other suites build theirs (the default transport loads the CA bundle, ~20-70 ms),
    # with every request routed to the in-memory transport.
    with httpx.Client(base_url=os.environ["BENCH_BASE_URL"], mounts={{"all://": InMemory()}}) as client:
        yield client
""",
    "real": """\
import os

import httpx
import pytest


@pytest.fixture(scope="session")
def llm_client():
    with httpx.Client(base_url=os.environ["BENCH_BASE_URL"]) as client:
        yield client
""",
}

MARK = {"floor": "", "vcrpy": "pytestmark = pytest.mark.vcr\n", "ours": "pytestmark = pytest.mark.llm\n"}


def test_module(project: str, module: int, tests: range) -> str:
    lines = ["import pytest", "", MARK[project]]
    for t in tests:
        lines += [
            "",
            f"def test_question_{t:04d}(llm_client):",
            "    for turn in (1, 2):",
            f'        question = f"module {module} test {t} turn {{turn}}"',
            "        response = llm_client.post(",
            f'            "{PATH}",',
            '            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]},',
            "        )",
            "        assert response.status_code == 200",
            '        assert response.json()["choices"][0]["message"]["content"] == f"answer to {question}"',
        ]
    return "\n".join(lines) + "\n"


def write_projects(root: Path, tests: int) -> None:
    (root / "bench_timer.py").write_text(TIMER_PLUGIN)
    per_module = -(-tests // MODULES)
    for project in ("floor", "vcrpy", "ours"):
        folder = root / project
        (folder / "tests").mkdir(parents=True)
        (folder / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
        (folder / "tests" / "conftest.py").write_text(CONFTEST["floor" if project == "floor" else "real"])
        for module in range(MODULES):
            chunk = range(module * per_module, min(tests, (module + 1) * per_module))
            if chunk:
                (folder / "tests" / f"test_m{module:02d}.py").write_text(test_module(project, module, chunk))


# ------------------------------------------------------------------------------------------ recording


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a provider
    server_version, sys_version = "bench", ""
    disable_nagle_algorithm = True  # else headers and body leave in two segments: 40 ms delayed ACKs

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        answer = canned_response(body)
        self.send_response(200)
        for name, value in RESPONSE_HEADERS:
            self.send_header(name, value)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def loopback_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pytest_env(root: Path, base_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "REAL_API", "LLM_CASSETTES")) and not k.endswith("_API_KEY")
    }
    env.update(
        BENCH_BASE_URL=base_url,
        PYTHONPATH=os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PYTHONDONTWRITEBYTECODE="",  # compiled test modules are reused across rounds, as in a real suite
        # The parse cache of these runs only (filled by the warm-up run, as by any earlier run of a suite).
        LLM_CASSETTES_CACHE_DIR=str(root / "parse-cache"),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    return env


def run_pytest(folder: Path, env: dict[str, str], args: list[str], tests: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_timer", *args]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or f"{tests} passed" not in done.stdout:
        sys.exit(f"pytest {' '.join(args)} in {folder} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def record(root: Path, env: dict[str, str], tests: int) -> None:
    run_pytest(root / "vcrpy", env, ["-p", "no:llm_cassettes", "--record-mode=once"], tests)
    run_pytest(root / "ours", env, ["--real-api", "--rate-delay", "0"], tests)
    counts = {
        "vcrpy": len(list((root / "vcrpy").rglob("cassettes/*/*.yaml"))),
        "ours": len(list((root / "ours" / "cassettes").rglob("*.yaml"))),
    }
    if counts != {"vcrpy": tests, "ours": tests}:
        sys.exit(f"expected {tests} cassettes per suite, found {counts}")


# ------------------------------------------------------------------------------------------ measuring


@dataclass
class Timings:
    session: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SUITES})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SUITES})

    def best(self, suite: str) -> float:
        return min(self.session[suite])

    def best_cpu(self, suite: str) -> float:
        return min(self.cpu[suite])

    def median(self, suite: str) -> float:
        return statistics.median(self.session[suite])


def measure(root: Path, env: dict[str, str], tests: int, rounds: int) -> Timings:
    timings = Timings()
    out = root / "timer.out"
    env = {**env, "BENCH_TIMER_OUT": str(out)}
    for (
        suite
    ) in SUITES:  # warm-up: byte-compile the test modules, fill the OS file cache and (c)'s parse cache
        run_pytest(root / PROJECT[suite], {**env, **ENV.get(suite, {})}, ARGS[suite], tests)
    for r in range(rounds):
        order = SUITES[r % len(SUITES) :] + SUITES[: r % len(SUITES)]
        for suite in order:
            run_pytest(root / PROJECT[suite], {**env, **ENV.get(suite, {})}, ARGS[suite], tests)
            session, cpu = map(float, out.read_text().split())
            timings.session[suite].append(session)
            timings.cpu[suite].append(cpu)
        print(
            f"round {r + 1}/{rounds}: " + ", ".join(f"{s} {timings.session[s][-1]:.3f} s" for s in SUITES),
            file=sys.stderr,
        )
    return timings


# ------------------------------------------------------------------------------------------ report


def versions() -> str:
    from importlib.metadata import version

    names = ("pytest", "httpx", "vcrpy", "pytest-recording", "pyyaml")
    return ", ".join(f"{n} {version(n)}" for n in names)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"CPython {platform.python_version()}, {versions()}"
    )


def report(timings: Timings, tests: int, rounds: int) -> bool:
    over = {s: (timings.best(s) - timings.best("a")) / tests * 1000 for s in SUITES}
    over_cpu = {s: (timings.best_cpu(s) - timings.best_cpu("a")) / tests * 1000 for s in SUITES}
    print()
    print(f"Machine: {machine()}")
    print(
        f"{tests} tests x 2 calls on one httpx client; pytest session time (and the process's CPU time "
        f"over the same span), best of {rounds}."
    )
    print()
    print(
        "| suite | pytest s | per test ms | overhead over (a) ms/test | overhead / (c)'s "
        "| CPU s | CPU overhead ms/test |"
    )
    print("|:---|---:|---:|---:|---:|---:|---:|")
    for s in SUITES:
        ratio = f"{over[s] / over['c']:.1f}" if s != "a" and over["c"] > 0 else "—"
        cells = ("—", "—") if s == "a" else (f"{over[s]:.3f}", f"{over_cpu[s]:.3f}")
        print(
            f"| {LABELS[s]} | {timings.best(s):.3f} | {timings.best(s) / tests * 1000:.2f} | {cells[0]} "
            f"| {ratio} | {timings.best_cpu(s):.3f} | {cells[1]} |"
        )
    print()
    ok = True

    def target(name: str, passed: bool, detail: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")

    target("(c) - (a) <= 0.6 ms per test", over["c"] <= 0.6, f"{over['c']:.3f} ms")
    ratio = over["b"] / over["c"] if over["c"] > 0 else float("inf")
    target(
        "(b)'s overhead >= 8x (c)'s", ratio >= 8, f"{over['b']:.3f} ms / {over['c']:.3f} ms = {ratio:.1f}x"
    )
    print(f"info  unmarked tests with the plugins loaded: {over['a+']:+.3f} ms per test over (a)")
    print(f"info  with the parse cache off (every YAML parsed): {over['c0']:+.3f} ms per test over (a)")
    # The best round of each suite is what the targets read; the medians show how far one lucky or
    # unlucky round of (a) or (b) moved them on a noisy machine.
    middle = {s: (timings.median(s) - timings.median("a")) / tests * 1000 for s in SUITES}
    middle_ratio = f"{middle['b'] / middle['c']:.1f}x" if middle["c"] > 0 else "(no overhead of (c) left)"
    print(
        f"info  medians of the {rounds} rounds instead of the best: (c) - (a) {middle['c']:.3f} ms, "
        f"(b)'s overhead / (c)'s {middle_ratio}, unmarked {middle['a+']:+.3f} ms"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tests", type=int, default=400, help="tests per suite (default 400)")
    parser.add_argument(
        "--rounds", type=int, default=9, help="timed runs of each suite, best kept (default 9)"
    )
    parser.add_argument("--keep", type=Path, default=None, help="write the suites here and keep them")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.keep is not None:
            shutil.rmtree(args.keep, ignore_errors=True)
            root = args.keep
            root.mkdir(parents=True)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-suite-")))
        write_projects(root, args.tests)
        with loopback_server() as base_url:
            env = pytest_env(root, base_url)
            record(root, env, args.tests)
        # The server is gone: from here on every answer comes from the transport or a cassette.
        timings = measure(root, env, args.tests, args.rounds)
        if args.keep is not None:
            (root / "env.json").write_text(json.dumps({"BENCH_BASE_URL": base_url}))
    ok = report(timings, args.tests, args.rounds)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
