"""What a project can change about the engine: the object ``pytest_llm_cassettes_configure`` receives.

The plugin builds one :class:`Settings` per run from the ini options, hands it to every conftest that
implements the hook, then passes it down: matching, scrubbing and scanning read from it, never from
module globals, so two runs in one process (pytester) cannot see each other's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Body fields that change between runs without changing the meaning of the request.
VOLATILE_BODY_PATHS: tuple[tuple[str, ...], ...] = (("metadata", "user_id"), ("user",), ("request_id",))


@dataclass(frozen=True)
class MatchKey:
    """What a request is matched on: two requests match exactly when their keys are equal.

    ``target`` is ``METHOD host/path?query`` (provider host, credentials dropped); ``body`` the parsed JSON
    body with volatile fields removed, ``{"multipart": [parts]}`` for an upload (each part's name,
    filename, content_type and content; the boundary is left out), or the body text otherwise.
    """

    method: str
    target: str
    body: Any


# A custom matcher gets the default key and returns the one to match on (e.g. with a field dropped).
Matcher = Callable[[MatchKey], MatchKey]


@dataclass
class Settings:
    """The engine's extension points, filled by ini options and ``pytest_llm_cassettes_configure``.

    volatile_body_paths: JSON body paths ignored in matching (``("metadata", "trace_id")``).
    secret_patterns: extra regexes scrubbed from recordings and flagged by the scan.
    secret_env: names of environment variables whose values are secrets, whatever they look like
        (the provider key variables always are): removed from recordings in every encoding.
    secret_values: secret values themselves (``os.environ["MY_GATEWAY_TOKEN"]``), treated the same way.
    keep_headers: header names kept in recordings although the defaults drop them as noise
        (credentials are never kept).
    drop_headers: header names always removed from recordings.
    host_aliases: extra host -> provider origin (``"my-proxy.example": "https://api.openai.com"``): a
        recording made through the alias matches the provider, and the provider's key is asked for.
    matcher: a callable normalising the :class:`MatchKey` of every live and recorded request.
    """

    volatile_body_paths: list[tuple[str, ...]] = field(default_factory=lambda: list(VOLATILE_BODY_PATHS))
    secret_patterns: list[str] = field(default_factory=list)
    secret_env: list[str] = field(default_factory=list)
    secret_values: list[str] = field(default_factory=list)
    keep_headers: set[str] = field(default_factory=set)
    drop_headers: set[str] = field(default_factory=set)
    host_aliases: dict[str, str] = field(default_factory=dict)
    matcher: Matcher | None = None

    def add_volatile_path(self, dotted: str) -> None:
        """``"metadata.trace_id"`` -> ignore that body field in matching."""
        self.volatile_body_paths.append(tuple(dotted.split(".")))
