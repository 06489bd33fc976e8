"""pytest-xdist: recording under ``-n 4`` writes each cassette once and whole; replay under ``-n 2``
matches serial (replay only reads: two workers show it as well as four, at half the start-ups).

Each test asks its own arithmetic questions, so every recorded answer says which request it belongs to:
an interaction lost, duplicated or interleaved from another worker's test shows as a wrong prompt or sum.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from llm_cassettes.cassette import load
from llm_cassettes.synthetic.emulator import Emulator

from .projects import PLANTED_KEYS, cassettes_under, make_project, run_project

MODULES = 3
PER_MODULE = 4


def _calls(m: int, t: int) -> list[tuple[int, int]]:
    """The (a, b) of each "What is a+b?" asked by test t of module m: 1 to 3 calls."""
    return [(10 * m + t, k) for k in range(1, 2 + (m + t) % 3)]


def _module(m: int) -> str:
    tests = []
    for t in range(PER_MODULE):
        asks = "\n".join(f'    assert chat("What is {a}+{b}?") == "{a + b}"' for a, b in _calls(m, t))
        if t == 3:  # the async flavour: an AsyncClient in an event loop inside a worker
            asks = "\n".join(
                f'    assert await achat("What is {a}+{b}?") == "{a + b}"' for a, b in _calls(m, t)
            )
            tests.append(f'@pytest.mark.llm(provider="openai")\nasync def test_{t}():\n{asks}\n')
        else:
            tests.append(f'@pytest.mark.llm(provider="openai")\ndef test_{t}():\n{asks}\n')
    # Fails in every run: its cassette must never be written, in serial or in parallel.
    tests.append(
        '@pytest.mark.llm(provider="openai")\ndef test_fails():\n    assert chat("What is 1+1?") == "3"\n'
    )
    tests.append(
        '@pytest.mark.llm(provider="openai")\n@pytest.mark.parametrize("n", [1, 2])\n'
        "def test_param(n):\n"
        f'    assert chat(f"What is {m}+{{n}}?") == str({m} + n)\n'
    )
    return "import pytest\nfrom chat_helper import chat, achat\n\n\n" + "\n\n".join(tests)


ASYNC_HELPER = """

async def achat(prompt):
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            os.environ["OPENAI_API_BASE"] + "/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]},
            headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]},
        )
    return response.json()["choices"][0]["message"]["content"]
"""


def _outcomes(junit: Path) -> dict[str, str]:
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        results[name] = kinds[0] if kinds else "passed"
    return results


def _expected_prompts(stem: str, module: str) -> list[str]:
    """What test ``stem`` of module ``module`` (its cassette folder is ``<module>.py``) asked."""
    m = int(module.rsplit("_", 1)[1])
    if stem.startswith("test_param"):  # "test_param[2]"
        return [f"What is {m}+{stem.partition('[')[2].rstrip(']')}?"]
    t = int(stem.split("_")[1])
    return [f"What is {a}+{b}?" for a, b in _calls(m, t)]


@pytest.mark.slow  # real pytest subprocesses: run by scripts/test and CI
def test_xdist_record_writes_each_cassette_once_and_replay_matches_serial(tmp_path: Path) -> None:
    files = {f"test_mod_{m}.py": _module(m) for m in range(MODULES)}
    project = make_project(tmp_path / "p", files)
    (project / "chat_helper.py").write_text(
        (project / "chat_helper.py").read_text() + ASYNC_HELPER, encoding="utf-8"
    )

    with Emulator() as emulator:
        env = {**emulator.env(), **PLANTED_KEYS}
        record = run_project(
            project, "--real-api", "--rate-delay", "0", "-n", "4", "--llm-report", "record.json",
            "--junitxml", "record.xml", env=env,
        )  # fmt: skip
        requests_seen = len(emulator.requests)
    assert record.returncode == 1, record.stdout + record.stderr  # the three test_fails fail
    recorded_outcomes = _outcomes(project / "record.xml")

    # Written exactly once each: one "written" outcome per passing test, no cassette twice.
    report = json.loads((project / "record.json").read_text())
    written = [o["cassette"] for o in report if o.get("result") == "written"]
    assert len(written) == len(set(written)) == MODULES * (PER_MODULE + 2)
    assert sorted(written) == sorted(str(p.relative_to(project)) for p in cassettes_under(project))
    assert not any("test_fails" in w for w in written)

    # Whole and not interleaved: each cassette holds exactly its own test's questions and sums.
    total = 0
    for path in cassettes_under(project):
        cassette = load(path)
        prompts = [i.request.json["messages"][0]["content"] for i in cassette.interactions]
        assert prompts == _expected_prompts(path.stem, path.parent.stem), path
        for interaction, prompt in zip(cassette.interactions, prompts, strict=True):
            a, b = (int(x) for x in prompt.removeprefix("What is ").removesuffix("?").split("+"))
            answer = json.loads(interaction.response.body)["choices"][0]["message"]["content"]
            assert answer == str(a + b), (path, prompt, answer)
        total += len(cassette.interactions)
    assert total + MODULES == requests_seen  # every request of a passing test was kept, once
    snapshot = {p: p.read_bytes() for p in cassettes_under(project)}

    # Replay (emulator gone; same base URLs as the recording, as CI would set them).
    # Both replays at once: they only read, and running them side by side halves the wall time.
    with ThreadPoolExecutor(2) as pool:
        serial_run = pool.submit(run_project, project, "--junitxml", "serial.xml", env=env)
        parallel_run = pool.submit(run_project, project, "-n", "2", "--junitxml", "parallel.xml", env=env)
        serial, parallel = serial_run.result(), parallel_run.result()
    serial_outcomes = _outcomes(project / "serial.xml")
    parallel_outcomes = _outcomes(project / "parallel.xml")
    assert serial_outcomes == parallel_outcomes, parallel.stdout
    assert serial_outcomes == recorded_outcomes
    assert Counter(serial_outcomes.values()) == {"passed": MODULES * (PER_MODULE + 2), "failure": MODULES}
    assert serial.returncode == parallel.returncode == 1
    assert {p: p.read_bytes() for p in cassettes_under(project)} == snapshot  # replay writes nothing
