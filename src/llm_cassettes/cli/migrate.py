"""``llm-cassettes migrate``: move cassettes of the old layout to the paths their tests use now.

The old layout, ``cassettes/<module stem>/<innermost class>.<test name>.yaml``, let different tests
share a file; cassettes now live at ``cassettes/<test file path>/<class chain>.<test name>[<id>].yaml``
(see :mod:`llm_cassettes.recording.identity`). The tests are collected (as ``prune`` does) to learn each
one's old and new path; a file that several tests shared goes to the test its ``meta.test`` names.

A dry run lists every change; ``--apply`` makes them. Files are moved, never rewritten: their bytes stay
the same, except that a cassette without ``meta.interactions`` (written before the count existed) gets
that one line, so a truncated copy of it can be told from a whole one. Nothing is ever overwritten: a
move whose target exists is reported and left to the user. Running it again finds nothing to do.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cassette import dumps, load, parse, to_document
from ..cassette.persist import write_atomic
from ..errors import CassetteError
from ..recording.identity import NodeParts, cassette_relpath, legacy_relpath
from ._common import FINDING, OK, USAGE, run
from ._inventory import cassette_files, inventory_for, show

HELP = "move cassettes of the old <module>/<test>.yaml layout to their tests' paths (one-off)"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-cassettes migrate",
        description="Move cassettes from the old cassettes/<module>/<test>.yaml layout to the paths "
        "their tests use now (cassettes/<test file path>/<class chain>.<test>[<id>].yaml). Lists the "
        "moves; --apply makes them. Content is kept byte for byte; a cassette without "
        "meta.interactions gets that line.",
    )
    parser.add_argument(
        "tests",
        nargs="*",
        metavar="TESTS",
        help="test files or directories to collect (default: the project's)",
    )
    parser.add_argument("--apply", action="store_true", help="move the files (default: only list the moves)")
    parser.add_argument(
        "--cassettes", default=None, metavar="DIR", help="cassette directory (default: from ini)"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Exit 0: nothing (left) to do; 1: changes listed, or a conflict left to the user; 2: usage or
    collection error (nothing is moved when the tests do not collect)."""
    return run(parser(), argv, _migrate)


@dataclass
class Plan:
    moves: list[tuple[Path, Path, str]] = field(default_factory=list)  # old, new, why
    counts: list[tuple[Path, int]] = field(default_factory=list)  # final path, interactions
    conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.moves or self.counts or self.conflicts)


def _meta_test(path: Path) -> tuple[str | None, int | None, bool]:
    """The file's ``meta.test``, its interaction count, and whether it already records the count."""
    try:
        cassette = load(path)
    except CassetteError:
        return None, None, True  # a broken file is left alone: the plugin names it when it is used
    test = cassette.meta.get("test")
    return (test if isinstance(test, str) else None), len(cassette), "interactions" in cassette.meta


def make_plan(inventory: dict[str, Any], root: Path, base: Path) -> Plan:
    """What migrating the cassettes under ``root`` for the collected tests of ``inventory`` takes."""
    plan = Plan()
    tests = inventory["llm_tests"]
    new_paths = {Path(t["cassette"]): t["test"] for t in tests}
    by_legacy: dict[Path, list[dict[str, str]]] = {}
    for test in tests:
        by_legacy.setdefault(Path(test["legacy"]), []).append(test)
    collected_files = set(inventory["files"])
    for path in cassette_files(root):
        path = path.resolve()
        recorded_by, count, counted = _meta_test(path)
        if path in new_paths:
            if not counted and count is not None:
                plan.counts.append((path, count))
            continue
        owners = by_legacy.get(path, [])
        target: Path | None = None
        if len(owners) == 1:
            target = Path(owners[0]["cassette"])
        elif owners:
            chosen = [o for o in owners if o["test"] == recorded_by]
            others = [o["test"] for o in owners if o["test"] != recorded_by]
            if not chosen:
                names = ", ".join(o["test"] for o in owners)
                plan.conflicts.append(
                    f"{show(path, base)} was shared by {names} and its meta.test names none of them: "
                    "move it by hand to the one it belongs to"
                )
                continue
            target = Path(chosen[0]["cassette"])
            for other in others:
                plan.notes.append(
                    f"no cassette: {other} shared {show(path, base)} with {recorded_by}, whose recording "
                    f'it holds; record its own with `pytest --real-api "{other}"`'
                )
        elif recorded_by and _uncollected_owner(recorded_by, path, root, collected_files):
            # Its test module was not collected (e.g. an importorskip): meta.test still says where it goes.
            target = (root / cassette_relpath(recorded_by)).resolve()
        if target is None:
            plan.notes.append(
                f"left in place: {show(path, base)} (no collected test uses it; `llm-cassettes prune` "
                "lists unused cassettes)"
            )
            continue
        if target.exists():
            plan.conflicts.append(
                f"{show(target, base)} already exists; {show(path, base)} was not moved: compare the two "
                "and delete the one to drop"
            )
            continue
        plan.moves.append((path, target, recorded_by or ""))
        if not counted and count is not None:
            plan.counts.append((target, count))
    return plan


