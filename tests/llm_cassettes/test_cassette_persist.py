"""The cassette room's writes: atomic, permission-preserving, and a failed write leaves the old file alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from llm_cassettes.cassette import CassetteWriteError
from llm_cassettes.cassette.persist import TEMP_PREFIX, write_atomic


def test_write_creates_folders_and_leaves_no_temp_file(tmp_path: Path):
    target = tmp_path / "a" / "b" / "test_x.yaml"
    write_atomic(target, "meta: {}\n")
    assert target.read_text() == "meta: {}\n"
    assert [p.name for p in target.parent.iterdir()] == ["test_x.yaml"]


def test_rewrite_keeps_the_files_permissions(tmp_path: Path):
    target = tmp_path / "test_x.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text() == "new\n"


def test_a_file_where_the_folder_should_be_fails_naming_it(tmp_path: Path):
    (tmp_path / "a").write_text("not a folder")
    with pytest.raises(CassetteWriteError, match=r"not writable"):
        write_atomic(tmp_path / "a" / "test_x.yaml", "new\n")
    assert (tmp_path / "a").read_text() == "not a folder"


def test_a_write_interrupted_mid_way_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "test_x.yaml"
    target.write_text("good\n")

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new\n")
    assert target.read_text() == "good\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
