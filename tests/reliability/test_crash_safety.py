"""A recording run killed at any point leaves no corrupt cassette, keeps the old ones, keeps what passed.

Five real ``pytest --real-api`` subprocesses record the same project against a slow emulator (every
answer takes 0.3 s, so a signal lands mid-test) and are interrupted at different points, in parallel:

- SIGKILL right after the first cassette was saved, and SIGKILL in the middle of a request;
- Ctrl-C (SIGINT) mid-test, and an impatient double Ctrl-C;
- SIGKILL while a cassette is being written: the run's conftest holds ``os.replace`` so the kill lands
  between the complete temp file and the rename, the one moment a leftover file can exist.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from llm_cassettes.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    dumps,
    load,
    persist,
)
from llm_cassettes.cli import _inventory as inventory
from llm_cassettes.synthetic.emulator import Emulator

from .projects import PLANTED_KEYS, interruptible_pytest_argv, make_project, project_env, pytest_argv

TESTS = 6
TEST_FILE = "from chat_helper import chat\nimport pytest\n\n" + "\n".join(
    f"""
@pytest.mark.llm(provider="openai")
def test_{i}():
    assert chat("What is {i}+1?") == "{i + 1}"
    assert chat("What is {i}+2?") == "{i + 2}"
"""
    for i in range(TESTS)
)

# Loaded only when CRASH_HOLD_REPLACE is set: announces the rename of a finished temp file and waits,
# so the test can kill the process exactly there.
SLOW_REPLACE_CONFTEST = """
import os, sys, time

if os.environ.get("CRASH_HOLD_REPLACE"):
    _real_replace = os.replace

    def _held_replace(src, dst, *args, **kwargs):
        if ".llm-cassette-" in str(src):
            sys.__stdout__.write("HOLDING-REPLACE\\n")
            sys.__stdout__.flush()
            time.sleep(30)
        return _real_replace(src, dst, *args, **kwargs)

    os.replace = _held_replace
