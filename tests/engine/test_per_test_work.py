"""What every test pays: work done once per run, one read and parse per cassette, nothing for idle fixtures.

Each test runs a small pytester project in-process and counts, through the real functions (wrapped, not
replaced), how often the work happens, or lists the fixtures pytest really set up for each test.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from llm_cassettes.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    dumps,
    fast_yaml,
    yaml_io,
)
from llm_cassettes.recording import state as state_module

URL = "https://api.openai.com/v1/chat/completions"


def write_cassette(project: pytest.Pytester, module: str, test: str, question: str) -> None:
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}).encode()
    answer = json.dumps({"choices": [{"message": {"content": f"answer to {question}"}}]}).encode()
    cassette = Cassette(
        meta={"format": 1, "origin": "synthetic", "scenario": "success"},
        interactions=[
            Interaction(
                RecordedRequest.from_wire("POST", URL, [("content-type", "application/json")], body),
                RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], answer),
            )
        ],
    )
    path = project.path / "cassettes" / f"{module}.py" / f"{test}.yaml"  # the test file's own folder
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(cassette), encoding="utf-8")


REPLAYED = """
import httpx, pytest

CLIENT = httpx.Client()

@pytest.mark.llm{marker_args}
@pytest.mark.parametrize("n", range({count}))
def test_ask(n):
    question = f"question {{n}}"
    body = {{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": question}}]}}
    answer = CLIENT.post("{url}", json=body).json()
    assert answer["choices"][0]["message"]["content"] == f"answer to {{question}}"
"""


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, counts: Counter[str]) -> None:
    real = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        counts[name] += 1
        counts[f"{name}:fast" if result is not None else f"{name}:declined"] += 1
        return result

    monkeypatch.setattr(owner, name, counted)


def test_each_cassette_is_read_and_parsed_once_per_test_on_the_fast_path(project, monkeypatch) -> None:
    project.makepyfile(test_many=REPLAYED.format(marker_args="", count=5, url=URL))
    for n in range(5):
        write_cassette(project, "test_many", f"test_ask[{n}]", f"question {n}")
    counts: Counter[str] = Counter()
    for name in ("_read_text", "parse"):
        counting(monkeypatch, yaml_io, name, counts)
    counting(monkeypatch, fast_yaml, "load", counts)
    project.runpytest().assert_outcomes(passed=5)
    assert (counts["_read_text"], counts["parse"], counts["load"]) == (5, 5, 5)
    assert counts["load:fast"] == 5  # yaml-rs read every one: no PyYAML fallback


def test_the_next_run_reads_each_cassette_once_and_parses_no_yaml(project, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LLM_CASSETTES_CACHE_DIR", str(tmp_path / "parse-cache"))
    project.makepyfile(test_many=REPLAYED.format(marker_args="", count=5, url=URL))
    for n in range(5):
        write_cassette(project, "test_many", f"test_ask[{n}]", f"question {n}")
    project.runpytest().assert_outcomes(passed=5)  # parses the YAML, keeps the documents
    assert len(list((tmp_path / "parse-cache").glob("*.pack"))) == 1  # one folder, one pack
    counts: Counter[str] = Counter()
    counting(monkeypatch, yaml_io, "_read_text", counts)
    counting(monkeypatch, fast_yaml, "load", counts)
    project.runpytest().assert_outcomes(passed=5)
    assert (counts["_read_text"], counts["load"]) == (5, 0)  # read for its hash, parsed never
    write_cassette(project, "test_many", "test_ask[0]", "question 0")  # same text: still a hit
    (project.path / "cassettes" / "test_many.py" / "test_ask[1].yaml").write_text("meta: [broken\n")
    result = project.runpytest()
    result.assert_outcomes(passed=4, errors=1)  # an edited file is parsed again, and its error shown
    assert (counts["load"], counts["load:fast"]) == (1, 0)  # only the edited one; PyYAML words its error
    result.stdout.fnmatch_lines(["*test_ask?1?.yaml*not valid YAML*"])


def test_scenario_files_are_read_once_per_run_not_per_test(project, monkeypatch) -> None:
    project.makefile(
        ".yaml",
        scenarios="flaky:\n  description: one 503\n  real_api_can_produce: false\n  steps:\n  - {kind: ok}\n",
    )
    project.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "llm_cassettes_scenario_files = scenarios.yaml\n"
    )
    project.makepyfile(test_many=REPLAYED.format(marker_args='(scenario="flaky")', count=4, url=URL))
    for n in range(4):
        write_cassette(project, "test_many", f"test_ask[{n}]", f"question {n}")
    counts: Counter[str] = Counter()
    counting(monkeypatch, state_module, "load_scenario_file", counts)
    project.runpytest().assert_outcomes(passed=4)
    assert counts["load_scenario_file"] == 1


FIXTURE_NAMES = """
import json, os, pathlib, pytest

OUT = pathlib.Path(os.environ["LLM_TEST_OUT"])

def _keep(request):
    (OUT / (request.node.name + ".json")).write_text(json.dumps(list(request.fixturenames)))

def test_plain(request):
    _keep(request)

@pytest.mark.vcr
def test_vcr_marked(request):
    _keep(request)

@pytest.mark.block_network
def test_network_blocked(request):
    _keep(request)

def test_asks_for_vcr(request, vcr):
    assert vcr is None
    _keep(request)

@pytest.mark.usefixtures("vcr")
def test_uses_vcr(request):
    _keep(request)

@pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.vcr)])
def test_sibling(request, n):
    _keep(request)