def _uncollected_owner(nodeid: str, path: Path, root: Path, collected_files: set[str]) -> bool:
    try:
        parts = NodeParts.from_nodeid(nodeid)
    except ValueError:
        return False
    file = "/".join(parts.file)
    return file not in collected_files and (root / legacy_relpath(nodeid)).resolve() == path


_FORMAT_LINE = re.compile(r"\A(meta:\n(?:  (?!interactions:).*\n)*?  format: .*\n)", re.MULTILINE)


def with_count(text: str, count: int, path: Path) -> str:
    """``text`` with ``interactions: count`` in its meta, right after ``format``, where a save puts it.

    One line is inserted and nothing else changes; a meta block written in another style is rewritten
    the way a save writes it. Either way the result must load as the same cassette plus the count.
    """
    before = parse(text, path)
    match = _FORMAT_LINE.match(text)
    new = text[: match.end()] + f"  interactions: {count}\n" + text[match.end() :] if match else dumps(before)
    after = parse(new, path)
    expected = to_document(before)
    if to_document(after) != expected or after.meta.get("interactions") != count:
        raise CassetteError(path, "adding meta.interactions would change the cassette", "add it by hand")
    return new


def _migrate(args: argparse.Namespace) -> int:
    inventory = inventory_for("migrate", args.tests)
    if inventory is None:
        return USAGE
    root = Path(args.cassettes or inventory["cassette_dir"]).resolve()
    base = Path.cwd()
    plan = make_plan(inventory, root, base)
    if plan.empty:
        for note in plan.notes:
            print(note)
        print(f"llm-cassettes migrate: nothing to migrate in {show(root, base)}")
        return OK
    for old, new, _ in plan.moves:
        print(f"{'moved' if args.apply else 'move'}: {show(old, base)} -> {show(new, base)}")
    for path, count in plan.counts:
        print(f"{'counted' if args.apply else 'count'}: {show(path, base)}: `interactions: {count}` in meta")
    for conflict in plan.conflicts:
        print(f"conflict: {conflict}")
    for note in plan.notes:
        print(note)
    if args.apply:
        _apply(plan, root)
    summary = f"{len(plan.moves)} to move, {len(plan.counts)} to count"
    if plan.conflicts:
        summary += f", {len(plan.conflicts)} conflict(s) left to you"
    if args.apply:
        print(f"llm-cassettes migrate: done ({summary}); commit the moves (`git add -A {show(root, base)}`)")
        return FINDING if plan.conflicts else OK
    print(f"llm-cassettes migrate: {summary}; run with --apply to make the changes")
    return FINDING


def _apply(plan: Plan, root: Path) -> None:
    for old, new, _ in plan.moves:
        new.parent.mkdir(parents=True, exist_ok=True)
        if new.exists():  # appeared since the plan was made: never overwrite
            print(f"conflict: {new} appeared meanwhile; {old} was not moved", file=sys.stderr)
            continue
        os.rename(old, new)
    for path, count in plan.counts:
        if path.exists():
            write_atomic(path, with_count(path.read_text(encoding="utf-8"), count, path))
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only the emptied ones go
