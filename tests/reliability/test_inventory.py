"""``llm-cassettes stats`` and ``prune``, and the crash-safety details of persist they rely on."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from llm_cassettes import cli
from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse, dumps, persist
from llm_cassettes.recording.identity import cassette_relpath

from .projects import make_project

NOW = dt.datetime.now(dt.UTC)


def _cassette(uris: list[str], origin: str = "recorded", days_old: float = 1.0) -> str:
    interactions = [
        Interaction(
            RecordedRequest.from_wire("POST", uri, [], b'{"model":"m"}'),
            RecordedResponse.from_wire(200, "OK", [], b"{}"),
        )
        for uri in uris
    ]
    recorded_at = (NOW - dt.timedelta(days=days_old)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return dumps(Cassette(meta={"origin": origin, "recorded_at": recorded_at}, interactions=interactions))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: the pid no longer exists
    return child.pid


OPENAI = "https://api.openai.com/v1/chat/completions"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
OPENROUTER = "https://openrouter.ai/api/v1/chat/completions"


def test_stats_reports_origin_age_count_providers_staleness_and_leftovers(tmp_path: Path, capsys) -> None:
    root = tmp_path / "cassettes"
    (root / "test_a").mkdir(parents=True)
    (root / "test_a" / "test_old.yaml").write_text(_cassette([OPENAI, OPENAI], days_old=45))
    (root / "test_a" / "test_fresh.yaml").write_text(_cassette([ANTHROPIC, OPENROUTER], days_old=2))
    (root / "test_a" / "test_synthetic.yaml").write_text(_cassette([OPENAI], "synthetic", days_old=400))
    (root / "test_a" / "test_local.yaml").write_text(_cassette(["http://127.0.0.1:8080/v1/chat/completions"]))
    (root / "test_a" / "test_broken.yaml").write_text("meta: {format: 1}\ninteractions: [\n")
    stale = root / "test_a" / f"{persist.TEMP_PREFIX}{_dead_pid()}-abc123.tmp"
    stale.write_text("half a cassette")
    live = root / "test_a" / f"{persist.TEMP_PREFIX}{os.getpid()}-def456.tmp"  # a writer still running
    live.write_text("being written")

    assert cli.main(["stats", str(root), "--max-age-days", "30", "--json"]) == 1  # stale + broken
    report = json.loads(capsys.readouterr().out)
    rows = {Path(r["path"]).stem: r for r in report["cassettes"]}
    assert set(rows) == {"test_old", "test_fresh", "test_synthetic", "test_local", "test_broken"}
    assert rows["test_old"]["origin"] == "recorded" and rows["test_old"]["stale"]
    assert 44.9 < rows["test_old"]["age_days"] < 45.1
    assert rows["test_old"]["interactions"] == 2 and rows["test_old"]["providers"] == ["openai"]
    assert rows["test_fresh"]["providers"] == ["anthropic", "openrouter"] and not rows["test_fresh"]["stale"]
    assert rows["test_synthetic"]["origin"] == "synthetic" and not rows["test_synthetic"]["stale"]
    assert rows["test_local"]["providers"] == ["127.0.0.1:8080"]  # an unknown host is shown as itself
    assert "not valid YAML" in rows["test_broken"]["error"]
    assert report["stale_temp_files"] == [str(stale.relative_to(root))]  # not the live writer's

    assert cli.main(["stats", str(root), "--max-age-days", "30"]) == 1
    table = capsys.readouterr().out
    assert "STALE (older than 30 days)" in table.split("test_old.yaml")[1].splitlines()[0]
    assert "BROKEN: not valid YAML" in table and "STALE TEMP FILE" in table and live.name not in table
    assert (
        "5 cassette(s)" in table
        and "providers: 127.0.0.1:8080 1, anthropic 1, openai 2, openrouter 1" in table
    )

    (root / "test_a" / "test_broken.yaml").unlink()
    assert cli.main(["stats", str(root)]) == 0  # no age limit given, nothing broken
    capsys.readouterr()
    assert cli.main(["stats", str(tmp_path / "missing")]) == 2


PROJECT_TESTS = """
import pytest


@pytest.mark.llm(provider="openai")
def test_kept():
    pass


@pytest.mark.llm(provider="openai")
@pytest.mark.parametrize("model", ["gpt-4o", "claude/3"])
def test_param(model):
    pass


