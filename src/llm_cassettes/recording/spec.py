"""What the plugin knows about one test: its cassette path, scenario, the keys it needs, its cassette."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import pytest

from .. import providers as providers_module
from ..cassette import Cassette, load
from ..errors import CassetteError, ScenarioError
from ..settings import Settings
from ..synthetic.scenarios import Scenario
from .identity import cassette_relpath, collisions, describe_collisions, redact_secrets
from .state import RunState

MARKER = "llm"
# Set on every `llm` test at collection: its cassette path, so the plugin, prune and migrate agree.
CASSETTE_PATH = pytest.StashKey[Path]()


class StaleCassetteWarning(UserWarning):
    """A recorded cassette is older than ``llm_cassettes_max_age_days``."""


def cassette_path(
    cassette_dir: Path, item: pytest.Item, name: str | None = None, settings: Settings | None = None
) -> Path:
    """``<cassette_dir>/<test file>/<class chain>.<test name>[<id>].yaml``, see :mod:`.identity`.

    The path set at collection (:func:`assign_cassette_paths`) when there is one.
    """
    assigned = item.stash.get(CASSETTE_PATH, None)
    if assigned is not None:
        return assigned
    redact = partial(redact_secrets, settings=settings)
    return cassette_dir / cassette_relpath(item.nodeid, name, redact=redact)


def assign_cassette_paths(
    items: Sequence[pytest.Item], cassette_dir: Path, root: Path, settings: Settings | None = None
) -> list[tuple[str, str, list[str]]]:
    """Give every collected ``llm`` test its cassette path.

    Returns one (test file node id, message, the tests) per file that several tests would share: the
    collection must fail on them, naming the tests, and none of them may run.
    """
    paths: list[tuple[str, Any]] = []
    redact = partial(redact_secrets, settings=settings)
    for item in items:
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            continue
        nodeid = item.nodeid  # built anew by pytest each time it is asked
        # cassette_path()'s own rule, kept as the relative path too: no Path.relative_to per test.
        relpath = cassette_relpath(nodeid, marker.kwargs.get("cassette"), redact=redact)
        item.stash[CASSETTE_PATH] = cassette_dir / relpath
        paths.append((nodeid, relpath))
    shown = cassette_dir.relative_to(root) if cassette_dir.is_relative_to(root) else cassette_dir
    return [
        (
            group[0][0].partition("::")[0],
            describe_collisions([group], shown.as_posix()),
            [nodeid for nodeid, _ in group],
        )
        for group in collisions(paths)
    ]


def _scenario_named(name: str, state: RunState) -> Scenario:
    known = state.scenarios
    if name not in known:
        raise ScenarioError(f"unknown scenario {name!r}; known scenarios: {', '.join(sorted(known))}")
    return known[name]


@dataclass
class TestSpec:
    item: pytest.Item
    path: Path
    root: Path
    scenario: Scenario
    providers: list[str] = field(default_factory=list)
    max_age_days: float | None = None
    host_aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_marker(cls, item: pytest.Item, marker: pytest.Mark, state: RunState) -> TestSpec:
        kwargs = marker.kwargs
        try:
            scenario = _scenario_named(kwargs.get("scenario") or "success", state)
        except ScenarioError as exc:
            raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
        provider = kwargs.get("provider")
        names = [provider] if isinstance(provider, str) else list(provider or [])
        known = providers_module.PROVIDERS
        unknown = [p for p in names if p not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown provider {unknown}; known: {', '.join(known)}")
        path = cassette_path(state.cassette_dir, item, kwargs.get("cassette"), state.settings)
        return cls(item, path, state.root, scenario, names, state.max_age_days, state.settings.host_aliases)

    def relative_path(self) -> Path:
        return self._relative_path

    @cached_property
    def _relative_path(self) -> Path:  # asked by the player, the save and the outcome of every test
        path, root = str(self.path), str(self.root)
        if path.startswith(root) and path[len(root) : len(root) + 1] == os.sep:  # Path.relative_to's
            return Path(path[len(root) + 1 :])  # answer for a path below the root, at a fraction of its cost
        try:
            return self.path.relative_to(self.root)
        except ValueError:
            return self.path

    @cached_property
    def _loaded(self) -> Cassette | CassetteError | None:
        # Loaded once per test: the mode decision, replay and the save all look at the same cassette.
        try:
            return load(self.path, missing_ok=True)
        except CassetteError as exc:
            return exc

    @property
    def has_cassette(self) -> bool:
        """A file is there, usable or not (what ``path.exists()`` says, without another stat)."""
        return self._loaded is not None

    @property
    def existing(self) -> Cassette | None:
        """The cassette on disk, or None when there is none or it cannot be used."""
        return self._loaded if isinstance(self._loaded, Cassette) else None

    def load_existing(self) -> Cassette | None:
        """The cassette on disk; raises its CassetteError when it cannot be used."""
        if isinstance(self._loaded, CassetteError):
            raise self._loaded
        return self._loaded

    def existing_origin(self) -> str | None:
        return self.existing.origin if self.existing is not None else None

    def key_variables(self) -> list[str]:
        names = list(self.providers)
        if not names and self.existing is not None:
            found = (providers_module.provider_of(i.request.uri, self.host_aliases) for i in self.existing)
            names = sorted({p.name for p in found if p is not None})
        return [providers_module.PROVIDERS[p].key_env for p in names]

    def record_command(self, uri: str | None = None) -> str:
        """How to record this test; with ``uri`` (a missed request), only what can record that request:
        the generator only where the emulator speaks it (a provider's chat endpoint)."""
        test = self.item.nodeid
        can_generate = uri is None or providers_module.emulated(uri, self.host_aliases)
        if not self.scenario.real_api_can_produce:
            if can_generate:
                return f'llm-cassettes generate "{test}"'
            return (
                f"none can: scenario {self.scenario.name!r} needs the emulator, and the emulator does not "
                f"speak {uri}"
            )
        real = f'pytest --real-api "{test}"'
        return f'{real}  (or `llm-cassettes generate "{test}"`)' if can_generate else real

    def warn_if_stale(self, cassette: Cassette) -> None:
        if self.max_age_days is None or cassette.origin != "recorded":
            return
        recorded_at = _parse_time(cassette.meta.get("recorded_at"))
        if recorded_at is None:
            return
        age = (dt.datetime.now(dt.UTC) - recorded_at).total_seconds() / 86400
        if age > self.max_age_days:
            warnings.warn(
                StaleCassetteWarning(
                    f"{self.relative_path()} was recorded {age:.0f} days ago (limit {self.max_age_days:g}); "
                    f"re-record it with `{self.record_command()}`"
                ),
                stacklevel=1,
            )


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
