"""pytest plugin: the ``llm`` marker, fixtures, hooks and the configure hookspec. Thin: the work is done
elsewhere.

- ``options`` declares the command-line options and ini settings;
- ``modes`` decides replay or record, for the run and for each test;
- ``engine`` (player + transport + network guard) replays or records the test's HTTP exchanges;
- ``recording`` knows each test's cassette and turns a passing test's exchanges into a scrubbed
  cassette, written atomically, and gathers the outcomes (``recording.reporter``);
- ``settings`` holds what a project's ``pytest_llm_cassettes_configure`` adds.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from .cassette import parse_cache, parse_pack
from .cassette.persist import remove_stale_temp_files
from .engine.network import Refusal, loopback_only
from .engine.player import CassettePlayer, RateGate
from .engine.streams import ReplayTiming
from .engine.transport import intercept
from .errors import CassetteError, CassetteMiss, LLMCassettesError, ModeError, SecretPatternError
from .modes import Action, Mode, action_for_test, decide_mode
from .options import add_options
from .recording import idle_fixtures
from .recording.finish import PendingTest, check_unused, finish_test
from .recording.isolation import RunSetup, per_test_environment, refusal_for, set_up_run
from .recording.outcome import summary
from .recording.reporter import OUTCOME_PROPERTY, OutcomeReporter
from .recording.scope import BLOCK_NETWORK_OPTION, block_network
from .recording.spec import MARKER, TestSpec, assign_cassette_paths
from .recording.state import RunState
from .secrets import SYNTHETIC_NOISE_HEADERS, compile_patterns
from .settings import Settings

# Before any test module imports litellm: its import would otherwise fetch the model cost map, and its
# first Anthropic structured-output call its beta-headers table (a GET that would land in cassettes).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True")

_STATE = pytest.StashKey[RunState]()
_SETUP = pytest.StashKey[RunSetup]()
_PLAYER = pytest.StashKey[CassettePlayer]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()  # setup, call, teardown
_PENDING = pytest.StashKey[PendingTest]()
_OUTER_CACHE_BOUND = pytest.StashKey[float | None]()

hookspec = pluggy.HookspecMarker("pytest")


class _HookSpecs:
    """The hook this plugin offers to conftest.py files and other plugins."""

    @hookspec(historic=True)
    def pytest_llm_cassettes_configure(self, config: pytest.Config, settings: Settings) -> None:
        """Extend the engine once per run, at configure time (like ``pytest_recording_configure``).

        ``settings`` (:class:`llm_cassettes.Settings`) already holds the ini options; add volatile body
        paths, secret patterns, header keep/drop names, host aliases or a custom matcher to it.
        """


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(_HookSpecs)


# ---------------------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _decide_mode(options: Any) -> Mode:
    return decide_mode(
        real_api=getattr(options, "real_api", False),
        real_api_missing=getattr(options, "real_api_missing", False),
        synthetic=getattr(options, "llm_synthetic", False),
        env=os.environ,
    )


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Iterator[None]:
    """Set the run's variables before the first conftest.py is imported: it may build a client."""
    try:
        mode = _decide_mode(early_config.known_args_namespace)
    except ModeError:
        return (yield)  # pytest_configure reports it
    setup = early_config.stash[_SETUP] = set_up_run(mode)
    early_config.add_cleanup(setup.stop)
    try:
        return (yield)
    except BaseException:  # e.g. a conftest that fails to import: the run ends without unconfigure
        setup.stop()
        raise


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(provider=None, scenario=None, cassette=None): replay this test's LLM calls from its "
        "cassette (record them with --real-api); provider names the API key it needs, scenario the "
        "emulator script.",
    )
    try:
        mode = _decide_mode(config.option)
        guard = block_network(config.getini(BLOCK_NETWORK_OPTION))
        timing = ReplayTiming.resolve(
            config.getoption("--llm-replay-timing"), os.environ, config.getini("llm_cassettes_replay_timing")
        )
    except ModeError as exc:
        raise pytest.UsageError(str(exc)) from None
    root = Path(config.rootpath)
    delay = config.getoption("--rate-delay")
    max_age = config.getini("llm_cassettes_max_age_days").strip()
    report = config.getoption("--llm-report")
    settings = Settings(
        secret_patterns=list(config.getini("llm_cassettes_secret_patterns")),
        secret_env=list(config.getini("llm_cassettes_secret_env")),
    )
    _check_patterns(settings.secret_patterns, f"llm_cassettes_secret_patterns ({config.inipath or 'ini'})")
    config.stash[_STATE] = RunState(
        mode=mode,
        root=root,
        cassette_dir=root / config.getini("llm_cassettes_dir"),
        rate_gate=RateGate(
            float(delay if delay is not None else config.getini("llm_cassettes_rate_delay"))
            if mode in (Mode.RECORD_REAL, Mode.RECORD_MISSING)
            else 0.0
        ),
        force=config.getoption("--llm-force"),
        check=config.getoption("--llm-check"),
        strict_unused=config.getoption("--llm-strict-unused") or config.getini("llm_cassettes_strict_unused"),
        settings=settings,
        scenario_files=[root / p for p in config.getini("llm_cassettes_scenario_files")],
        max_age_days=float(max_age) if max_age else None,
        report_path=Path(report) if report else None,
        replay_timing=timing,
        block_network=guard,
    )
    setup = config.stash.get(_SETUP, None)
    if setup is None or setup.mode is not mode:  # a plugin registered after the initial conftests loaded
        if setup is not None:
            setup.stop()
        setup = config.stash[_SETUP] = set_up_run(mode)
        config.add_cleanup(setup.stop)
    config.stash[_STATE].emulator = setup.emulator
    try:
        config.stash[_OUTER_CACHE_BOUND] = parse_cache.configure(config.getini("llm_cassettes_cache_max_mb"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.hook.pytest_llm_cassettes_configure.call_historic(kwargs={"config": config, "settings": settings})
    _check_patterns(settings.secret_patterns, "settings.secret_patterns (pytest_llm_cassettes_configure)")
    config.pluginmanager.register(OutcomeReporter(config, config.stash[_STATE]), "llm-cassettes-outcomes")
    state = config.stash[_STATE]
    if mode is not Mode.REPLAY and not state.check and not hasattr(config, "workerinput"):
        # Once per run that writes (on the xdist controller): a run killed mid-save (SIGKILL) left its
        # temp file, and its writer is gone. Temp files of writers still running are kept.
        state.removed_temp_files = remove_stale_temp_files(state.cassette_dir)


def _check_patterns(patterns: list[str], source: str) -> None:
    try:
        compile_patterns(patterns, source)
    except SecretPatternError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_unconfigure(config: pytest.Config) -> None:
    parse_cache.configure(config.stash.get(_OUTER_CACHE_BOUND, None))  # a nested run puts the outer's back
    state = config.stash.get(_STATE, None)
    if state is not None and state.emulator is not None:
        state.emulator.stop()  # also one a test started late; the run's setup puts the variables back


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[_STATE]
    timing = f"; replay timing: {state.replay_timing}" if state.replay_timing.kind != "none" else ""
    lines = [f"llm-cassettes: {state.mode.value} (cassettes in {state.cassette_dir}{timing})"]
    if state.removed_temp_files:
        removed = state.removed_temp_files
        names = ", ".join(str(p.relative_to(state.root)) for p in removed)
        lines.append(f"llm-cassettes: removed {len(removed)} stale temp file(s) of killed runs: {names}")
    return lines


def _idle_rules(session: pytest.Session) -> idle_fixtures.IdleRules:
    state = session.config.stash[_STATE]
    rules = idle_fixtures.pytest_recording_rules(session.config)
    rules["llm_cassette"] = (  # a test without cassette, and without a guard: nothing to do
        __name__,
        lambda item, markers: (
            MARKER not in markers
            and refusal_for(state, item.nodeid, uses_cassette=False, action=None) is None
        ),
    )
    return rules


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[None]:
    """Idle autouse fixtures are left out of closures as pytest builds them (see recording.idle_fixtures)."""
    undo = idle_fixtures.leave_out_while_collecting(session, _idle_rules(session))
    try:
        return (yield)
    finally:
        undo()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Drop the autouse fixtures that would do nothing for a test, put back those a test needs after all."""
    idle_fixtures.prune(session.items, _idle_rules(session))


@pytest.hookimpl(tryfirst=True)  # before `-m llm` and `-k` deselect: paths are checked over every test
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    opted_in = [(config.rootpath / p).resolve() for p in config.getini("llm_cassettes_paths")]
    for item in items if opted_in else ():
        path = Path(item.path).resolve()
        if item.get_closest_marker(MARKER) is None and any(path.is_relative_to(p) for p in opted_in):
            item.add_marker(MARKER)
    state = config.stash[_STATE]
    shared = assign_cassette_paths(items, state.cassette_dir, state.root, state.settings)
    for file_nodeid, message, _ in shared:
        # A collection error, as for a module that does not import: the run stops before any test,
        # `--collect-only` (prune, migrate) fails too, and xdist reports it like any other.
        config.hook.pytest_collectreport(report=pytest.CollectReport(file_nodeid, "failed", message, []))
    if shared:  # under xdist the other tests still run, as with any collection error: never these
        colliding = {nodeid for _, _, nodeids in shared for nodeid in nodeids}
        items[:] = [item for item in items if item.nodeid not in colliding]


# ---------------------------------------------------------------------------------------- fixtures


# The test whose protocol (setup, call, teardown) is running, innermost last: a pytester run inside a
# test runs its own tests in the middle of the outer one's call.
_RUNNING: list[pytest.Item] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _RUNNING.append(item)
    try:
        return (yield)
    finally:
        _RUNNING.pop()


@pytest.fixture(autouse=True)
def llm_cassette() -> Iterator[CassettePlayer | None]:
    """The cassette player of an ``llm`` test (None for other tests); ``.requests`` lists what was sent."""
    # Without ``request``: pytest builds that fixture anew, signature and all, each time a test asks for
    # it (~0.1 ms a test, as much as the rest of this fixture). The item is the one running.
    if not _RUNNING:  # a runner that sets fixtures up without pytest's run protocol
        raise LLMCassettesError(
            "llm_cassette was set up outside pytest's run protocol (pytest_runtest_protocol), so it cannot "
            "tell which test it serves; run the test through pytest's runner"
        )
    yield from _llm_cassette(_RUNNING[-1])


def _llm_cassette(item: pytest.Item) -> Iterator[CassettePlayer | None]:
    state = item.config.stash[_STATE]
    nodeid = item.nodeid  # computed anew by pytest each time it is asked
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        refusal = refusal_for(state, nodeid, uses_cassette=False, action=None)
        with _guarded(None if _recorded_by_pytest_recording(item) else refusal):
            yield None
        return
    spec = TestSpec.from_marker(item, marker, state)
    action = action_for_test(
        state.mode,
        real_api_can_produce=spec.scenario.real_api_can_produce,
        has_cassette=spec.has_cassette,
        cassette_origin=spec.existing_origin(),
        force=state.force,
    )
    if action is Action.RECORD and state.mode in (Mode.RECORD_REAL, Mode.RECORD_MISSING):
        if not spec.scenario.real_api_can_produce:
            pytest.skip(
                f"scenario {spec.scenario.name!r} cannot be recorded from a real API and {spec.path} "
                "does not exist: run `llm-cassettes generate` to create it"
            )
        missing = [name for name in spec.key_variables() if not os.environ.get(name)]
        if missing:
            pytest.skip(f"{', '.join(missing)} not set: needed to record {nodeid} against the real API")
    cassette = None
    if action is Action.REPLAY:
        problem = None
        try:
            cassette = spec.load_existing()
        except CassetteError as exc:
            problem = str(exc)
        if problem is not None:  # failed outside the except block: no "During handling..." repeat
            pytest.fail(problem, pytrace=False)
        if cassette is not None:
            spec.warn_if_stale(cassette)
    player = CassettePlayer(
        spec.relative_path(),
        recording=action is Action.RECORD,
        cassette=cassette,
        test_id=nodeid,
        rerecord_command=spec.record_command,  # given the missed request: suggests only what can record it
        rate_gate=state.rate_gate,
        rules=state.match_rules,
        timing=state.replay_timing,
        unheard_headers=SYNTHETIC_NOISE_HEADERS if state.mode is Mode.RECORD_SYNTHETIC else frozenset(),
        scrub_request=state.live_scrubber,
    )
    item.stash[_PLAYER] = player
    with (
        _environment(per_test_environment(state, spec.scenario, action)),
        _guarded(refusal_for(state, nodeid, uses_cassette=True, action=action)),
        intercept(player),
    ):
        yield player
    # Saving waits for the end of the teardown phase (pytest_runtest_makereport): a later teardown
    # may still fail the test.
    item.stash[_PENDING] = PendingTest(spec, player, action)
    call = item.stash.get(_REPORTS, {}).get("call")
    if action is Action.REPLAY and call is not None and call.passed and not player.misses:
        check_unused(nodeid, state, spec, player)


@pytest.fixture
def rate_limit_delay(request: pytest.FixtureRequest) -> Iterator[float]:
    """Seconds to wait between real API calls: sleeps once before the test when recording, 0 in replay."""
    state = request.config.stash[_STATE]
    delay = state.rate_gate.delay
    if delay > 0:
        time.sleep(state.rate_gate.wait_time())
    yield delay


# ---------------------------------------------------------------------------------------- internals


@contextlib.contextmanager
def _set(variables: dict[str, str]) -> Iterator[None]:
    monkeypatch = pytest.MonkeyPatch()
    try:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        yield
    finally:
        monkeypatch.undo()


def _environment(variables: dict[str, str]) -> contextlib.AbstractContextManager[None]:
    """The test's own variables for the block; a replay with every key set has none, and costs nothing."""
    return _set(variables) if variables else contextlib.nullcontext()


def _guarded(refusal: Refusal | None) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext() if refusal is None else loopback_only(refusal)


def _recorded_by_pytest_recording(item: pytest.Item) -> bool:
    """A ``@pytest.mark.vcr`` test run with ``--record-mode``: pytest-recording records it, let it out."""
    record_mode = item.config.getoption("--record-mode", default=None)
    return item.get_closest_marker("vcr") is not None and record_mode not in (None, "none")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    player = item.stash.get(_PLAYER, None)
    if player is None:  # no cassette fixture ran (or it stopped before its player): nothing to add
        return report
    if report.when == "call" and player.misses:
        # The client usually wraps the miss in its own error; say what really happened.
        # A miss that reached the test directly needs no traceback; one the client wrapped does.
        direct = call.excinfo is not None and call.excinfo.errisinstance(CassetteMiss)
        original = (
            f"\n\nThe test then failed with:\n{report.longreprtext}" if report.failed and not direct else ""
        )
        report.outcome = "failed"
        report.longrepr = player.miss_report() + original
    reports = item.stash.setdefault(_REPORTS, {})
    reports[report.when] = report
    pending = item.stash.get(_PENDING, None)
    if report.when == "teardown" and pending is not None:
        phases = [reports.get(when) for when in ("setup", "call", "teardown")]
        outcome, error = finish_test(pending, item.config.stash[_STATE], phases)
        if error is not None:  # the test passed, its recording could not be written: one message
            report.outcome = "failed"
            report.longrepr = error
        # A plain dict: what crosses from an xdist worker to the controller.
        report.user_properties.append((OUTCOME_PROPERTY, outcome.to_dict()))
    if report.when == "teardown":
        # Items live as long as the session: a finished test's cassette must not (memory, and every
        # collection of the cyclic collector walking thousands of finished tests' documents).
        for key in (_PLAYER, _PENDING, _REPORTS):
            if key in item.stash:
                del item.stash[key]
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    parse_pack.flush()  # the documents of the cassettes parsed in this run, for the next one
    state = session.config.stash[_STATE]
    if state.report_path is not None and not hasattr(session.config, "workerinput"):
        state.report_path.parent.mkdir(parents=True, exist_ok=True)
        report = [outcome.to_dict() for outcome in state.outcomes]
        state.report_path.write_text(json.dumps(report, indent=2), encoding="utf-8")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash[_STATE]
    text = summary(state.mode, state.outcomes)
    if text:
        terminalreporter.write_sep("-", "llm-cassettes")
        terminalreporter.write_line(text)
