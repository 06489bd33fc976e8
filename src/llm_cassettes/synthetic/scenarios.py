"""Scenarios: scripted sequences of emulator behaviours (errors, faults, delays).

A scenario is a list of steps consumed one per request, in order. When the steps run
out the default responder answers (or, for a looping scenario, the steps start over).
Scenarios come from ``BUILTIN`` or from a YAML file::

    flaky:
      description: one rate limit, then answers
      real_api_can_produce: true
      steps:
        - {kind: error, error: rate_limit, retry_after: 2}
        - {kind: ok}
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError
from .wire import ERROR_KINDS


class StepKind(enum.StrEnum):
    """What the emulator does with one request."""

    OK = "ok"
    ERROR = "error"
    DELAY = "delay"
    READ_TIMEOUT = "read_timeout"
    CONNECTION_RESET = "connection_reset"
    TRUNCATED_STREAM = "truncated_stream"
    MIDSTREAM_ERROR = "midstream_error"


STEP_KINDS = tuple(kind.value for kind in StepKind)
SCENARIO_KEYS = ("description", "real_api_can_produce", "steps", "loop")


@dataclass(frozen=True)
class Step:
    """One scripted response.

    kind: a :class:`StepKind` (or its string value).
    error: for kind "error", one of ERROR_KINDS.
    retry_after: seconds advertised by a rate_limit error (retry-after, or OpenRouter's X-RateLimit-Reset
        that many seconds after the response's Date); ``null`` advertises none (no retry-after, no
        rate-limit headers), so clients fall back on their own backoff.
    delay: seconds to wait before answering ("delay"), or the longest time to hold the
        request open ("read_timeout").
    events: for "truncated_stream", how many SSE events to send before cutting the connection.
    status: optional override of the HTTP status of an error.
    """

    kind: StepKind  # a plain string is accepted and converted
    error: str | None = None
    retry_after: int | None = 2
    delay: float = 0.0
    events: int = 3
    status: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ScenarioError(f"unknown step kind {self.kind!r}; known kinds: {', '.join(STEP_KINDS)}")
        object.__setattr__(self, "kind", StepKind(self.kind))  # frozen: the one conversion, at creation
        if self.kind is StepKind.ERROR and self.error not in ERROR_KINDS:
            raise ScenarioError(
                f"step kind 'error' needs error: one of {', '.join(ERROR_KINDS)}; got {self.error!r}"
            )
        if self.kind is not StepKind.ERROR and self.error is not None:
            raise ScenarioError(f"'error' is only allowed on kind 'error' steps, not {self.kind.value!r}")


@dataclass(frozen=True)
class Scenario:
    """A named, scripted sequence of steps.

    real_api_can_produce: whether a real provider can be made to give this response on
        demand (so a recording of it can exist); faults and throttling cannot.
    loop: repeat the steps forever instead of falling back to the default responder.
    """

    name: str
    steps: tuple[Step, ...]
    real_api_can_produce: bool
    description: str
    loop: bool = False

    def step_for(self, index: int) -> Step:
        """The step answering the request number ``index`` (0-based) of this scenario run."""
        if self.steps and self.loop:
            return self.steps[index % len(self.steps)]
        if index < len(self.steps):
            return self.steps[index]
        return OK


OK = Step("ok")


def _error(kind: str, **params: Any) -> Step:
    return Step("error", error=kind, **params)


def _scenario(name: str, description: str, *steps: Step, real: bool = False, loop: bool = False) -> Scenario:
    return Scenario(name, tuple(steps), real, description, loop)


BUILTIN: dict[str, Scenario] = {
    s.name: s
    for s in (
        _scenario("success", "every request is answered by the default responder", real=True),
        _scenario(
            "rate_limit_then_success",
            "one 429 with retry-after 2, then answers",
            _error("rate_limit", retry_after=2),
        ),
        _scenario(
            "rate_limit",
            "429 with retry-after 2 on every request",
            _error("rate_limit", retry_after=2),
            loop=True,
        ),
        _scenario(
            "rate_limit_no_retry_after",
            "429 that advertises no wait (OpenAI without retry-after, Anthropic's concurrency 429, "
            "OpenRouter's upstream 429) on every request",
            _error("rate_limit", retry_after=None),
            loop=True,
        ),
        _scenario(
            "insufficient_quota",
            "out of credit on every request: OpenAI's 429 insufficient_quota (never worth retrying), "
            "Anthropic's 400 credit balance, OpenRouter's 402",
            _error("insufficient_quota"),
            loop=True,
        ),
        _scenario(
            "context_length_exceeded",
            "400 prompt longer than the model's context window on every request",
            _error("context_length_exceeded"),
            loop=True,
        ),
        _scenario(
            "invalid_model",
            "OpenRouter's 400 'not a valid model ID' (the 404 unknown model elsewhere) on every request",
            _error("invalid_model"),
            real=True,
            loop=True,
        ),
        _scenario("auth_error", "401 invalid API key on every request", _error("auth"), real=True, loop=True),
        _scenario(
            "model_not_found",
            "404 unknown model on every request",
            _error("model_not_found"),
            real=True,
            loop=True,
        ),
        _scenario("server_error", "500 on every request", _error("server_error"), loop=True),
        _scenario("service_unavailable", "503 on every request", _error("unavailable"), loop=True),
        _scenario(
            "overloaded",
            "529 overloaded (Anthropic; 503 for OpenAI and OpenRouter) on every request",
            _error("overloaded"),
            loop=True,
        ),
        _scenario("bad_request", "400 invalid request on every request", _error("bad_request"), loop=True),
        _scenario(
            "read_timeout",
            "holds every request open without answering (up to 30 s)",
            Step("read_timeout", delay=30.0),
            loop=True,
        ),
        _scenario(
            "connection_reset",
            "resets the connection (TCP RST) after reading each request",
            Step("connection_reset"),
            loop=True,
        ),
        _scenario(
            "truncated_stream",
            "sends 200 headers and a few events, then drops the connection",
            Step("truncated_stream"),
            loop=True,
        ),
        _scenario(
            "midstream_error",
            "a 200 stream that carries the provider's error event",
            Step("midstream_error"),
            loop=True,
        ),
        _scenario("slow", "answers every request after 0.3 s", Step("delay", delay=0.3), loop=True),
    )
}


def get_scenario(name: str) -> Scenario:
    """A builtin scenario by name; an unknown name lists the known ones."""
    try:
        return BUILTIN[name]
    except KeyError:
        raise ScenarioError(
            f"unknown scenario {name!r}; known scenarios: {', '.join(sorted(BUILTIN))}"
        ) from None


_STEP_FIELDS = tuple(f.name for f in dataclasses.fields(Step))


def load_scenario_file(path: str | Path) -> dict[str, Scenario]:
    """Scenarios from a YAML file; typos in keys are errors naming the file and the key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario name to scenario")
    return {str(name): _parse_scenario(path, str(name), spec) for name, spec in data.items()}


