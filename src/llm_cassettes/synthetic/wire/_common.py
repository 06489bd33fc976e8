"""What every provider's wire module shares: the exchange to render, the response, deterministic ids.

The names each provider module exposes are listed in the package docstring (``synthetic/wire``). Values
real servers take from the clock or from random state are derived here from a per-request ``seed`` and
fixed constants, so the same request sequence always produces byte-identical responses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..responder import Reply

# Fixed "now" for every body and header (2025-01-01T00:00:00Z): no wall-clock values.
CREATED = 1735689600
CREATED_ISO = "2025-01-01T00:00:00Z"
# The same instant as the HTTP Date header every response carries: a reset time advertised relative to
# it (OpenRouter's X-RateLimit-Reset) means the same wait on any day a cassette is replayed.
DATE = "Wed, 01 Jan 2025 00:00:00 GMT"

# Error kinds a scenario can name; each provider maps them to its own status and body.
ERROR_KINDS = (
    "rate_limit",
    "auth",
    "model_not_found",
    "server_error",
    "unavailable",
    "overloaded",
    "bad_request",
    "insufficient_quota",  # OpenAI 429 insufficient_quota, Anthropic 400 credit balance, OpenRouter 402
    "context_length_exceeded",
    "invalid_model",  # OpenRouter 400 "not a valid model ID"; the others answer their 404
)

_ALPHANUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_HEX = "0123456789abcdef"


@dataclass(frozen=True)
class WireCall:
    """One tool call as the wire carries it."""

    id: str
    name: str
    arguments: dict[str, Any]

    @property
    def compact(self) -> str:
        """OpenAI's form of the arguments: compact JSON."""
        return json.dumps(self.arguments, separators=(",", ":"), ensure_ascii=False)

    @property
    def spaced(self) -> str:
        """Anthropic's form: a space after ':' and ','."""
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class Exchange:
    """Everything a provider module needs to render one response.

    ``reply`` is the text turn; an agent turn adds ``calls`` (tool calls), ``thinking`` (Anthropic's
    reasoning block, with its ``signature``) and the token details the usage objects report.
    """

    seed: str  # hex digest unique to this request within the scenario run
    model: str = ""  # the model named in the request
    stream: bool = False
    include_usage: bool = False
    reply: Reply | None = None
    path: str = ""
    method: str = "POST"
    calls: tuple[WireCall, ...] = ()
    thinking: str | None = None
    signature: str = ""
    reasoning_tokens: int = 0  # OpenAI reasoning models (part of completion_tokens)
    cached_tokens: int = 0  # OpenAI prompt_tokens_details.cached_tokens
    cache_read: int = 0  # Anthropic cache_read_input_tokens
    cache_creation_5m: int = 0
    cache_creation_1h: int = 0
    request: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def finish(self) -> str:
        """The provider-neutral finish: "tool_calls" when the turn calls tools, else the reply's."""
        return "tool_calls" if self.calls else reply_of(self).finish


@dataclass(frozen=True)
class WireResponse:
    """A response as the provider sends it; the emulator only adds framing headers.

    ``chunks`` are sent one per HTTP chunk when ``streaming`` (SSE); otherwise they are
    joined into one body, gzip-compressed when ``compress`` and the client accepts gzip.
    """

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    chunks: tuple[bytes, ...]
    streaming: bool = False
    compress: bool = True
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


def streamed(headers: list[tuple[str, str]], events: list[bytes]) -> WireResponse:
    """A 200 event stream, sent one event per HTTP chunk."""
    return WireResponse(200, "OK", tuple(headers), tuple(events), streaming=True)


def token(seed: str, label: str, length: int, alphabet: str = _ALPHANUM) -> str:
    """A deterministic pseudo-random string (ids, request ids) derived from the seed."""
    out: list[str] = []
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{label}:{counter}".encode()).digest()
        out.extend(alphabet[byte % len(alphabet)] for byte in digest)
        counter += 1
    return "".join(out[:length])


def hex_token(seed: str, label: str, length: int) -> str:
    return token(seed, label, length, _HEX)


def compact_json(value: Any) -> bytes:
    """JSON the way most providers write it: no spaces, raw UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def indented_json(value: Any, indent: int) -> bytes:
    """Pretty-printed JSON with a trailing newline (OpenAI bodies and errors)."""
    return (json.dumps(value, indent=indent, ensure_ascii=False) + "\n").encode()


def sse_data(payload: bytes | str) -> bytes:
    """One ``data:`` SSE event, terminated by the blank line."""
    raw = payload.encode() if isinstance(payload, str) else payload
    return b"data: " + raw + b"\n\n"


def reply_of(exchange: Exchange) -> Reply:
    if exchange.reply is None:
        raise ValueError("this response needs the model's reply")
    return exchange.reply
