"""What a run's tests see of the outside world: the provider variables they find, the hosts they may reach.

Variables are set once for the whole run, before the first conftest.py is imported, and put back when
the run ends: a client built while a conftest or a test module is imported, or in a session fixture,
reads its key and base URL before any test fixture runs. In replay every unset key variable holds a
placeholder (it never leaves the process: nothing is sent); in generation every base-URL variable of
every supported client points at the emulator. ``--real-api`` sets nothing: it needs the real keys.

The network guard covers, per ``llm_cassettes_block_network``: ``llm`` (the default) the tests that use
cassettes, ``all`` every test, ``off`` none. Generation always guards the tests it records: a response
from a real host must never be written as a synthetic cassette.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine.network import Refusal
from ..modes import Action, Mode
from ..providers import base_url_variables, key_variables
from .scope import BLOCK_NETWORK_OPTION, BlockNetwork

if TYPE_CHECKING:
    from .state import RunState

PLACEHOLDER_KEY = "llm-cassettes-placeholder"


class RunEnvironment:
    """Variables set for the whole run; :meth:`restore` puts back exactly what was there before."""

    def __init__(self) -> None:
        self._previous: dict[str, str | None] = {}

    def set(self, name: str, value: str) -> None:
        self._previous.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore(self) -> None:
        for name, value in self._previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._previous.clear()


@dataclass
class RunSetup:
    """What a run set up before its conftests were imported, and takes down when it ends."""

    mode: Mode
    environment: RunEnvironment = field(default_factory=RunEnvironment)
    emulator: Any = None

    def stop(self) -> None:
        self.environment.restore()
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None


def set_up_run(mode: Mode) -> RunSetup:
    """Placeholder keys for a replay, the emulator and its address for a generation; nothing to record."""
    setup = RunSetup(mode)
    if mode is Mode.REPLAY:
        for name in key_variables():
            if not os.environ.get(name):
                setup.environment.set(name, PLACEHOLDER_KEY)
    elif mode is Mode.RECORD_SYNTHETIC:
        # Imported here: only the generator's runs pay for the HTTP server.
        from ..synthetic.emulator import Emulator

        setup.emulator = Emulator().start()
        for name, value in setup.emulator.env().items():
            setup.environment.set(name, value)
        for name in key_variables():  # a real key must not even reach the emulator
            setup.environment.set(name, PLACEHOLDER_KEY)
    return setup


def per_test_environment(state: RunState, scenario: Any, action: Action) -> dict[str, str]:
    """What one test adds: the emulator playing its scenario, or a placeholder for a key still unset.

    The second matters in record-missing runs, where a replayed test needs no key but gets no
    run-wide placeholder (the tests being recorded need the real ones).
    """
    if action is Action.RECORD and state.mode is Mode.RECORD_SYNTHETIC:
        return {**state.emulator_env(scenario), **dict.fromkeys(key_variables(), PLACEHOLDER_KEY)}
    if action is Action.REPLAY:
        environ = os.environ
        return {name: PLACEHOLDER_KEY for name in _KEY_VARIABLES if not environ.get(name)}
    return {}


_KEY_VARIABLES = tuple(key_variables())  # asked for every replayed test


def refusal_for(state: RunState, test: str, *, uses_cassette: bool, action: Action | None) -> Refusal | None:
    """The network guard of one test, or None when it may reach other machines."""
    if uses_cassette and action is Action.RECORD:
        if state.mode is not Mode.RECORD_SYNTHETIC:
            return None  # recording against the real API
        variables = ", ".join(base_url_variables())
        return Refusal(
            test,
            "`llm-cassettes generate` records against the loopback emulator and lets nothing else out",
            f"build the client without a fixed base URL, so that it reads one of the variables the "
            f"generator points at the emulator ({variables}); a host or endpoint the emulator does not "
            f'speak cannot be generated: record the test with `pytest --real-api "{test}"`',
        )
    if uses_cassette:
        if state.block_network is BlockNetwork.OFF:
            return None
        return Refusal(
            test,
            "a replayed test may reach only this machine (127.0.0.0/8, ::1); its LLM calls through "
            "httpx are answered from its cassette",
            f'record what it sends with `pytest --real-api "{test}"`, or let it reach other hosts with '
            f"`{BLOCK_NETWORK_OPTION} = off` in the pytest ini",
        )
    if state.block_network is not BlockNetwork.ALL:
        return None
    return Refusal(
        test,
        f"`{BLOCK_NETWORK_OPTION} = all` keeps every test on this machine (127.0.0.0/8, ::1)",
        "mark the test `@pytest.mark.llm` if it calls an LLM (its calls then replay from a cassette), "
        f"or guard only the tests that use cassettes with `{BLOCK_NETWORK_OPTION} = llm`",
    )
