"""A collection-only pytest plugin: writes which cassettes the collected ``llm`` tests use, as JSON.

Loaded only inside the ``pytest --collect-only -p llm_cassettes.recording.collect`` subprocess that
``llm-cassettes prune`` and ``migrate`` start. The paths are the ones the plugin assigned at collection
(:func:`.spec.assign_cassette_paths`), so both commands see exactly what a test run would use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .identity import legacy_relpath
from .spec import MARKER, cassette_path

INVENTORY_OPTION = "--llm-inventory-out"


def pytest_addoption(parser: Any) -> None:
    parser.addoption(INVENTORY_OPTION, default=None, help="(internal) write the cassettes tests use as JSON")


def _collected_cassettes(config: Any, items: Sequence[Any]) -> dict[str, Any]:
    root = Path(config.rootpath)
    cassette_dir = root / config.getini("llm_cassettes_dir")
    tests = []
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            continue
        name = marker.kwargs.get("cassette")
        tests.append(
            {
                "test": item.nodeid,
                "cassette": str(cassette_path(cassette_dir, item, name).resolve()),
                # Where llm-cassettes kept this test's cassette before paths followed the node id.
                "legacy": str((cassette_dir / legacy_relpath(item.nodeid, name)).resolve()),
            }
        )
    return {
        "rootdir": str(root.resolve()),
        "cassette_dir": str(cassette_dir.resolve()),
        "used": sorted({t["cassette"] for t in tests}),
        "llm_tests": tests,
        "files": sorted({item.nodeid.partition("::")[0] for item in items}),
        "tests": len(items),
    }


def pytest_collection_finish(session: Any) -> None:
    # After pytest_collection_modifyitems: the llm plugin has marked `llm_cassettes_paths` tests by then.
    out = session.config.getoption(INVENTORY_OPTION)
    if out:
        Path(out).write_text(
            json.dumps(_collected_cassettes(session.config, session.items)), encoding="utf-8"
        )
