"""A collection-only pytest plugin: writes which cassettes the collected ``llm`` tests use, as JSON.

Loaded only inside the ``pytest --collect-only -p llm_cassettes.recording.collect`` subprocess that
``llm-cassettes prune`` starts; the paths come from :func:`.spec.cassette_path`, as the plugin's do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .spec import cassette_path

INVENTORY_OPTION = "--llm-inventory-out"


def pytest_addoption(parser: Any) -> None:
    parser.addoption(INVENTORY_OPTION, default=None, help="(internal) write the cassettes tests use as JSON")


def _collected_cassettes(config: Any, items: Sequence[Any]) -> dict[str, Any]:
    cassette_dir = Path(config.rootpath) / config.getini("llm_cassettes_dir")
    used = []
    for item in items:
        marker = item.get_closest_marker("llm")
        if marker is not None:
            used.append(str(cassette_path(cassette_dir, item, marker.kwargs.get("cassette")).resolve()))
    return {
        "cassette_dir": str(cassette_dir.resolve()),
        "used": sorted(set(used)),
        "modules": sorted({Path(item.path).stem for item in items}),
        "tests": len(items),
    }


def pytest_collection_finish(session: Any) -> None:
    # After pytest_collection_modifyitems: the llm plugin has marked `llm_cassettes_paths` tests by then.
    out = session.config.getoption(INVENTORY_OPTION)
    if out:
        Path(out).write_text(
            json.dumps(_collected_cassettes(session.config, session.items)), encoding="utf-8"
        )
