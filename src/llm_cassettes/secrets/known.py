"""Known secret values: secrets because of where they came from, whatever they look like.

Patterns find what *looks* like a key. A key that looks like nothing (a gateway token, a self-hosted
proxy's password) is found because its value is known: the values of the provider key variables
(``OPENAI_API_KEY``, ...), of the variables a project names (``llm_cassettes_secret_env``,
``Settings.secret_env``), the values a project adds (``Settings.secret_values``), and the value of every
credential header the test sent. Like Ruby VCR's ``filter_sensitive_data``, each is removed from
everything written, in every form a body can carry it: as is, URL-encoded, JSON-escaped, inside base64
(at every alignment, both alphabets) and, in binary bodies, as UTF-16.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

from ..providers import key_variables
from .patterns import REDACTED, is_secret_header

if TYPE_CHECKING:
    from ..settings import Settings

# Shorter values would redact ordinary words ("dummy", "test") all over a cassette.
MIN_LENGTH = 8


@dataclass(frozen=True, order=True)
class KnownValue:
    value: str
    source: str  # what makes it a secret: "OPENAI_API_KEY", "header x-api-key", "Settings.secret_values"

    @property
    def kind(self) -> str:
        return f"value of {self.source}"


def usable(value: str) -> bool:
    """Long enough to be unmistakable, one line, and not the redaction marker itself."""
    return len(value) >= MIN_LENGTH and "\n" not in value and value.strip() == value and REDACTED not in value


def from_env(names: Iterable[str], environ: Mapping[str, str] | None = None) -> list[KnownValue]:
    env = os.environ if environ is None else environ
    return [KnownValue(env[name], name) for name in dict.fromkeys(names) if usable(env.get(name, ""))]


def configured(
    settings: Settings | None = None, environ: Mapping[str, str] | None = None
) -> list[KnownValue]:
    """The run's known values: provider key variables, the project's variables and values."""
    names = [*key_variables(), *(settings.secret_env if settings is not None else ())]
    found = from_env(names, environ)
    if settings is not None:
        found += [KnownValue(v, "Settings.secret_values") for v in settings.secret_values if usable(v)]
    return found


def credential_parts(value: str) -> list[str]:
    """The secret parts of a credential header's value: all of it, the token after a scheme, Basic's
    password, each cookie's value."""
    value = value.strip()
    parts = [value]
    scheme, _, rest = value.partition(" ")
    lowered = scheme.lower()
    if rest and lowered in ("bearer", "token", "bot", "digest", "basic"):
        rest = rest.strip()
        parts.append(rest)
        if lowered == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                decoded = ""
            _, colon, password = decoded.partition(":")
            if colon:
                parts += [decoded, password]
    elif "=" in value:  # cookies: the value of every name=value pair
        parts += [pair.partition("=")[2].strip() for pair in value.split(";")]
    return parts


def from_headers(headers: Iterable[tuple[str, str]]) -> list[KnownValue]:
    """The values of the credential headers among ``headers`` (what the test sent)."""
    found: list[KnownValue] = []
    for name, value in headers:
        if is_secret_header(name):
            source = f"header {name.lower()}"
            found += [KnownValue(part, source) for part in credential_parts(value) if usable(part)]
    return found


def unique(values: Iterable[KnownValue]) -> tuple[KnownValue, ...]:
    """One entry per value (the first source named wins), in a stable order: a cache key."""
    first: dict[str, KnownValue] = {}
    for known in values:
        first.setdefault(known.value, known)
    return tuple(sorted(first.values()))


@lru_cache(maxsize=256)
def text_forms(value: str) -> tuple[str, ...]:
    """Strings whose presence in a text gives ``value`` away, longest first."""
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), json.dumps(value)[1:-1]}
    raw = value.encode()
    for offset in range(3):
        padded = b"\0" * offset + raw
        complete = (len(padded) // 3) * 4  # characters that depend on whole 3-byte groups only
        start = 4 if offset else 0  # the first group holds the padding
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(padded)[start:complete].decode("ascii")
            if len(core) >= MIN_LENGTH:
                forms.add(core)
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


def byte_forms(value: str) -> tuple[tuple[bytes, bytes], ...]:
    """(form, replacement) pairs for a binary body beyond the text forms: the value in UTF-16."""
    return tuple((value.encode(codec), REDACTED.encode(codec)) for codec in ("utf-16-le", "utf-16-be"))
