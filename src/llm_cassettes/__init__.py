"""llm-cassettes: record/replay for httpx-based LLM code, with a pytest plugin.

The names below are the public API (guarded by tests/llm_cassettes/test_exported_members.py); everything
else lives in rooms that are not re-exported here (``engine``, ``secrets``, ``synthetic``, ``recording``,
``cli``, ...) and may change. The pytest plugin itself is :mod:`llm_cassettes.pytest_plugin`, registered
through the ``pytest11`` entry point.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

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

if _TYPE_CHECKING:  # for type checkers; at run time see __getattr__ below
    from .synthetic.emulator import Emulator

# Imported when first asked for: every pytest run imports this package through the plugin, and most
# never start the emulator (an HTTP server and the synthetic model: a third of this package's import).
_LAZY = {"Emulator": "llm_cassettes.synthetic.emulator"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
