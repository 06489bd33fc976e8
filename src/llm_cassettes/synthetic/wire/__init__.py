"""Provider wire formats: the one place where each provider's HTTP responses are spelled out.

Each provider module (``openai``, ``anthropic``, ``openrouter``) exposes the same names:
``NAME``, ``ORIGIN``, ``PATH``, ``KEY_ENV``, ``BASE_ENV``, ``ERROR_KINDS``, and the
functions ``base_url``, ``response_model``, ``success_body``, ``success_headers``,
``stream_events``, ``success_response``, ``stream_response``, ``midstream_error_response``,
``error_response`` and ``not_found_route``. The shapes (JSON formatting, SSE framing,
header names and value shapes, reason phrases) follow real recorded exchanges.

Values that real servers derive from the clock or from random state (ids, ``created``,
reset times) are derived here from a per-request ``seed`` and fixed constants, so the
same request sequence always produces byte-identical responses.
"""

from __future__ import annotations

from types import ModuleType

from ...providers import provider_at_path
from . import anthropic, openai, openrouter
from ._common import CREATED, ERROR_KINDS, Exchange, WireResponse

# The wire module of each provider, by provider name (the names are those of llm_cassettes.providers).
PROVIDERS: dict[str, ModuleType] = {"openai": openai, "anthropic": anthropic, "openrouter": openrouter}


def provider_for_path(path: str) -> ModuleType | None:
    """The provider module serving this request path (query string ignored), or None."""
    provider = provider_at_path(path)
    return PROVIDERS[provider.name] if provider is not None else None


def provider_guess(path: str) -> ModuleType:
    """The provider whose error shape best fits an unknown path (for route 404s)."""
    bare = path.split("?", 1)[0]
    if bare.startswith("/api/"):
        return openrouter
    if bare.startswith("/v1/messages") or bare.startswith("/v1/complete"):
        return anthropic
    return openai


__all__ = [
    "CREATED",
    "ERROR_KINDS",
    "PROVIDERS",
    "Exchange",
    "WireResponse",
    "provider_for_path",
    "provider_guess",
]
