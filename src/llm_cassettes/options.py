"""The plugin's command-line options and ini settings, declared in one place."""

from __future__ import annotations

import pytest

from .engine.streams import TIMING_ENV
from .recording.scope import BLOCK_NETWORK_OPTION


def add_options(parser: pytest.Parser) -> None:
    """The command-line options and ini settings of llm-cassettes."""
    group = parser.getgroup("llm-cassettes", "LLM record/replay (llm-cassettes)")
    group.addoption(
        "--real-api",
        action="store_true",
        default=False,
        help="record LLM tests against the real providers and rewrite the cassettes of passing "
        "tests (also REAL_API_TESTS=1)",
    )
    group.addoption(
        "--real-api-missing",
        action="store_true",
        default=False,
        help="record only LLM tests that have no cassette yet; replay the rest (REAL_API_TESTS=missing)",
    )
    group.addoption(
        "--rate-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="minimum seconds between real API calls when recording (default 1.0)",
    )
    group.addoption(
        "--llm-strict-unused",
        action="store_true",
        default=False,
        help="fail a replayed test that leaves recorded interactions unused (default: warn)",
    )
    group.addoption(
        "--llm-replay-timing",
        metavar="TIMING",
        help="how replay hands out streams: none (recorded chunks at once, the default), recorded "
        f"(at the recorded pace), a factor on it (0.25: 4x faster), split (events cut); also {TIMING_ENV}",
    )
    group.addoption(
        "--llm-synthetic",
        action="store_true",
        default=False,
        help="record against the loopback emulator (used by `llm-cassettes generate`)",
    )
    group.addoption(
        "--llm-force",
        action="store_true",
        default=False,
        help="with --llm-synthetic: also overwrite cassettes recorded from real APIs",
    )
    group.addoption(
        "--llm-check",
        action="store_true",
        default=False,
        help="record but write nothing; report which cassettes would change",
    )
    group.addoption(
        "--llm-report",
        default=None,
        metavar="PATH",
        help="write a JSON report of cassette outcomes (used by `llm-cassettes generate`)",
    )
    group.addoption(
        "--llm-progress",
        action="store_true",
        default=False,
        help="print one line per finished LLM test: [done/total] result cassette",
    )
    parser.addini("llm_cassettes_dir", "directory of cassettes, relative to rootdir", default="cassettes")
    parser.addini(
        "llm_cassettes_paths",
        "test paths whose tests all use cassettes (like the llm marker)",
        type="linelist",
        default=[],
    )
    parser.addini(
        "llm_cassettes_secret_patterns",
        "extra regexes scrubbed from cassettes and flagged by scan",
        type="linelist",
        default=[],
    )
    parser.addini(
        "llm_cassettes_secret_env",
        "environment variables whose values are secrets, whatever they look like (scrubbed everywhere)",
        type="linelist",
        default=[],
    )
    parser.addini(
        "llm_cassettes_scenario_files",
        "YAML files declaring extra emulator scenarios",
        type="linelist",
        default=[],
    )
    parser.addini(
        "llm_cassettes_max_age_days", "warn when a recorded cassette is older than this", default=""
    )
    parser.addini("llm_cassettes_rate_delay", "default of --rate-delay", default="1.0")
    parser.addini("llm_cassettes_replay_timing", "default of --llm-replay-timing", default="")
    parser.addini("llm_cassettes_cache_max_mb", "parse cache bound in MB (default 256)", default="")
    parser.addini(
        "llm_cassettes_strict_unused", "fail on unused recorded interactions", type="bool", default=False
    )
    parser.addini(
        BLOCK_NETWORK_OPTION,
        "which tests may reach only this machine in replay: all, llm (tests that use cassettes) or off",
        default="llm",
    )
