"""Remove secrets (and volatile noise) from cassettes, and scan cassette files for leftovers.

Every cassette is assumed to end up in a public git repository, so scrubbing errs on the side of
redacting: credentials headers, credential query parameters, credential-named JSON fields and anything
shaped like a provider key, token or JWT anywhere in a request or response become ``REDACTED``.

Two entry points:

- :func:`scrub_cassette` returns a scrubbed copy of a :class:`Cassette`; the recorder calls it before
  anything touches the disk.
- :func:`scan_text` / :func:`scan_paths` / ``llm-cassettes scan`` read the *raw text* of cassette files,
  line by line, so they also catch what a hand edit planted, even in a file that no longer parses.

Both use one compiled alternation of all patterns (defaults + the user's extra patterns), so scrubbing
a 1,000-interaction cassette costs one regex pass per string.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .cassette_format import (
    Cassette,
    Fault,
    Headers,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    decode_body,
)

REDACTED = "REDACTED"

# --------------------------------------------------------------------------------------------- patterns

# (kind, regex). A pattern may name the part to redact ``(?P<secret>...)``; otherwise the whole match
# is the secret. Order matters only between patterns that can start at the same position: the more
# specific provider prefixes come before the generic OpenAI ``sk-`` shape so findings name the right kind.
# The look-behinds stop matches inside longer words ("task-...", "disk-..."), and the generic shapes
# require a digit so that hyphenated prose ("sk-learn-compatible-estimators") is not a "key".
_NAMED_PATTERNS: tuple[tuple[str, str], ...] = (
    ("anthropic-key", r"(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{16,}"),
    ("openrouter-key", r"(?<![A-Za-z0-9])sk-or-v1-[A-Za-z0-9_-]{16,}"),
    (
        "openai-key",
        r"(?<![A-Za-z0-9])sk-(?:(?:proj|svcacct|admin|None)-|(?=[A-Za-z0-9]{20})|(?=[A-Za-z0-9_-]*[0-9]))"
        r"[A-Za-z0-9_-]{20,}",
    ),
    # A bearer token needs a digit or real length: "Bearer tokens are..." and "Bearer REDACTED" stay.
    (
        "bearer-token",
        r"\b(?:[Bb]earer|BEARER)[ \t]+(?P<secret>(?=[A-Za-z0-9._~+/-]*[0-9])[A-Za-z0-9._~+/-]{12,}=*"
        r"|[A-Za-z0-9._~+/-]{24,}=*)",
    ),
    ("aws-access-key-id", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    ("google-api-key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
    ("github-token", r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})"),
    ("huggingface-token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}"),
    ("groq-key", r"(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{40,}"),
    ("xai-key", r"(?<![A-Za-z0-9_-])xai-[A-Za-z0-9]{40,}"),
    ("slack-token", r"(?<![A-Za-z0-9_-])xox[abprs]-[A-Za-z0-9-]{10,}"),
    # base64url('{"') is "eyJ": header and payload of a JWT both start with it.
    ("jwt", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)?"),
    # OpenAI organisation / project ids identify the account that recorded the cassette.
    ("openai-org-id", r"(?<![A-Za-z0-9_-])org-[A-Za-z0-9]{20,}(?![A-Za-z0-9_-])"),
    ("openai-project-id", r"(?<![A-Za-z0-9_-])proj_[A-Za-z0-9]{20,}(?![A-Za-z0-9_-])"),
    # ?key=... (Gemini) and friends: any non-empty value, the parameter name is the evidence.
    (
        "credential-query-param",
        r"[?&](?i:key|api_key|apikey|token|access_token)=(?P<secret>[^&#\s\"'<>\\]+)",
    ),
    ("url-credentials", r"(?<=://)[^/\s:@\"'<>]+:(?P<secret>[^/\s@\"'<>]+)@"),
    # "api_key": "..." inside JSON text (SSE events, text bodies, tool-call arguments), also with the
    # quotes escaped as YAML double-quoted scalars write them. Bare "token" is left out: logprobs use it.
    (
        "credential-json-field",
        r"\\?\"(?i:[A-Za-z0-9_-]*(?:api[_-]?key|password|passwd|secret|access[_-]?token|refresh[_-]?token"
        r"|auth[_-]?token|session[_-]?token|private[_-]?key))\\?\"[ \t]*:[ \t]*"
        r"\\?\"(?P<secret>[^\"\\\n]+)\\?\"",
    ),
    # A long token after an auth-ish word (api_key=..., "secret: ..."); requiring a digit and 16+ chars
    # keeps "max_tokens: 16" and "password: see below" out.
    (
        "credential-assignment",
        r"(?<![A-Za-z0-9])(?i:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token"
        r"|secret[_-]?key|secret[_-]?access[_-]?key|client[_-]?secret|private[_-]?key|password|passwd|secret"
        r"|token)[\"']?[ \t]*[:=][ \t]*[\"']?(?P<secret>(?=[A-Za-z0-9._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{16,})",
    ),
)

DEFAULT_SECRET_PATTERNS: tuple[str, ...] = tuple(regex for _, regex in _NAMED_PATTERNS)

# ---------------------------------------------------------------------------------------------- headers

SECRET_HEADERS: frozenset[str] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "openai-organization",
        "openai-project",
        "anthropic-organization-id",
        "cookie",
        "set-cookie",
        "x-auth-token",
        "x-access-token",
        "x-amz-security-token",
        "x-csrf-token",
        "x-litellm-api-key",
        "x-portkey-api-key",
        "helicone-auth",
        "cf-aig-authorization",
    }
)

# Dropped so that re-recording yields a small, reviewable diff. Deliberately absent: headers that
# clients read to decide what to do next (retry-after, retry-after-ms, x-ratelimit-*,
# anthropic-ratelimit-*, x-should-retry, content-type): removing them would change replay behaviour.
NOISE_HEADERS: frozenset[str] = frozenset(
    {
        "user-agent",
        "cf-ray",
        "cf-cache-status",
        "x-request-id",
        "request-id",
        "date",
        "openai-processing-ms",
        "x-envoy-upstream-service-time",
        "alt-svc",
        "server-timing",
        "x-amzn-trace-id",
        "x-amzn-requestid",
        "x-cloud-trace-context",
        "traceparent",
        "tracestate",
        "nel",
        "report-to",
        "via",
        "x-served-by",
        "x-cache",
        "x-timer",
        "x-process-time",
    }
)
NOISE_HEADER_PREFIXES: tuple[str, ...] = ("x-stainless-", "x-kong-", "x-datadog-", "x-b3-")

# Names that mark the value next to them as a credential: header names (x-api-key, set-cookie, ...)
# and field names in bodies or env-style text (OPENAI_API_KEY, client_secret, password, ...).
_CREDENTIAL_NAME = (
    r"(?:[A-Za-z0-9]+[_-])*(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token"
    r"|session[_-]?token|security[_-]?token|id[_-]?token|secret[_-]?key|secret[_-]?access[_-]?key"
    r"|client[_-]?secret|private[_-]?key|password|passwd|secret)"
    r"|" + "|".join(sorted((re.escape(h) for h in SECRET_HEADERS), key=len, reverse=True))
)
_CREDENTIAL_NAME_RX = re.compile(_CREDENTIAL_NAME, re.IGNORECASE)

# JSON keys redacted when their value is a string, beyond _CREDENTIAL_NAME: account identifiers and
# bare "token" (except in logprobs entries, see _scrub_json).
_EXTRA_JSON_KEYS = frozenset({"token", "bearer", "organization", "organizationid", "orgid", "projectid"})

# "name: value" at the start of a line; the value is judged by _value_is_safe, not by the regex.
_FIELD_LINE = (
    r"^[ \t]*(?:-[ \t]+)?[\"']?(?P<_lcfn>(?i:" + _CREDENTIAL_NAME + r"))[\"']?[ \t]*[:=][ \t]*"
    r"(?P<_lcfv>\S[^\n]*?)[ \t]*$"
)


def is_secret_header(name: str) -> bool:
    """True for headers whose value is a credential (explicit list plus *-api-key, *-secret, ...)."""
    name = name.lower()
    return name in SECRET_HEADERS or _CREDENTIAL_NAME_RX.fullmatch(name) is not None


def is_noise_header(name: str) -> bool:
    name = name.lower()
    return name in NOISE_HEADERS or name.startswith(NOISE_HEADER_PREFIXES)


def _field_kind(name: str) -> str:
    return "secret-header" if name.lower() in SECRET_HEADERS else "credential-field"


def _is_credential_key(key: str) -> bool:
    if _CREDENTIAL_NAME_RX.fullmatch(key):
        return True
    return key.lower().replace("_", "").replace("-", "") in _EXTRA_JSON_KEYS


# ------------------------------------------------------------------------------------- value judgement

_SCHEME = re.compile(r"(?i)(?P<scheme>bearer|basic|token|bot|digest)[ \t]+(?P<rest>.*)")
_TRIVIAL = re.compile(r"(?i)(?:|null|none|~|true|false|-?\d+(?:\.\d+)?|REDACTED|bearer|basic|token)")
# Documentation-style placeholders in model output ("Authorization: Bearer <your key>", "$API_KEY")
# are not secrets; flagging them would make every scrubbed cassette fail the scan.
_PLACEHOLDER = re.compile(
    r"(?i)<[^<>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{?[ \t]*[A-Za-z_.][\w.]*[ \t]*\}?\}|\.{3}|…|x{3,}|\*{3,}"
    r"|your[ _-]?[\w -]*"
)
_QUOTED = re.compile(r"(?P<q>[\"']?)(?P<core>.*?)(?P=q)(?P<tail>,?)", re.DOTALL)


def _split_quotes(value: str) -> tuple[str, str, str]:
    m = _QUOTED.fullmatch(value)
    assert m is not None  # the pattern matches any string
    return m["q"], m["core"], m["tail"]


def _cookie_pairs(name: str, core: str) -> list[str]:
    # cookie: every "a=b" pair is a cookie; set-cookie: only the first, the rest are attributes.
    parts = [p.strip() for p in core.split(";")]
    return parts if name == "cookie" else parts[:1]


def _value_is_safe(name: str, value: str) -> bool:
    """Whether a credential-named field may keep this value (already redacted, empty, a placeholder)."""
    quote, core, _ = _split_quotes(value.strip())
    if not quote and core[:1] in ("|", ">", "&", "*", "!", "{", "["):
        return True  # a YAML block/flow/anchor indicator: the value is elsewhere, patterns judge it
    if _TRIVIAL.fullmatch(core) or _PLACEHOLDER.fullmatch(core):
        return True
    name = name.lower()
    if name in ("cookie", "set-cookie"):
        return all(p.partition("=")[2] == REDACTED or p == REDACTED for p in _cookie_pairs(name, core))
    scheme = _SCHEME.fullmatch(core)
    rest = scheme["rest"].strip() if scheme else core
    # Secrets have no spaces: "password: see the vault" in model output is prose. (Secret shapes inside
    # such a value are still caught: the caller also runs the patterns over it.)
    return rest == REDACTED or _PLACEHOLDER.fullmatch(rest) is not None or any(c.isspace() for c in rest)


def _redact_value(name: str, core: str) -> str:
    """The redacted form of a credential value; keeps the shape a reader needs (scheme, cookie names)."""
    name = name.lower()
    if name in ("cookie", "set-cookie"):
        pairs = _cookie_pairs(name, core)
        return "; ".join(f"{p.partition('=')[0]}={REDACTED}" if "=" in p else REDACTED for p in pairs if p)
    scheme = _SCHEME.fullmatch(core.strip())
    if scheme:
        return f"{scheme['scheme']} {REDACTED}"
    return REDACTED


# ------------------------------------------------------------------------------------------- matcher


_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _scoped(pattern: str) -> str:
    # Python 3.11 rejects global flags ("(?i)...") anywhere but the very start of a pattern; inside the
    # combined alternation a user's leading "(?i)" must become a scoped group "(?i:...)".
    m = _GLOBAL_FLAGS.match(pattern)
    if m:
        flags = m.group(1).replace("u", "").replace("a", "").replace("L", "")
        rest = pattern[m.end() :]
        return f"(?{flags}:{rest})" if flags else rest
    return pattern


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    kind: str
    excerpt: str


# Python's regex engine tries every alternative at every character (~1 us/char for this alternation),
# while ``str.find`` scans at GB/s. So every default pattern contains one of these lowercase literals,
# and the full alternation only runs on the lines where one occurs (test_gate_covers_every_pattern
# keeps the lists in step). Context words only count when a separator follows ("token:", "key=",
# '"api_key":'), so "max_tokens" and "x-ratelimit-remaining-tokens" lines are not scanned.
_GATE_LITERALS: tuple[str, ...] = (
    "sk-", "bearer", "akia", "asia", "abia", "acca", "aiza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "hf_", "gsk_", "xai-", "xox", "eyj", "-----begin", "org-", "proj_", "@",
)  # fmt: skip
_GATE_WORDS: tuple[str, ...] = (
    "key", "token", "secret", "password", "passwd", "auth", "authorization", "cookie", "organization",
    "organization-id", "project",
    # account-id keys that _scrub_json redacts by name
    "orgid", "org_id", "org-id", "organizationid", "organization_id", "projectid", "project_id", "project-id",
)  # fmt: skip
_ALL_GATES = _GATE_LITERALS + _GATE_WORDS
_GATE_WORD_SET = frozenset(_GATE_WORDS)
_GATE_SEPARATOR = re.compile(r"\\?[\"']?[ \t]*[:=]")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # keeps offsets


class _Matcher:
    """All patterns as one compiled alternation; group ``_lc{i}`` wraps pattern i, ``_lcs{i}`` its secret."""

    def __init__(self, extra_patterns: tuple[str, ...]) -> None:
        named = [*_NAMED_PATTERNS, *(("custom-pattern", p) for p in extra_patterns)]
        self.kinds = [kind for kind, _ in named]
        parts = [f"(?P<_lcf>{_FIELD_LINE})"]
        for i, (_, pattern) in enumerate(named):
            body = _scoped(pattern).replace("(?P<secret>", f"(?P<_lcs{i}>")
            body = body.replace("(?P=secret)", f"(?P=_lcs{i})")
            parts.append(f"(?P<_lc{i}>{body})")
        # MULTILINE: the field rule and users' ^/$ anchors mean "line" inside multi-line bodies.
        self.regex = re.compile("|".join(parts), re.MULTILINE)
        self.secret_groups = {f"_lc{i}": f"_lcs{i}" for i in range(len(named))}
        # User patterns have no known literal, so they find their own lines (fast if they start with one).
        self.extras = (
            re.compile("|".join(f"(?:{_scoped(p)})" for p in extra_patterns), re.MULTILINE)
            if (extra_patterns)
            else None
        )

    def present(self, text: str) -> tuple[str, ...]:
        """The gate literals that occur in ``text``: checked once for a whole body, then only those
        few are searched for in each of its strings."""
        low = text.translate(_ASCII_LOWER)
        found = [literal for literal in _GATE_LITERALS if literal in low]
        for word in _GATE_WORDS:
            i = low.find(word)
            while i != -1:
                if _GATE_SEPARATOR.match(low, i + len(word)):
                    found.append(word)
                    break
                i = low.find(word, i + len(word))
        return tuple(found)

    def regions(self, text: str, gates: tuple[str, ...] = _ALL_GATES) -> list[tuple[int, int]]:
        """Sorted, disjoint (start, end) spans of whole lines that may hold a match."""
        if not gates and self.extras is None:
            return []
        low = text.translate(_ASCII_LOWER)
        spans: list[tuple[int, int]] = []
        for literal in [g for g in gates if g in low]:  # `in` first: most literals are absent
            word = literal in _GATE_WORD_SET
            i = low.find(literal)
            while i != -1:
                if word and not _GATE_SEPARATOR.match(low, i + len(literal)):
                    i = low.find(literal, i + len(literal))
                    continue
                start = text.rfind("\n", 0, i) + 1
                end = text.find("\n", i)
                end = len(text) if end == -1 else end
                if literal == "-----begin":  # a PEM block spans lines: take it up to its END line
                    stop = low.find("-----end", i)
                    if stop != -1:
                        end = text.find("\n", stop)
                        end = len(text) if end == -1 else end
                spans.append((start, end))
                i = low.find(literal, end)  # one span per line and literal is enough
        if self.extras is not None:
            for m in self.extras.finditer(text):
                end = text.find("\n", m.end())
                spans.append((text.rfind("\n", 0, m.start()) + 1, len(text) if end == -1 else end))
        if len(spans) <= 1:
            return spans
        spans.sort()
        merged = [spans[0]]
        for start, end in spans[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        return merged

    def _secret_span(self, m: re.Match[str]) -> tuple[int, int]:
        group = self.secret_groups[m.lastgroup or ""]
        if group in self.regex.groupindex and m.start(group) >= 0:
            return m.span(group)
        return m.span()

    def _field_is_safe(self, m: re.Match[str]) -> bool:
        return _value_is_safe(m["_lcfn"], m["_lcfv"]) and next(self.matches(m["_lcfv"]), None) is None

    def _replace(self, m: re.Match[str]) -> str:
        text = m.group()
        if not text:  # a user pattern that matches the empty string must not redact every position
            return text
        if m.lastgroup == "_lcf":
            if self._field_is_safe(m):
                return text
            quote, core, tail = _split_quotes(m["_lcfv"])
            start, end = m.span("_lcfv")
            new_value = f"{quote}{_redact_value(m['_lcfn'], core)}{quote}{tail}"
            return text[: start - m.start()] + new_value + text[end - m.start() :]
        start, end = self._secret_span(m)
        if m.string[start:end] == REDACTED:
            return text
        offset = m.start()
        return text[: start - offset] + REDACTED + text[end - offset :]

    def substitute(self, text: str) -> str:
        """Every pattern applied until nothing changes: redacting one secret can leave a remainder
        that another pattern matches (``Bearer sk-…0123`` → ``Bearer REDACTED0123``), and scrubbing
        must be idempotent so a re-scan or a second save finds nothing more."""
        for _ in range(4):
            replaced = self.regex.sub(self._replace, text)
            if replaced == text:
                break
            text = replaced
        return text

    def scrub(self, text: str, gates: tuple[str, ...] = _ALL_GATES) -> str:
        """``text`` with every secret replaced; the very same object when there was nothing to replace.

        ``gates``: the gate literals that can occur in ``text`` (see :meth:`present`), all by default.
        """
        regions = self.regions(text, gates)
        if not regions:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in regions:
            # Regions are whole lines, so slicing loses no context the patterns look at.
            pieces += [text[last:start], self.substitute(text[start:end])]
            last = end
        pieces.append(text[last:])
        result = "".join(pieces)
        return text if result == text else result

    def matches(self, text: str, regions: list[tuple[int, int]] | None = None) -> Iterator[re.Match[str]]:
        for start, end in self.regions(text) if regions is None else regions:
            yield from self.regex.finditer(text, start, end)

    def hits(self, text: str, regions: list[tuple[int, int]] | None = None) -> Iterator[_Hit]:
        for m in self.matches(text, regions):
            if not m.group():
                continue
            if m.lastgroup == "_lcf":
                if self._field_is_safe(m):
                    continue
                name, value = m["_lcfn"], m["_lcfv"]
                inner = next(self.hits(value), None)
                kind = inner.kind if inner else _field_kind(name)
                yield _Hit(m.start(), m.end(), kind, f"{name}: {_mask_value(_split_quotes(value)[1])}")
                continue
            start, end = self._secret_span(m)
            secret = text[start:end]
            if secret == REDACTED:
                continue
            kind = self.kinds[int((m.lastgroup or "_lc0")[3:])]
            excerpt = text[m.start() : start] + _mask(secret) + text[end : m.end()]
            yield _Hit(m.start(), m.end(), kind, excerpt)


def _mask_value(core: str) -> str:
    scheme = _SCHEME.fullmatch(core)
    return f"{scheme['scheme']} {_mask(scheme['rest'])}" if scheme else _mask(core)


def _mask(secret: str) -> str:
    """Enough of a secret to recognise it in a report, never enough to use it."""
    n = len(secret)
    head = min(6, n // 4)
    tail = min(2, n // 10)
    return secret[:head] + "***" + (secret[n - tail :] if tail else "")


@lru_cache(maxsize=32)
def _matcher(extra_patterns: tuple[str, ...]) -> _Matcher:
    for pattern in extra_patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid secret pattern {pattern!r}: {exc}") from None
    return _Matcher(extra_patterns)


def compile_patterns(extra_patterns: Sequence[str] = ()) -> None:
    """Validate extra patterns early (e.g. at plugin start-up); raises ValueError naming a bad one."""
    _matcher(tuple(extra_patterns))


# ------------------------------------------------------------------------------------------- scrubbing


def _scrub_json(value: Any, matcher: _Matcher, gates: tuple[str, ...] = _ALL_GATES) -> Any:
    """Scrubbed copy of a JSON value; returns the very same object when nothing changed."""
    if isinstance(value, str):
        return matcher.scrub(value, gates)
    if isinstance(value, list):
        items = [_scrub_json(item, matcher, gates) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        changed = False
        # A logprobs entry {"token": "Hello", "logprob": -0.1} holds a text token, not a credential.
        logprobs_entry = "logprob" in value
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new_key = matcher.scrub(key, gates) if isinstance(key, str) else key
            credential = (
                isinstance(key, str) and _is_credential_key(key) and not (logprobs_entry and key == "token")
            )
            if credential and isinstance(item, str) and item not in ("", REDACTED):
                new_item: Any = _redact_value(key, item)
            elif credential and isinstance(item, list) and any(isinstance(v, str) for v in item):
                # {"set-cookie": ["a=1", "b=2"]}: every string in the list is a credential too.
                new_item = [_redact_value(key, v) if isinstance(v, str) and v else v for v in item]
                new_item = item if new_item == item else new_item
            else:
                new_item = _scrub_json(item, matcher, gates)
            changed = changed or new_key is not key or new_item is not item
            out[new_key] = new_item
        return out if changed else value
    return value


def _scrub_body(doc: dict[str, Any], matcher: _Matcher) -> dict[str, Any]:
    """Scrubbed body document; the same dict when nothing changed, so its bytes stay identical."""
    if "json" in doc:
        # Every gate literal and credential key of the body shows in its serialisation (JSON escaping
        # never splits one), so one check of the whole body spares a search per string.
        gates = matcher.present(json.dumps(doc["json"], ensure_ascii=False))
        if not gates and matcher.extras is None:
            return doc
        new = _scrub_json(doc["json"], matcher, gates)
        return doc if new is doc["json"] else {**doc, "json": new}
    for form in ("sse", "text"):
        if form in doc and isinstance(doc[form], str):
            new_text = matcher.scrub(doc[form])
            return doc if new_text is doc[form] else {**doc, form: new_text}
    return doc  # base64 (binary) bodies and empty bodies are left alone


def _scrub_headers(headers: Headers, matcher: _Matcher, keep_secret_names: bool) -> Headers:
    gates = matcher.present("\n".join(value for _, value in headers))  # one gate check for all values
    out: Headers = []
    for name, value in headers:
        if is_noise_header(name):
            continue
        if is_secret_header(name):
            # Request credentials are simply dropped (matching never uses request headers); a response
            # keeps the header name so a reader sees the provider sent it.
            if keep_secret_names:
                out.append((name, _redact_value(name, value)))
            continue
        out.append((name, matcher.scrub(value, gates)))
    return out


def _fix_length(headers: Headers, body: bytes) -> Headers:
    # Redaction changes the body length; a stale content-length would make clients truncate or hang.
    return [(n, str(len(body)) if n.lower() == "content-length" else v) for n, v in headers]


def _scrub_request(request: RecordedRequest, matcher: _Matcher) -> RecordedRequest:
    body_doc = _scrub_body(request.body_doc, matcher)
    headers = _scrub_headers(request.headers, matcher, keep_secret_names=False)
    if body_doc is not request.body_doc:
        headers = _fix_length(headers, decode_body(body_doc))
    new = RecordedRequest(request.method, matcher.scrub(request.uri), headers, dict(body_doc))
    if body_doc is request.body_doc and "body" in request.__dict__:
        new.knowing_body(request.body)  # unchanged body: keep the bytes already decoded
    return new


def _scrub_response(response: RecordedResponse, matcher: _Matcher) -> RecordedResponse:
    body_doc = _scrub_body(response.body_doc, matcher)
    headers = _scrub_headers(response.headers, matcher, keep_secret_names=True)
    if body_doc is not response.body_doc:
        headers = _fix_length(headers, decode_body(body_doc))
    new = RecordedResponse(response.status, matcher.scrub(response.reason), headers, dict(body_doc))
    if body_doc is response.body_doc and "body" in response.__dict__:
        new.knowing_body(response.body)  # unchanged body: keep the bytes already decoded
    return new


def scrub_cassette(cassette: Cassette, extra_patterns: Sequence[str] = ()) -> Cassette:
    """A scrubbed copy of ``cassette``, safe to publish; the input is not modified.

    Request: secret and noise headers dropped, credential query parameters and secret-shaped strings in
    the uri, headers and body replaced by ``REDACTED``. Response: noise headers dropped, secret headers
    kept with a ``REDACTED`` value (``set-cookie: name=REDACTED``), bodies scrubbed like requests.
    Unchanged bodies keep their exact bytes; changed JSON bodies are re-serialised in their own style.
    """
    matcher = _matcher(tuple(extra_patterns))
    interactions = []
    for interaction in cassette.interactions:
        fault = interaction.fault
        interactions.append(
            Interaction(
                request=_scrub_request(interaction.request, matcher),
                response=_scrub_response(interaction.response, matcher) if interaction.response else None,
                fault=Fault(fault.error, matcher.scrub(fault.message)) if fault else None,
            )
        )
    meta = _scrub_json(dict(cassette.meta), matcher)
    return Cassette(meta=dict(meta), interactions=interactions, path=cassette.path)


# -------------------------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class Finding:
    """One secret-shaped string in a file; ``excerpt`` masks the middle of the secret."""

    path: str
    line: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.excerpt}"


# "set-cookie:" with the values on the following "- a=b" lines (how repeated headers are written).
_LIST_FIELD = re.compile(
    r"^(?P<indent>[ \t]*)[\"']?(?P<name>" + _CREDENTIAL_NAME + r")[\"']?[ \t]*:[ \t]*\n"
    r"(?P<items>(?:(?P=indent)[ \t]*-[ \t]+[^\n]*(?:\n|$))+)",
    re.MULTILINE | re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^[ \t]*-[ \t]+(?P<value>[^\n]*?)[ \t]*$", re.MULTILINE)
_EXCERPT_LIMIT = 100


def scan_text(text: str, path: str = "<text>", extra_patterns: Sequence[str] = ()) -> list[Finding]:
    """Secret-shaped strings and unredacted credential fields in raw (YAML/JSON) text, by line."""
    matcher = _matcher(tuple(extra_patterns))
    found: list[tuple[int, str, str]] = []  # (offset, kind, excerpt)
    flagged: set[int] = set()
    regions = matcher.regions(text)
    for hit in matcher.hits(text, regions):
        found.append((hit.start, hit.kind, " ".join(hit.excerpt.split())[:_EXCERPT_LIMIT]))
        flagged.add(text.rfind("\n", 0, hit.start) + 1)
    for start, _ in regions:
        # Repeated headers are written as "set-cookie:" followed by "- value" lines.
        m = _LIST_FIELD.match(text, start)
        if m is None:
            continue
        name = m["name"]
        for item in _LIST_ITEM.finditer(m["items"]):
            value = item["value"]
            offset = m.start("items") + item.start()
            if value and offset not in flagged and not _value_is_safe(name, value):
                found.append((offset, _field_kind(name), f"- {_mask_value(_split_quotes(value)[1])}"))
    found.sort()
    findings: list[Finding] = []
    line, position = 1, 0
    for offset, kind, excerpt in found:  # line numbers by counting newlines once, in order
        line += text.count("\n", position, offset)
        position = offset
        findings.append(Finding(path, line, kind, excerpt))
    return findings


_SCAN_SUFFIXES = (".yaml", ".yml", ".json")


def _files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SCAN_SUFFIXES)
            files.extend(sorted(found))
        elif path.is_file():
            files.append(path)  # named explicitly: scanned whatever its extension
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return files


def scan_paths(paths: Sequence[str | Path], extra_patterns: Sequence[str] = ()) -> list[Finding]:
    """Scan files and directories (recursively ``*.yaml``, ``*.yml``, ``*.json``)."""
    return _scan_files(_files(paths), extra_patterns)


def _scan_files(files: Sequence[Path], extra_patterns: Sequence[str]) -> list[Finding]:
    findings: list[Finding] = []
    for file in files:
        # errors="replace": a damaged file must still be scanned, not crash the scanner.
        text = file.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_text(text, str(file), extra_patterns))
    return findings


def scan_command(argv: list[str]) -> int:
    """``llm-cassettes scan [PATH ...] [--pattern REGEX ...]``: 0 clean, 1 findings, 2 usage error."""
    parser = argparse.ArgumentParser(
        prog="llm-cassettes scan",
        description="Find secret-shaped strings and unredacted credential headers in cassette files.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: cassettes)")
    parser.add_argument(
        "--pattern", action="append", default=[], metavar="REGEX", help="an extra secret regex (repeatable)"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: return the code instead of exiting the caller
        return int(exc.code or 0)
    paths = args.paths or ["cassettes"]
    try:
        compile_patterns(args.pattern)
        files = _files(paths)
    except (ValueError, FileNotFoundError) as exc:
        hint = " (pass the cassette directory as PATH)" if not args.paths else ""
        print(f"llm-cassettes scan: {exc}{hint}", file=sys.stderr)
        return 2
    findings = _scan_files(files, args.pattern)
    for finding in findings:
        print(finding)
    noun = "file" if len(files) == 1 else "files"
    if not findings:
        print(f"llm-cassettes scan: no secrets found in {len(files)} {noun}")
        return 0
    dirty = len({f.path for f in findings})
    print(
        f"llm-cassettes scan: {len(findings)} finding(s) in {dirty} of {len(files)} {noun}; "
        "redact them (REDACTED) or re-record, then scan again"
    )
    return 1


__all__ = [
    "DEFAULT_SECRET_PATTERNS",
    "NOISE_HEADERS",
    "NOISE_HEADER_PREFIXES",
    "REDACTED",
    "SECRET_HEADERS",
    "Finding",
    "compile_patterns",
    "is_noise_header",
    "is_secret_header",
    "scan_command",
    "scan_paths",
    "scan_text",
    "scrub_cassette",
]
