"""What a secret looks like: the named patterns, credential header and field names, and value judgement.

Every cassette is assumed to end up in a public git repository, so the rules err on the side of
redacting: credentials headers, credential query parameters, credential-named JSON fields and anything
shaped like a provider key, token or JWT anywhere in a request or response.
"""

from __future__ import annotations

import re

REDACTED = "REDACTED"
# What a redaction leaves: the marker, or in file names its stable short form (see names.py).
_REDACTED_FORM = re.compile(r"REDACTED(?:-[0-9a-f]{8})?")


def is_redacted(text: str) -> bool:
    return _REDACTED_FORM.fullmatch(text) is not None


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
    # Basic auth: base64("user:password"). Prose ("Basic authentication") is one word without a digit,
    # '+', '/', '=' or a lower-to-upper case change, so it is not taken for a credential.
    (
        "basic-auth",
        r"\b(?:[Bb]asic|BASIC)[ \t]+"
        r"(?P<secret>(?=[A-Za-z0-9+/]*(?:[0-9+/]|[a-z][A-Z]))[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
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
        r"[?&](?i:key|api[_-]?key|x-api-key|token|access[_-]?token|auth|auth[_-]?token|client[_-]?secret"
        r"|password|secret|sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential)"
        r"=(?P<secret>[^&#\s\"'<>\\]+)",
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
# anthropic-ratelimit-*, x-should-retry, content-type): removing them would change replay behaviour;
# and the request ids (x-request-id, request-id), which the SDKs hand to the caller (``_request_id``):
# a replay must show the caller what the recording run showed it.
NOISE_HEADERS: frozenset[str] = frozenset(
    {
        "user-agent",
        "cf-ray",
        "cf-cache-status",
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
# The emulator's request ids identify no request anyone can look up; generated (synthetic) cassettes
# leave them out, and the generator's client never sees them either (see CassettePlayer.unheard_headers).
SYNTHETIC_NOISE_HEADERS: frozenset[str] = frozenset({"x-request-id", "request-id"})

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
_TRIVIAL = re.compile(
    r"(?i)(?:|null|none|~|true|false|-?\d+(?:\.\d+)?|REDACTED(?:-[0-9a-f]{8})?|bearer|basic|token)"
)
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
    """Whether a credential-named field may keep this value (already redacted, empty, a placeholder);
    ``value`` as written in YAML or JSON text (quoted or not)."""
    quote, core, _ = _split_quotes(value.strip())
    if not quote and core[:1] in ("|", ">", "&", "*", "!", "{", "["):
        return True  # a YAML block/flow/anchor indicator: the value is elsewhere, patterns judge it
    return _decoded_value_is_safe(name, core)


def _decoded_value_is_safe(name: str, core: str) -> bool:
    """:func:`_value_is_safe` for a value as loaded (no quotes, escapes resolved)."""
    core = core.strip()
    if _TRIVIAL.fullmatch(core) or _PLACEHOLDER.fullmatch(core):
        return True
    name = name.lower()
    if name in ("cookie", "set-cookie"):
        return all(p.partition("=")[2] == REDACTED or p == REDACTED for p in _cookie_pairs(name, core))
    scheme = _SCHEME.fullmatch(core)
    rest = scheme["rest"].strip() if scheme else core
    # Secrets have no spaces: "password: see the vault" in model output is prose. (Secret shapes inside
    # such a value are still caught: the caller also runs the patterns over it.)
    return is_redacted(rest) or _PLACEHOLDER.fullmatch(rest) is not None or any(c.isspace() for c in rest)


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