def _parse_scenario(path: Path, name: str, spec: Any) -> Scenario:
    where = f"{path}: scenario {name!r}"
    if not isinstance(spec, dict):
        raise ScenarioError(f"{where}: expected a mapping with keys {', '.join(SCENARIO_KEYS)}")
    _check_keys(where, spec, SCENARIO_KEYS)
    steps = spec.get("steps") or []
    if not isinstance(steps, list):
        raise ScenarioError(f"{where}: 'steps' must be a list")
    real = spec.get("real_api_can_produce", False)
    loop = spec.get("loop", False)
    if not isinstance(real, bool) or not isinstance(loop, bool):
        raise ScenarioError(f"{where}: 'real_api_can_produce' and 'loop' must be true or false")
    parsed = tuple(_parse_step(f"{where} step {i + 1}", step) for i, step in enumerate(steps))
    return Scenario(name, parsed, real, str(spec.get("description", "")), loop)


def _parse_step(where: str, spec: Any) -> Step:
    if not isinstance(spec, dict) or "kind" not in spec:
        raise ScenarioError(f"{where}: expected a mapping with a 'kind' key")
    _check_keys(where, spec, _STEP_FIELDS)
    try:
        return Step(**spec)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _check_keys(where: str, spec: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in spec:
        if key not in allowed:
            raise ScenarioError(f"{where}: unknown key {key!r}; allowed keys: {', '.join(allowed)}")


def resolve(scenario: Scenario | str | None) -> Scenario:
    """A Scenario from a Scenario, a builtin name, or None (meaning "success")."""
    if scenario is None:
        return BUILTIN["success"]
    if isinstance(scenario, Scenario):
        return scenario
    return get_scenario(scenario)
