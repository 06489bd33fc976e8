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

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from .. import environment
from ..cassette.codec import decode_body, encode_body, header
from ..providers import key_variables
from .known import KnownValue, credential_parts, from_env, from_headers, text_forms, usable
from .matcher import _Matcher, matcher_for
from .patterns import is_secret_header
from .scrub import _scrub_body

_is_secret_header = lru_cache(maxsize=512)(is_secret_header)


def _environment_reader(names: tuple[str, ...]) -> Callable[[], tuple[str, ...]]:
    """The current values of ``names`` ("" when unset), read live at every call and cheaply."""
    read = environment.reader(names)
    return lambda: tuple(value or "" for value in read())


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
        self.secret_values = tuple(secret_values)
        self.values = tuple(KnownValue(v, "Settings.secret_values") for v in secret_values if usable(v))
        self.environ = environ
        self._read_env = (
            _environment_reader(self.env_names)
            if environ is None
            else lambda: tuple(environ.get(name, "") for name in self.env_names)
        )
        self._patterns = matcher_for(self.extra_patterns)
        self._forms: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], tuple[str, ...]] = {}
        self._matchers: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], _Matcher] = {}

    def _known_matcher(
        self, env_values: tuple[str, ...], credentials: tuple[tuple[str, str], ...]
    ) -> _Matcher:
        cache_key = (env_values, credentials)
        matcher = self._matchers.get(cache_key)
        if matcher is None:
            env = dict(zip(self.env_names, env_values, strict=True))
            known = [*from_env(self.env_names, env), *self.values, *from_headers(credentials)]
            matcher = matcher_for(self.extra_patterns, known)
            if len(self._matchers) > 64:  # bounded: a run with ever-changing keys must not grow it
                self._matchers.clear()
            self._matchers[cache_key] = matcher
        return matcher

    def __call__(
        self, method: str, uri: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> tuple[str, bytes]:
        # Read at every call: the plugin sets the placeholder keys per test, after this object exists.
        env_values = self._read_env()
        credentials = tuple((n, v) for n, v in headers if _is_secret_header(n))
        text = _text_of(body)
        if text is not None and self._untouched(uri, text, env_values, credentials):
            return uri, body  # nothing the scrubber could act on: the common case, a few string searches
        matcher = self._known_matcher(env_values, credentials)
        uri = _scrubbed_uri(matcher, uri)
        if not body:
            return uri, body
        doc = encode_body(body, header(list(headers), "content-type"))
        scrubbed = _scrub_body(doc, matcher)
        return uri, body if scrubbed is doc else decode_body(scrubbed)

    def _untouched(
        self, uri: str, text: str, env_values: tuple[str, ...], credentials: tuple[tuple[str, str], ...]
    ) -> bool:
        """True when no rule can change the request: no gate literal, no user pattern, no known value."""
        if "\\u" in text:  # JSON escapes could hide a secret from these searches
            return False
        forms = self._forms.get((env_values, credentials))
        if forms is None:
            values = [*(v for v in env_values if v), *self.secret_values, *(v for _, v in credentials)]
            parts = [p for v in values for p in credential_parts(v) if usable(p)]
            forms = tuple(dict.fromkeys(form for part in parts for form in text_forms(part)))
            if len(self._forms) > 64:
                self._forms.clear()
            self._forms[(env_values, credentials)] = forms
        patterns = self._patterns
        if not _plain(patterns, forms, uri):
            return False
        if patterns.present(text) or (patterns.extras is not None and patterns.extras.search(text)):
            return False
        return not any(form in text for form in forms)


@lru_cache(maxsize=1024)
def _plain(patterns: _Matcher, forms: tuple[str, ...], text: str) -> bool:
    """No pattern gate, user pattern or known value in ``text`` (a URI: the few a test uses repeat)."""
    if patterns.present(text) or (patterns.extras is not None and patterns.extras.search(text)):
        return False
    return not any(form in text for form in forms)


def _text_of(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
