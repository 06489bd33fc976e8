"""llm-cassettes: record/replay for httpx-based LLM code, with a pytest plugin.

The names below are the public API (guarded by tests/llm_cassettes/test_exported_members.py); everything
else lives in rooms that are not re-exported here (``engine``, ``secrets``, ``synthetic``, ``recording``,
``cli``, ...) and may change. The pytest plugin itself is :mod:`llm_cassettes.pytest_plugin`, registered
through the ``pytest11`` entry point.
"""

from .cassette import Cassette, Fault, Interaction, RecordedRequest, RecordedResponse, dumps, load, parse
from .drift import CassetteDrift, Drift, compare_cassettes, compare_paths, render
from .engine.player import CassettePlayer
from .engine.streams import ReplayTiming
from .errors import (
    ANY_ERROR,
    CassetteError,
    CassetteMiss,
    CassetteWriteError,
    DriftError,
    LLMCassettesError,
    ModeError,
    NetworkBlocked,
    PruneError,
    ScenarioError,
    SecretLeftError,
    SecretPatternError,
)
from .secrets import Finding, redact_name, scan_paths, scan_text, scrub_cassette
from .settings import MatchKey, Settings
from .synthetic.emulator import Emulator

__all__ = [
    "ANY_ERROR",
    "Cassette",
    "CassetteDrift",
    "CassetteError",
    "CassetteMiss",
    "CassettePlayer",
    "CassetteWriteError",
    "Drift",
    "DriftError",
    "Emulator",
    "Fault",
    "Finding",
    "Interaction",
    "LLMCassettesError",
    "MatchKey",
    "ModeError",
    "NetworkBlocked",
    "PruneError",
    "RecordedRequest",
    "RecordedResponse",
    "ReplayTiming",
    "ScenarioError",
    "SecretLeftError",
    "SecretPatternError",
    "Settings",
    "compare_cassettes",
    "compare_paths",
    "dumps",
    "load",
    "parse",
    "redact_name",
    "render",
    "scan_paths",
    "scan_text",
    "scrub_cassette",
]
