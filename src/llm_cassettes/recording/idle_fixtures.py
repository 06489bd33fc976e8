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

Pruning comes after pytest has looked up every fixture of the closure, one search up the collection
tree per name and test: ~50 us a test for pytest-recording's three, more than the rest of collecting
it. :func:`leave_out_while_collecting` therefore keeps an idle fixture out of the autouse names pytest
starts from, function by function, so that it is never looked up. What a function's own markers cannot
show yet (a marker a hook adds after collection, a mark on a parameter set that ``pytest_generate_tests``
made) :func:`prune` sees, and it puts the fixture back into the closure of the tests that need it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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


_Seen = list[tuple[frozenset[str], set[str]]]  # each member's marker names and usefixtures names


def _defined_in(definitions: Any, module: str) -> bool:
    """Is the definition pytest picks (the last, most specific one) ``module``'s own, not an override?"""
    return bool(definitions) and getattr(definitions[-1].func, "__module__", None) == module


def _needing(name: str, rules: IdleRules, members: list[pytest.Item], seen: _Seen) -> list[pytest.Item]:
    """The tests of a shared closure that need the fixture ``name``: they ask for it, or are not idle."""
    is_idle = rules[name][1]
    return [
        item
        for item, (markers, used) in zip(members, seen, strict=True)
        if name in used or not is_idle(item, markers)
    ]


def _parameter_marker_names(node: Any) -> set[str]:
    """Names of the marks on ``pytest.param(..., marks=...)`` values of the node's parametrize markers."""
    names: set[str] = set()
    for marker in node.iter_markers("parametrize"):
        values = marker.args[1] if len(marker.args) > 1 else marker.kwargs.get("argvalues", ())
        for value in values if isinstance(values, list | tuple) else ():
            names.update(mark.name for mark in getattr(value, "marks", None) or ())
    return names


def _local_names(node: Any) -> set[str] | None:
    """Every local name of the test function and of the functions it wraps; None if it is no function."""
    function, names = getattr(node, "_obj", None), set()
    if function is None:
        return None
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is None:
            return None
        names.update(code.co_varnames)
        function = getattr(function, "__wrapped__", None)
    return names


class _LeaveOutIdle:
    """``FixtureManager._getautousenames`` without the rules' fixtures that are idle for the node."""

    def __init__(self, manager: Any, rules: IdleRules) -> None:
        self.manager = manager
        self.rules = rules
        self.all_names = manager._getautousenames  # pytest's own, bound method
        self._own: dict[int, tuple[Any, dict[str, bool]]] = {}  # id(parent) -> (parent, name -> its own?)

    def __call__(self, node: Any) -> Iterator[str]:
        names = self.all_names(node)
        idle = self._idle(node) if isinstance(node, pytest.Function) else None
        return (name for name in names if name not in idle) if idle else names

    def _idle(self, node: Any) -> set[str] | None:
        local_names = _local_names(node)
        if local_names is None:  # not a plain function: which names it takes is pytest's to say
            return None
        markers, used = _markers_and_used_fixtures(node)
        markers |= _parameter_marker_names(node)
        return {
            name
            for name, (module, is_idle) in self.rules.items()
            if name not in used
            and name not in local_names
            and is_idle(node, markers)
            and self.defined_by(name, module, node.parent)
        }

    def defined_by(self, name: str, module: str, parent: Any) -> bool:
        """Is the fixture ``name`` that ``parent``'s tests see the one ``module`` defines (no override)?"""
        entry = self._own.get(id(parent))
        if entry is None:
            entry = self._own[id(parent)] = (parent, {})  # the parent is kept, so its id stays its own
        known = entry[1]
        if name not in known:
            known[name] = _defined_in(self.manager.getfixturedefs(name, parent), module)
        return known[name]


def leave_out_while_collecting(session: pytest.Session, rules: IdleRules) -> Callable[[], None]:
    """Keep the rules' idle fixtures out of the closures pytest computes from now on; returns the undo."""
    manager = getattr(session, "_fixturemanager", None)
    if not callable(getattr(manager, "_getautousenames", None)) or "_getautousenames" in vars(manager):
        return lambda: None  # not the pytest this expects (or already in place): prune does it all
    manager._getautousenames = _LeaveOutIdle(manager, rules)
    return lambda: vars(manager).pop("_getautousenames", None)


def prune(items: Iterable[pytest.Item], rules: IdleRules) -> None:
    """Drop the idle autouse fixtures of ``rules`` from the closures of ``items``, and put back those
    left out at collection that a test turns out to need (see the module doc)."""
    groups: dict[int, tuple[Any, list[pytest.Item]]] = {}
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None:
            groups.setdefault(id(info), (info, []))[1].append(item)
    closures: dict[Any, list[str]] = {}
    pruning = True
    for info, members in groups.values():
        seen = [_markers_and_used_fixtures(item) for item in members]
        # Not guarded like pruning: a fixture a test needs must never go missing without a word.
        _put_back_needed(info, members, seen, rules)
        if not pruning:
            continue
        try:
            _prune_shared(info, members, seen, rules, closures)
        except (AttributeError, TypeError, ValueError):  # pytest internals not as expected: leave it
            pruning = False


def _put_back_needed(info: Any, members: list[pytest.Item], seen: _Seen, rules: IdleRules) -> None:
    missing = [name for name in rules if name not in info.names_closure]
    needing = {name: _needing(name, rules, members, seen) for name in missing}
    needed = [name for name, items in needing.items() if items]
    if not needed:
        return
    item = needing[needed[0]][0]  # pytest's closure for this one keeps the fixture
    if not isinstance(item, pytest.Function):  # only a test function's names are ever left out
        return
    manager = item.session._fixturemanager
    autouse = type(manager)._getautousenames(manager, item)  # pytest's own: nothing left out
    left_out = [
        name
        for name in dict.fromkeys(autouse)
        if name in needed and _defined_in(manager.getfixturedefs(name, item), rules[name][0])
    ]
    if left_out:
        _put_back(info, left_out, item, manager)


def _put_back(info: Any, names: list[str], item: pytest.Item, manager: Any) -> None:
    """Add autouse fixtures (and what they need) to a closure, where pytest itself puts them."""
    before = set(info.names_closure)
    reached, definitions = manager.getfixtureclosure(
        parentnode=item, initialnames=tuple(names), ignore_args=before
    )
    added = set(reached) - before
    # pytest's own closure for the test as it is now (its markers keep these fixtures in), which gives
    # the order; of its names only those already there and the added ones are kept (parametrization
    # may have pruned others since).
    fresh = manager.getfixtureinfo(item, item.obj, item.cls)
    for name in added:
        info.name2fixturedefs.setdefault(name, definitions.get(name) or fresh.name2fixturedefs.get(name))
    kept = before | added
    order = [name for name in fresh.names_closure if name in kept]
    order += [name for name in (*info.names_closure, *reached) if name in kept and name not in order]
    initial = set(info.initialnames) | set(names)
    ordered = [name for name in fresh.initialnames if name in initial]
    object.__setattr__(info, "initialnames", tuple(dict.fromkeys([*ordered, *info.initialnames, *names])))
    info.names_closure[:] = order


def _prune_shared(
    info: Any, members: list[pytest.Item], seen: _Seen, rules: IdleRules, closures: dict[Any, list[str]]
) -> None:
    idle = []
    for name in info.initialnames:
        rule = rules.get(name)
        definitions = info.name2fixturedefs.get(name) or ()
        if (
            rule is None
            or name in info.argnames
            or not _defined_in(definitions, rule[0])  # absent, or overridden by a conftest
            or _needing(name, rules, members, seen)
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
