"""Autouse fixtures that would do nothing for a test are taken out of its fixture closure at collection.

pytest-recording, installed with llm-cassettes for the tests still marked ``@pytest.mark.vcr``, adds two
autouse fixtures to every test of a project: ``vcr`` and ``block_network`` (with ``vcr_markers``, which
both request). For a test with neither marker, in a run without ``--block-network``, both only yield
None, yet setting the three up and tearing them down costs about 0.6 ms a test: a third of a small test,
more than replaying its cassette. The same holds for llm-cassettes' own ``llm_cassette`` on a test that
uses no cassette, whenever it has no guard to install.

:func:`prune` drops such a fixture from a test's closure, through pytest's own
``FuncFixtureInfo.prune_dependency_tree`` (what parametrization uses to drop shadowed fixtures). A
fixture stays whenever the test asks for it by name, through ``usefixtures`` or through another
fixture, when a conftest overrides it, and when any test sharing the closure (the parametrized
siblings) needs it. Should pytest's internals ever differ from what this expects, nothing is pruned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

# fixture name -> (module that must define it, is it idle for this item, given its markers' names?)
IdleRules = dict[str, tuple[str, Callable[[pytest.Item, frozenset[str]], bool]]]


_PYTEST_RECORDING = "pytest_recording.plugin"


def _no_vcr_marker(item: pytest.Item, markers: frozenset[str]) -> bool:
    return "vcr" not in markers


def _no_recording_marker(item: pytest.Item, markers: frozenset[str]) -> bool:
    return "vcr" not in markers and "block_network" not in markers


def pytest_recording_rules(config: pytest.Config) -> IdleRules:
    """pytest-recording's autouse fixtures: idle without their markers (and without --block-network)."""
    rules: IdleRules = {"vcr": (_PYTEST_RECORDING, _no_vcr_marker)}
    if not config.getoption("--block-network", default=False):
        rules["block_network"] = (_PYTEST_RECORDING, _no_recording_marker)
    return rules


def _markers_and_used_fixtures(item: pytest.Item) -> tuple[frozenset[str], set[str]]:
    """The names of the item's markers (its own and its parents'), and what ``usefixtures`` asks for."""
    markers, used = set(), set()
    for marker in item.iter_markers():  # one walk up the parents, not one per question
        markers.add(marker.name)
        if marker.name == "usefixtures":
            used.update(marker.args)
    return frozenset(markers), used


def prune(items: Iterable[pytest.Item], rules: IdleRules) -> None:
    """Drop the idle autouse fixtures of ``rules`` from the closures of ``items`` (see the module doc)."""
    groups: dict[int, tuple[Any, list[pytest.Item]]] = {}
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None:
            groups.setdefault(id(info), (info, []))[1].append(item)
    closures: dict[Any, list[str]] = {}
    for info, members in groups.values():
        try:
            _prune_shared(info, members, rules, closures)
        except (AttributeError, TypeError, ValueError):  # pytest internals not as expected: leave it
            return


def _prune_shared(
    info: Any, members: list[pytest.Item], rules: IdleRules, closures: dict[Any, list[str]]
) -> None:
    idle = []
    seen = [_markers_and_used_fixtures(item) for item in members]
    for name in info.initialnames:
        rule = rules.get(name)
        definitions = info.name2fixturedefs.get(name) or ()
        if (
            rule is None
            or name in info.argnames
            or not definitions
            or getattr(definitions[-1].func, "__module__", None) != rule[0]  # overridden by a conftest
            or any(
                name in used or not rule[1](item, markers)
                for item, (markers, used) in zip(members, seen, strict=True)
            )
        ):
            continue
        idle.append(name)
    if idle:
        # A frozen dataclass: pytest itself only ever replaces names_closure's contents.
        object.__setattr__(info, "initialnames", tuple(n for n in info.initialnames if n not in idle))
        # Most tests of a suite share one closure (same names, same fixture definitions): walked once
        # for all of them (the walk costs more than the rest of the pruning).
        definitions = info.name2fixturedefs
        key = (
            info.initialnames,
            tuple((name, tuple(map(id, definitions.get(name) or ()))) for name in info.names_closure),
        )
        pruned = closures.get(key)
        if pruned is None:
            info.prune_dependency_tree()
            closures[key] = list(info.names_closure)
        else:
            info.names_closure[:] = pruned
