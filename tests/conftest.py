"""Suite-wide settings shared by every test directory."""

import gc
import os
import shutil
import tempfile

import pytest
from hypothesis import settings

# litellm must never fetch its model cost map from the network, in any test.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")  # nor its Anthropic beta table

# Property tests explore new examples on every local run; CI (HYPOTHESIS_PROFILE=ci, set by
# scripts/test) replays a fixed set, so a landing never depends on the luck of the draw.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Collection imports litellm and both SDKs; the cyclic collector would walk their objects over and over
# while they load (they make few cycles worth collecting). It is back on, and they are frozen, once
# collection ends (pytest_collection_finish below).
gc.disable()

# Plugin-level tests run small pytest projects in-process.
pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    """One parse cache for the run (its workers and subprocesses inherit it), removed when it ends.

    The suite runs hundreds of throw-away projects; their packs and entries would otherwise pile up in
    the developer's own cache directory. A variable already set (a test of the cache) is left alone.
    """
    if "LLM_CASSETTES_CACHE_DIR" in os.environ:
        return
    directory = tempfile.mkdtemp(prefix="llm-cassettes-cache-")
    os.environ["LLM_CASSETTES_CACHE_DIR"] = directory

    def remove() -> None:
        os.environ.pop("LLM_CASSETTES_CACHE_DIR", None)
        shutil.rmtree(directory, ignore_errors=True)

    config.add_cleanup(remove)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the longest tests first: those marked ``slow`` (real pytest subprocesses, seconds each).

    xdist hands tests to its workers in collection order; a long test collected last keeps one core busy
    while the other idles at the end of the run. Sorting is stable, so every worker sees the same order.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported so far (litellm, the SDKs: millions of objects) out of the collector's way.

    Each collection of the oldest generation would otherwise walk those objects again during the run,
    and the interpreter's last collection at exit costs a second per process on their account.
    """
    gc.collect()
    gc.freeze()
    gc.enable()