"""

PROGRESS = re.compile(r"\[(\d+)/\S+\] written\s+(\S+)")


def _previous_cassette(i: int) -> str:
    """A valid cassette from an 'earlier recording', distinguishable from anything the run writes."""
    request = RecordedRequest.from_wire(
        "POST", "https://api.openai.com/v1/chat/completions", [], b'{"previous":' + str(i).encode() + b"}"
    )
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], b'{"old":true}')
    meta = {"origin": "recorded", "recorded_at": "2025-01-01T00:00:00Z", "test": f"test_crash.py::test_{i}"}
    return dumps(Cassette(meta=meta, interactions=[Interaction(request, response)]))


@dataclass
class KillPlan:
    name: str
    after_written: int  # progress lines "written" to wait for (0: wait for the held rename instead)
    delay: float  # then wait this long
    signals: tuple[signal.Signals, ...]
    hold_replace: bool = False
    lines: list[str] = field(default_factory=list)
    written_before_kill: set[str] = field(default_factory=set)
    returncode: int | None = None


PLANS = [
    KillPlan("kill-after-save", 1, 0.0, (signal.SIGKILL,)),
    KillPlan("kill-mid-request", 2, 0.45, (signal.SIGKILL,)),
    KillPlan("ctrl-c-mid-test", 2, 0.15, (signal.SIGINT,)),
    KillPlan("double-ctrl-c", 3, 0.35, (signal.SIGINT, signal.SIGINT)),
    KillPlan("kill-mid-write", 0, 0.0, (signal.SIGKILL,), hold_replace=True),
]


def _drive(plan: KillPlan, project: Path, env: dict[str, str]) -> None:
    extra = {**env, **({"CRASH_HOLD_REPLACE": "1"} if plan.hold_replace else {})}
    process = subprocess.Popen(
        interruptible_pytest_argv("--real-api", "--rate-delay", "0", "--llm-progress", "-s"),
        cwd=project,
        env=project_env(extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    written: set[str] = set()
    sent = False
    assert process.stdout is not None
    for line in process.stdout:
        plan.lines.append(line.rstrip("\n"))
        if sent:
            continue
        m = PROGRESS.search(line)
        if m:
            written.add(m.group(2))
        trigger = "HOLDING-REPLACE" in line if plan.hold_replace else len(written) >= plan.after_written
        if trigger:
            plan.written_before_kill = set(written)
            time.sleep(plan.delay)
            for number, sig in enumerate(plan.signals):
                if number:
                    time.sleep(0.05)
                process.send_signal(sig)
            sent = True
    plan.returncode = process.wait(timeout=60)


@pytest.mark.slow  # real pytest subprocesses: run by scripts/test and CI
def test_killed_and_interrupted_recordings_leave_only_whole_cassettes(tmp_path: Path) -> None:
    template = make_project(
        tmp_path / "template", {"test_crash.py": TEST_FILE, "conftest.py": SLOW_REPLACE_CONFTEST}
    )
    previous = {f"test_{i}": _previous_cassette(i).encode() for i in range(TESTS)}
    for name, raw in previous.items():
        path = template / "cassettes" / "test_crash.py" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)

    with Emulator(scenario="slow") as emulator:
        env = {**emulator.env(), **PLANTED_KEYS}
        projects = {plan.name: shutil.copytree(template, tmp_path / plan.name) for plan in PLANS}
        threads = [
            threading.Thread(target=_drive, args=(plan, projects[plan.name], env), daemon=True)
            for plan in PLANS
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

    survived = 0
    for plan in PLANS:
        project = projects[plan.name]
        output = "\n".join(plan.lines)
        assert plan.returncode is not None, f"{plan.name}: still running\n{output}"
        # The signal really landed mid-run: killed by it, or stopped by Ctrl-C (pytest's exit code 2).
        if signal.SIGKILL in plan.signals:
            assert plan.returncode == -signal.SIGKILL, f"{plan.name}: run ended before the kill\n{output}"
        else:
            # One Ctrl-C: pytest stops cleanly (exit 2); a second one during that may kill it outright.
            assert plan.returncode in (2, -signal.SIGINT), f"{plan.name}: expected an interrupt\n{output}"

        cassette_dir = project / "cassettes"
        files = sorted(p for p in cassette_dir.rglob("*") if p.is_file())
        temps = [p for p in files if p.name.startswith(persist.TEMP_PREFIX)]
        cassettes = [p for p in files if p not in temps]
        assert sorted(p.stem for p in cassettes) == sorted(previous), f"{plan.name}: {files}"
        for path in cassettes:
            raw = path.read_bytes()
            cassette = load(path)  # parses: never half-written
            if raw == previous[path.stem]:
                # Untouched: only allowed for tests that had not been reported as saved.
                assert f"cassettes/test_crash.py/{path.name}" not in plan.written_before_kill, plan.name
                continue
            i = int(path.stem.split("_")[1])
            prompts = [json_prompt(x) for x in cassette.interactions]
            assert prompts == [f"What is {i}+1?", f"What is {i}+2?"], f"{plan.name}: {path.name}"
            assert cassette.meta["origin"] == "recorded"
        saved = {f"cassettes/test_crash.py/{p.name}" for p in cassettes if p.read_bytes() != previous[p.stem]}
        assert plan.written_before_kill <= saved, f"{plan.name}: a reported save is missing"

        if plan.hold_replace:
            # Killed between the finished temp file and the rename: one leftover, which is harmless and
            # findable: loaders never list it, stats and prune report it, prune --delete removes it.
            assert len(temps) == 1, files
            assert persist.stale_temp_files(cassette_dir) == temps
            assert temps[0] not in inventory.cassette_files(cassette_dir)
            _assert_listed_by_stats_and_pruned(project, temps[0])
        else:
            assert temps == [], f"{plan.name}: temp files left: {temps}"
        survived += 1
    assert survived == len(PLANS)


def json_prompt(interaction: Interaction) -> str:
    return interaction.request.json["messages"][0]["content"]


def _assert_listed_by_stats_and_pruned(project: Path, temp: Path) -> None:
    stats = subprocess.run(
        [*pytest_argv()[:1], "-m", "llm_cassettes.cli", "stats", "cassettes"],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert temp.name in stats.stdout and "STALE TEMP FILE" in stats.stdout, stats.stdout + stats.stderr
    prune = subprocess.run(
        [*pytest_argv()[:1], "-m", "llm_cassettes.cli", "prune", "--delete"],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert prune.returncode == 0, prune.stdout + prune.stderr
    assert temp.name in prune.stdout, prune.stdout
    assert not temp.exists()
    assert len(list((project / "cassettes").rglob("*.yaml"))) == TESTS  # no live cassette pruned
