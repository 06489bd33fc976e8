"""What the plugin knows about one test (cassette path, scenario, keys) and how a recording is saved."""

from __future__ import annotations

import datetime as dt
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from pytest_recording.plugin import get_default_cassette_name

from . import wire
from .cassette_format import Cassette, CassetteError, dumps, load, same_content
from .modes import Mode
from .persist import write_atomic
from .player import CassettePlayer
from .scenarios import BUILTIN, Scenario, ScenarioError, load_scenario_file
from .scrub import scrub_cassette

if TYPE_CHECKING:
    from .plugin import RunState


class StaleCassetteWarning(UserWarning):
    """A recorded cassette is older than ``llm_cassettes_max_age_days``."""


def key_variables() -> list[str]:
    return [module.KEY_ENV for module in wire.PROVIDERS.values()]


def provider_of_uri(uri: str) -> str | None:
    host = urlsplit(uri).netloc.lower()
    for name, module in wire.PROVIDERS.items():
        if urlsplit(module.ORIGIN).netloc == host:
            return name
    return None


def cassette_path(cassette_dir: Path, item: pytest.Item, name: str | None = None) -> Path:
    """``<cassette_dir>/<test module>/<test name>.yaml``; names are sanitised as pytest-recording does."""
    module = Path(item.path).stem
    cls = getattr(item, "cls", None)
    return cassette_dir / module / f"{get_default_cassette_name(cls, name or item.name)}.yaml"


def _scenario_named(name: str, files: Sequence[Path]) -> Scenario:
    known: dict[str, Scenario] = dict(BUILTIN)
    for path in files:
        known.update(load_scenario_file(path))
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

    @classmethod
    def from_marker(cls, item: pytest.Item, marker: pytest.Mark, state: RunState) -> TestSpec:
        kwargs = marker.kwargs
        try:
            scenario = _scenario_named(kwargs.get("scenario") or "success", state.scenario_files)
        except ScenarioError as exc:
            raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
        provider = kwargs.get("provider")
        providers = [provider] if isinstance(provider, str) else list(provider or [])
        unknown = [p for p in providers if p not in wire.PROVIDERS]
        if unknown:
            raise pytest.UsageError(
                f"{item.nodeid}: unknown provider {unknown}; known: {', '.join(wire.PROVIDERS)}"
            )
        path = cassette_path(state.cassette_dir, item, kwargs.get("cassette"))
        return cls(item, path, state.root, scenario, providers, state.max_age_days)

    def relative_path(self) -> Path:
        try:
            return self.path.relative_to(self.root)
        except ValueError:
            return self.path

    @cached_property
    def _loaded(self) -> Cassette | CassetteError | None:
        # Loaded once per test: the mode decision, replay and the save all look at the same cassette.
        try:
            return load(self.path) if self.path.exists() else None
        except CassetteError as exc:
            return exc

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
        providers = list(self.providers)
        if not providers and self.existing is not None:
            providers = sorted({p for i in self.existing for p in [provider_of_uri(i.request.uri)] if p})
        return [wire.PROVIDERS[p].KEY_ENV for p in providers]

    def record_command(self) -> str:
        if self.scenario.real_api_can_produce:
            return (
                f'pytest --real-api "{self.item.nodeid}"  (or `llm-cassettes generate "{self.item.nodeid}"`)'
            )
        return f'llm-cassettes generate "{self.item.nodeid}"'

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


def _litellm_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litellm")
    except PackageNotFoundError:
        return "unknown"


def build_cassette(
    spec: TestSpec, player: CassettePlayer, mode: Mode, secret_patterns: Sequence[str]
) -> Cassette:
    interactions = player.recorded
    synthetic = mode is Mode.RECORD_SYNTHETIC
    if synthetic:
        from .generate import rewrite_to_provider_hosts

        interactions = rewrite_to_provider_hosts(interactions)
    meta: dict[str, Any] = {
        "origin": "synthetic" if synthetic else "recorded",
        "recorded_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "litellm": _litellm_version(),
        "test": spec.item.nodeid,
    }
    if synthetic:
        meta["scenario"] = spec.scenario.name
    return scrub_cassette(Cassette(meta=meta, interactions=interactions), secret_patterns)


def save(
    spec: TestSpec, player: CassettePlayer, mode: Mode, *, check: bool, secret_patterns: Sequence[str]
) -> dict[str, Any]:
    """Write a passing test's recording; returns the outcome for the run summary."""
    if not player.recorded:
        return {"result": "empty"}
    cassette = build_cassette(spec, player, mode, secret_patterns)
    previous = spec.existing
    if previous is not None and same_content(previous, cassette):
        return {"result": "unchanged"}
    if check:
        return {"result": "would-change"}
    write_atomic(spec.path, dumps(cassette))
    outcome: dict[str, Any] = {"result": "written"}
    if previous is not None and mode is not Mode.RECORD_SYNTHETIC:
        from .drift import compare_cassettes, render

        drift = compare_cassettes(previous, cassette, name=str(spec.relative_path()))
        outcome["drift"] = render([drift])
        outcome["drift_level"] = int(drift.drift)
    return outcome


def start_emulator() -> Any:
    from .emulator import Emulator

    return Emulator().start()


def summary(mode: Mode, outcomes: Sequence[dict[str, Any]]) -> str:
    """The end-of-run report: what was recorded, what stayed synthetic, how recordings drifted."""
    if not outcomes:
        return ""
    counts = Counter(o.get("result", "?") for o in outcomes)
    lines = [f"mode {mode.value}: " + ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))]
    kept = [o for o in outcomes if o.get("result") == "kept-synthetic"]
    if kept:
        lines.append("kept synthetic (a real API cannot produce their scenario on demand):")
        lines += [f"  {o['test']}  [{o['scenario']}]" for o in kept]
    not_saved = [o for o in outcomes if o.get("result") == "not-saved"]
    if not_saved:
        lines.append("not saved (test failed; previous cassette left unchanged):")
        lines += [f"  {o['test']}" for o in not_saved]
    drifts = [o for o in outcomes if o.get("drift")]
    if drifts:
        lines.append("drift against the previous recordings:")
        lines += [o["drift"].rstrip() for o in drifts]
    return "\n".join(lines)