@pytest.mark.llm
def test_llm(request):
    _keep(request)
"""


def fixture_order_by_test(out: Path) -> dict[str, list[str]]:
    return {p.stem: json.loads(p.read_text()) for p in out.iterdir()}


def fixtures_by_test(out: Path) -> dict[str, set[str]]:
    return {name: set(order) for name, order in fixture_order_by_test(out).items()}


RECORDING = {"vcr", "block_network", "vcr_markers"}


@pytest.mark.parametrize("args", [(), ("--real-api",)])
def test_idle_autouse_fixtures_are_not_set_up(project, tmp_path, args) -> None:
    project.makepyfile(test_fixtures=FIXTURE_NAMES)
    project.makepyfile(conftest="")
    project.runpytest(*args).assert_outcomes(passed=8)
    seen = fixtures_by_test(tmp_path / "out")
    assert not RECORDING & seen["test_plain"]  # neither marker: pytest-recording's would yield None
    assert seen["test_vcr_marked"] >= RECORDING
    assert {"block_network", "vcr_markers"} <= seen["test_network_blocked"]
    assert "vcr" in seen["test_asks_for_vcr"] and "vcr" in seen["test_uses_vcr"]
    # Parametrized siblings share their fixture closure: one marked sibling keeps it for both.
    assert seen["test_sibling[1]"] >= RECORDING and seen["test_sibling[2]"] >= RECORDING
    # The guard covers tests that use cassettes (llm_cassettes_block_network = llm): nothing to do here.
    assert "llm_cassette" not in seen["test_plain"] and "llm_cassette" in seen["test_llm"]
    assert "monkeypatch" not in seen["test_llm"]


def test_a_guard_for_every_test_keeps_llm_cassette_on_unmarked_tests(project, tmp_path) -> None:
    project.makepyfile(test_fixtures=FIXTURE_NAMES)
    project.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "llm_cassettes_block_network = all\n"
    )
    project.runpytest("-k", "plain").assert_outcomes(passed=1)
    assert "llm_cassette" in fixtures_by_test(tmp_path / "out")["test_plain"]


def test_block_network_option_and_conftest_overrides_keep_their_fixtures(project, tmp_path) -> None:
    project.makepyfile(test_fixtures=FIXTURE_NAMES)
    project.makepyfile(
        conftest="import pytest\n\n@pytest.fixture(autouse=True)\ndef vcr():\n    yield None\n"
    )
    project.runpytest("--block-network", "-k", "plain")
    seen = fixtures_by_test(tmp_path / "out")
    assert {"block_network", "vcr"} <= seen["test_plain"]


LATE_MARKERS_CONFTEST = """
import pytest

def pytest_generate_tests(metafunc):
    if metafunc.function.__name__ == "test_generated":
        metafunc.parametrize("n", [1, pytest.param(2, marks=pytest.mark.vcr)])

def pytest_collection_modifyitems(items):
    for item in items:
        if item.name == "test_marked_by_a_hook":
            item.add_marker(pytest.mark.vcr)
"""

LATE_MARKERS = (
    FIXTURE_NAMES
    + """

def _vcr_ran(request):
    # pytest-recording's ``vcr`` is a cassette for a marked test (None when its marker is absent)
    assert request.getfixturevalue("vcr") is not None

def test_marked_by_a_hook(request):
    _vcr_ran(request)
    _keep(request)

def test_generated(request, n):
    _keep(request)

@pytest.mark.vcr
class TestMarkedClass:
    def test_in_class(self, request):
        _vcr_ran(request)
        _keep(request)
"""
)


def test_markers_that_appear_after_collection_keep_their_fixtures(project, tmp_path) -> None:
    project.makepyfile(test_fixtures=LATE_MARKERS)
    project.makepyfile(conftest=LATE_MARKERS_CONFTEST)
    project.runpytest().assert_outcomes(passed=12)
    seen = fixtures_by_test(tmp_path / "out")
    assert not RECORDING & seen["test_plain"]
    assert seen["test_marked_by_a_hook"] >= RECORDING
    assert seen["test_in_class"] >= RECORDING
    # pytest_generate_tests made the marked parameter set: both siblings share the closure
    assert seen["test_generated[2]"] >= RECORDING, seen
    assert seen["test_generated[1]"] >= RECORDING
    # Put back where pytest itself puts them: the same closure, in the same order, as a marked test's.
    order = fixture_order_by_test(tmp_path / "out")
    assert order["test_marked_by_a_hook"] == order["test_vcr_marked"]


FREED = """
import gc, weakref
import httpx, pytest

CLIENT = httpx.Client()
PLAYERS = []

@pytest.mark.llm
@pytest.mark.parametrize("n", range(3))
def test_ask(n, llm_cassette):
    gc.collect()
    # The players (and so the cassettes) of the tests that finished are gone.
    assert [ref() for ref in PLAYERS] == [None] * len(PLAYERS)
    PLAYERS.append(weakref.ref(llm_cassette))
    question = f"question {n}"
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
    assert CLIENT.post("URL", json=body).json()["choices"][0]["message"]["content"] == f"answer to {question}"
"""


def test_a_finished_tests_player_and_cassette_are_freed(project) -> None:
    # Items live as long as the session: thousands of finished tests' cassettes must not stay in memory.
    project.makepyfile(test_many=FREED.replace("URL", URL))
    for n in range(3):
        write_cassette(project, "test_many", f"test_ask[{n}]", f"question {n}")
    project.runpytest().assert_outcomes(passed=3)
