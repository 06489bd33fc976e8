"""The run's recording state: its mode, where cassettes live, the project's settings, the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..engine.matching import MatchRules
from ..engine.player import RateGate
from ..engine.streams import ReplayTiming
from ..modes import Mode
from ..secrets import HeaderRules
from ..secrets.live import LiveRequestScrubber
from ..settings import Settings
from ..synthetic.scenarios import BUILTIN, Scenario, load_scenario_file
from .outcome import Outcome
from .scope import BlockNetwork


@dataclass
class RunState:
    mode: Mode
    root: Path
    cassette_dir: Path
    rate_gate: RateGate
    settings: Settings = field(default_factory=Settings)
    force: bool = False
    check: bool = False
    strict_unused: bool = False
    scenario_files: list[Path] = field(default_factory=list)
    max_age_days: float | None = None
    report_path: Path | None = None
    block_network: BlockNetwork = BlockNetwork.LLM
    emulator: Any = None
    outcomes: list[Outcome] = field(default_factory=list)
    replay_timing: ReplayTiming = field(default_factory=ReplayTiming)
    removed_temp_files: list[Path] = field(default_factory=list)  # stale ones, removed at start-up

    # Frozen views of the settings, made on first use: after pytest_llm_cassettes_configure has run.
    @cached_property
    def match_rules(self) -> MatchRules:
        return MatchRules.from_settings(self.settings)

    @cached_property
    def header_rules(self) -> HeaderRules:
        return HeaderRules.of(self.settings.keep_headers, self.settings.drop_headers)

    @cached_property
    def live_scrubber(self) -> LiveRequestScrubber:
        """Scrubs the live request in replay with the recording's rules, before it is matched."""
        s = self.settings
        return LiveRequestScrubber(s.secret_patterns, s.secret_env, s.secret_values)

    @cached_property
    def scenarios(self) -> dict[str, Scenario]:
        """The built-in scenarios and the project's scenario files, read once per run (not per test).

        A broken file raises its ScenarioError here, and again for every test that asks: cached_property
        keeps no value for a call that raised.
        """
        known: dict[str, Scenario] = dict(BUILTIN)
        for path in self.scenario_files:
            known.update(load_scenario_file(path))
        return known

    def emulator_env(self, scenario: Any) -> dict[str, str]:
        """The emulator (started on first use) set to ``scenario``; the variables that point clients at it."""
        if self.emulator is None:
            # Imported here: only the generator's runs (record-synthetic) pay for the HTTP server.
            from ..synthetic.emulator import Emulator

            self.emulator = Emulator().start()
        self.emulator.use_scenario(scenario)
        return self.emulator.env()
