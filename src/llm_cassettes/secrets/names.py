"""Secrets in cassette file names: a key-shaped parametrize id (``test_x[sk-proj-…]``) must not reach disk.

:func:`redact_name` replaces each secret in a name (patterns, and the known values of the run) by a
short stable form, ``REDACTED-<first 8 hex digits of its sha256>``: the same secret always gives the
same name, so replay finds the cassette again, and two tests whose ids differ only in the secret still
get two files.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from .known import configured
from .matcher import matcher_for

if TYPE_CHECKING:
    from ..settings import Settings

NAME_MARKER = "REDACTED-"


def redacted_form(secret: str) -> str:
    return NAME_MARKER + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


def redact_name(text: str, settings: Settings | None = None) -> str:
    """``text`` (a test id, a file name, a path) with every secret replaced by its stable short form.

    Secrets are what the scan would report: the default and ``settings.secret_patterns`` patterns, and
    the known values (provider key variables, ``settings.secret_env`` / ``secret_values``). Returns
    ``text`` itself when it holds none.
    """
    patterns = settings.secret_patterns if settings is not None else ()
    matcher = matcher_for(patterns, configured(settings))
    spans = matcher.spans(text)
    for start, end in reversed(spans):
        text = text[:start] + redacted_form(text[start:end]) + text[end:]
    return text
