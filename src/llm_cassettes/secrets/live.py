"""The recording's scrub rules applied to the live request in replay, before it is matched.

A recorded request was scrubbed before it was written: a prompt asking about ``AKIA…`` was saved as
``REDACTED``, an ``?api-key=`` parameter as ``api-key=REDACTED``. Matching the raw live request against
that would miss forever, so replay scrubs the live request with the very same functions
(:func:`.scrub._scrub_body`, the same matcher) and matches what survives. The keys known at replay
stand in for those known at recording: the plugin's placeholder keys (or the developer's real ones) and
the credential headers the request carries, each redacted to the same ``REDACTED``.

This runs on every replayed call, so the common case costs a few string searches: a body in which no
gate literal, known value or user pattern occurs is left as it is without being parsed again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from ..cassette.codec import decode_body, encode_body, header
from ..providers import key_variables
from .known import KnownValue, from_env, from_headers
from .matcher import _Matcher, matcher_for
from .patterns import is_secret_header
from .scrub import _scrub_body

_is_secret_header = lru_cache(maxsize=512)(is_secret_header)


@lru_cache(maxsize=1024)
def _scrubbed_uri(matcher: _Matcher, uri: str) -> str:
    return matcher.scrub(uri)


class LiveRequestScrubber:
    """``scrubber(method, uri, headers, body) -> (uri, body)``: the live request as it would be saved."""

    def __init__(
        self,
        extra_patterns: Sequence[str] = (),
        secret_env: Sequence[str] = (),
        secret_values: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.extra_patterns = tuple(extra_patterns)
        self.env_names = tuple(dict.fromkeys([*key_variables(), *secret_env]))
        self.values = tuple(KnownValue(v, "Settings.secret_values") for v in secret_values)
        self.environ = environ
        self._matchers: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], _Matcher] = {}

    def _matcher(self, headers: Iterable[tuple[str, str]]) -> _Matcher:
        # Read at every call: the plugin sets the placeholder keys per test, after this object exists.
        env = os.environ if self.environ is None else self.environ
        env_values = tuple(env.get(name, "") for name in self.env_names)
        credentials = tuple((n, v) for n, v in headers if _is_secret_header(n))
        cache_key = (env_values, credentials)
        matcher = self._matchers.get(cache_key)
        if matcher is None:
            known = [*from_env(self.env_names, env), *self.values, *from_headers(credentials)]
            matcher = matcher_for(self.extra_patterns, known)
            if len(self._matchers) > 64:  # bounded: a run with ever-changing keys must not grow it
                self._matchers.clear()
            self._matchers[cache_key] = matcher
        return matcher

    def __call__(
        self, method: str, uri: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> tuple[str, bytes]:
        matcher = self._matcher(headers)
        uri = _scrubbed_uri(matcher, uri)
        if not body:
            return uri, body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if (
            text is not None
            and "\\u" not in text  # escapes could hide a secret from the fast check
            and not matcher.present(text)
            and (matcher.extras is None or matcher.extras.search(text) is None)
        ):
            return uri, body  # nothing the scrubber could act on: the common case
        doc = encode_body(body, header(list(headers), "content-type"))
        scrubbed = _scrub_body(doc, matcher)
        return uri, body if scrubbed is doc else decode_body(scrubbed)
