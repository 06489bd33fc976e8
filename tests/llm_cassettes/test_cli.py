"""Every ``llm-cassettes`` command: ``--help`` is argparse's and exits 0; a usage error exits 2 (diff: 3)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from llm_cassettes import cli

USAGE_EXIT = {name: 2 for name in cli.COMMANDS} | {"diff": 3}  # diff's 2 means "shape changed"


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_help_and_usage_error_exit_codes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: llm-cassettes {name}")
    assert cli.main([name, "--no-such-option"]) == USAGE_EXIT[name]
    assert "error:" in capsys.readouterr().err


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS) and "exit status" in out
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_any_other_error_exits_3(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "vcr.yaml"
    source.write_text("interactions: []\nversion: 1\n")
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the target's directory should be: the write fails
    assert cli.main(["convert", str(source), str(blocked / "out.yaml")]) == 3
    assert "cannot write" in capsys.readouterr().err


def test_entry_point_module_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llm_cassettes.cli", "scan", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: llm-cassettes scan")
