"""Reading rate-limit waits from HTTP response headers.

Kept apart from the error mapping (``ttt.errors`` re-exports :func:`retry_after_from_headers`)
because it is pure header arithmetic, testable without any exception object.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["headers_of", "retry_after_from_headers"]


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    # httpx.Headers is case-insensitive, a plain dict is not: look both ways.
    value = headers.get(name)
    if value is None:
        lowered = {str(k).lower(): v for k, v in headers.items()}
        value = lowered.get(name)
    return None if value is None else str(value).strip()


def _server_time(headers: Mapping[str, Any]) -> float | None:
    """The response's ``Date`` header as epoch seconds, or None when absent or unparsable."""
    value = _header(headers, "date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def retry_after_from_headers(
    headers: Mapping[str, Any] | None, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait before retrying, from response headers, or None if they don't say.

    Understands, most precise first:
      * ``retry-after-ms``: milliseconds (OpenAI, Anthropic);
      * ``retry-after``: delta seconds or an HTTP date (RFC 9110);
      * ``x-ratelimit-reset``: epoch milliseconds at which the window resets (OpenRouter).
    An absolute time (the HTTP date, the reset) is measured against the response's own
    ``Date`` header when it has one, so the wait depends only on the response: a replayed
    recording waits the same on any day, and client clock skew does not matter. Only without
    a ``Date`` is it measured against ``now``, the wall clock (epoch seconds, injectable for
    tests). Never negative.
    """
    if not headers:
        return None
    ms = _header(headers, "retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    server_now = _server_time(headers)

    def since_now(when: float) -> float:
        return max(0.0, when - (server_now if server_now is not None else now()))

    ra = _header(headers, "retry-after")
    if ra:
        try:
            return max(0.0, float(ra))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(ra)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                return since_now(when.timestamp())
    reset = _header(headers, "x-ratelimit-reset")
    if reset:
        try:
            stamp = float(reset)
        except ValueError:
            return None
        # OpenRouter sends epoch milliseconds; tolerate epoch seconds from look-alike gateways.
        if stamp > 1e11:
            stamp /= 1000.0
        return since_now(stamp)
    return None


def headers_of(exc: BaseException) -> Mapping[str, Any] | None:
    # litellm copies the upstream headers to ``litellm_response_headers`` on every mapped
    # exception; ``exc.response.headers`` is often a fresh, empty stub (e.g. Anthropic 429s).
    for candidate in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
        getattr(exc, "headers", None),
    ):
        if candidate:
            return candidate
    return None