@pytest.mark.llm(provider="openai", cassette="shared_name")
def test_custom_name():
    pass


class TestGroup:
    @pytest.mark.llm(provider="openai")
    def test_in_class(self):
        pass


def test_plain():
    pass
"""

OPTED_IN_TESTS = """
def test_opted_in_by_path():
    pass
"""


def _prune_project(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    project = make_project(
        tmp_path / "p",
        {"test_a.py": PROJECT_TESTS, "llm/test_b.py": OPTED_IN_TESTS},
        ini_extra="llm_cassettes_paths =\n    llm\n",
    )
    names = {
        "kept": "test_a.py/test_kept.yaml",
        "param1": "test_a.py/test_param[gpt-4o].yaml",
        "param2": str(cassette_relpath("test_a.py::test_param[claude/3]")),
        "custom": "test_a.py/shared_name.yaml",
        "class": "test_a.py/TestGroup.test_in_class.yaml",
        "opted_in": "llm/test_b.py/test_opted_in_by_path.yaml",
        "removed_test": "test_a.py/test_removed.yaml",
        "removed_param": "test_a.py/test_param[gpt-3].yaml",
        "removed_module": "test_gone.py/test_x.yaml",
    }
    paths = {key: project / "cassettes" / name for key, name in names.items()}
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_cassette([OPENAI]))
    return project, paths


UNUSED = {"removed_test", "removed_param", "removed_module"}


@pytest.mark.slow  # real pytest subprocesses: run by scripts/test and CI
def test_prune_lists_then_deletes_only_cassettes_no_test_uses(tmp_path, monkeypatch, capsys) -> None:
    project, paths = _prune_project(tmp_path)
    # Cassette names must match what the plugin writes: ask it (a parametrize id with "/" is sanitised).
    assert paths["param2"].name.startswith("test_param[claude-3]~")
    stale = paths["kept"].parent / f"{persist.TEMP_PREFIX}{_dead_pid()}-x.tmp"
    stale.write_text("partial")
    monkeypatch.chdir(project)

    assert cli.main(["prune"]) == 1
    out = capsys.readouterr().out
    listed = {key for key, path in paths.items() if str(path.relative_to(project)) in out}
    assert listed == UNUSED, out
    assert stale.name in out and "run with --delete" in out
    assert all(path.exists() for path in paths.values())  # listing deletes nothing

    assert cli.main(["prune", "--delete"]) == 0
    capsys.readouterr()
    assert {key for key, path in paths.items() if not path.exists()} == UNUSED
    assert not stale.exists() and not (project / "cassettes" / "test_gone.py").exists()
    assert cli.main(["prune"]) == 0  # nothing left to prune


@pytest.mark.slow  # real pytest subprocesses: run by scripts/test and CI
def test_prune_with_test_paths_judges_only_those_modules(tmp_path, monkeypatch, capsys) -> None:
    project, paths = _prune_project(tmp_path)
    monkeypatch.chdir(project)
    assert cli.main(["prune", "test_a.py"]) == 1
    out = capsys.readouterr().out
    listed = {key for key, path in paths.items() if str(path.relative_to(project)) in out}
    assert listed == {"removed_test", "removed_param"}  # test_gone was not among the paths given
    assert cli.main(["prune", "test_a.py::test_kept"]) == 2  # would make the module's other tests look unused


@pytest.mark.slow  # real pytest subprocesses: run by scripts/test and CI
def test_prune_deletes_nothing_when_collection_fails(tmp_path, monkeypatch, capsys) -> None:
    project, paths = _prune_project(tmp_path)
    (project / "test_broken.py").write_text("def test_x(:\n")
    monkeypatch.chdir(project)
    assert cli.main(["prune", "--delete"]) == 2
    assert "collecting the tests failed" in capsys.readouterr().err
    assert all(path.exists() for path in paths.values())


def test_atomic_write_keeps_permissions_and_leaves_no_temp_on_error(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "cassettes" / "test_m" / "test_x.yaml"
    persist.write_atomic(target, "first\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()  # not mkstemp's 0600
    target.chmod(0o640)
    persist.write_atomic(target, "second\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "second\n"

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the new content is on its way to disk

    monkeypatch.setattr(persist.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        persist.write_atomic(target, "third\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["test_x.yaml"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
