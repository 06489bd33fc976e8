"""Suite-wide settings shared by every test directory."""

import os

import pytest
from hypothesis import settings

# litellm must never fetch its model cost map from the network, in any test.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")  # nor its Anthropic beta table

# Property tests explore new examples on every local run; CI (HYPOTHESIS_PROFILE=ci, set by
# scripts/test) replays a fixed set, so a landing never depends on the luck of the draw.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Plugin-level tests run small pytest projects in-process.
pytest_plugins = ["pytester"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the longest tests first: those marked ``slow`` (real pytest subprocesses, seconds each).

    xdist hands tests to its workers in collection order; a long test collected last keeps one core busy
    while the other idles at the end of the run. Sorting is stable, so every worker sees the same order.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
