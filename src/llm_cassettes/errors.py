"""Every error this package raises, under one root: ``except LLMCassettesError`` catches them all.

The one exception outside the root is :class:`CassetteMiss`, the replay miss: it is a ``BaseException``
on purpose (see its docstring), so that HTTP clients cannot swallow it. ``except ANY_ERROR`` catches it
together with the rest.
"""

from __future__ import annotations

from pathlib import Path

RERECORD_HINT = "re-record it with `pytest --real-api <test>` or regenerate it with `llm-cassettes generate`"


class LLMCassettesError(Exception):
    """The root of every error of llm-cassettes (except the replay miss, :class:`CassetteMiss`)."""


class CassetteError(LLMCassettesError):
    """A cassette file that cannot be used; the message names the file and the fix."""

    def __init__(self, path: str | Path | None, problem: str, hint: str = RERECORD_HINT) -> None:
        self.path = str(path) if path is not None else "<cassette>"
        self.problem = problem
        self.hint = hint
        super().__init__(f"{self.path}: {problem}" + (f"\n  fix: {hint}" if hint else ""))


class CassetteWriteError(CassetteError):
    """A cassette that could not be written (a read-only directory, a full disk); the old file is intact."""


class SecretLeftError(CassetteWriteError):
    """A recording in which the scan still finds a secret after scrubbing: it is not written (fail-closed)."""

    def __init__(self, path: str | Path | None, findings: list[str]) -> None:
        self.findings = findings
        listed = "\n".join(f"  - {f}" for f in findings[:10])
        super().__init__(
            path,
            f"not written: a secret is still there after scrubbing\n{listed}",
            "if it is in the file name, give the test an id without it (pytest.param(..., id=...)); "
            "otherwise make the value known (`llm_cassettes_secret_env`, Settings.secret_values) or add "
            "a pattern (`llm_cassettes_secret_patterns`), then record again",
        )


# ValueError stays a base where callers validated input with ``except ValueError`` before the root existed.
class ModeError(LLMCassettesError, ValueError):
    """A mode setting that cannot be understood (e.g. a typo in REAL_API_TESTS)."""


class ScenarioError(LLMCassettesError, ValueError):
    """A scenario name, file or step that cannot be used."""


class SecretPatternError(LLMCassettesError, ValueError):
    """An extra secret pattern that is not a valid regular expression."""


class DriftError(LLMCassettesError):
    """Input that cannot be compared; the message names the file."""


class PruneError(LLMCassettesError):
    """Collection failed or was not trustworthy; nothing may be deleted."""


# RuntimeError, not OSError: HTTP clients turn an OSError from connect() into a "connection error" they
# retry with backoff; a RuntimeError goes straight to the test with its message (as pytest-recording's).
class NetworkBlocked(LLMCassettesError, RuntimeError):
    """A test under the network guard tried to reach another machine; the message names test and host."""


class CassetteMiss(BaseException):
    """Raised into the HTTP client when replay has no recording for a request.

    A BaseException on purpose, like pytest's own outcomes: HTTP clients and litellm catch
    ``Exception`` and would turn a miss into a retried "connection error", hiding the real cause and
    sleeping through backoff. The plugin reports the miss with :meth:`CassettePlayer.miss_report`.
    It is the one error of this package that :class:`LLMCassettesError` does not catch.
    """


# Everything this package raises, the replay miss included: ``except ANY_ERROR:``.
ANY_ERROR: tuple[type[BaseException], ...] = (LLMCassettesError, CassetteMiss)
