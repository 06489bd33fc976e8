"""Anthropic messages wire format (api.anthropic.com/v1/messages).

Shapes follow recorded exchanges: compact JSON for bodies and errors (``model`` first in
the non-stream body), SSE as ``event: <name>\\ndata: <json>\\n\\n`` pairs from
message_start to message_stop with a ``ping`` whose data is written ``{"type": "ping"}``,
``x-should-retry`` on errors, and a 529 whose status line has an empty reason phrase.
"""

from __future__ import annotations

from typing import Any

from ...providers import ANTHROPIC as PROVIDER
from . import _common as common
from . import tool_calls
from ._common import Exchange, WireResponse

NAME = PROVIDER.name
ORIGIN = PROVIDER.origin
PATH = PROVIDER.path
KEY_ENV = PROVIDER.key_env
BASE_ENV = PROVIDER.base_env
ERROR_KINDS = common.ERROR_KINDS

# A well-formed UUID that is obviously not a real organisation.
FAKE_ORGANIZATION_ID = "00000000-0000-4000-8000-00000000fa4e"

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    529: "",
}


def base_url(server_url: str) -> str:
    """The API base a client needs; clients append ``/v1/messages`` themselves."""
    return PROVIDER.base_url(server_url)


# The API answers an alias with the dated model id that served it.
DATED_MODELS = {
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-opus-4-5": "claude-opus-4-5-20251101",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-opus-4-0": "claude-opus-4-20250514",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
    "claude-3-5-sonnet-latest": "claude-3-5-sonnet-20241022",
    "claude-3-opus-latest": "claude-3-opus-20240229",
}


def response_model(requested: str) -> str:
    return DATED_MODELS.get(requested, requested or "claude-3-5-haiku-20241022")


def message_id(exchange: Exchange) -> str:
    return "msg_01" + common.token(exchange.seed, "id", 22)


def request_id(exchange: Exchange) -> str:
    return "req_011C" + common.token(exchange.seed, "request-id", 20)


def _stop_reason(finish: str) -> str:
    return {"length": "max_tokens", "tool_calls": "tool_use"}.get(finish, "end_turn")


def _input_usage(exchange: Exchange) -> dict[str, Any]:
    """Anthropic's input_tokens leave out what was read from or written to the prompt cache."""
    reply = common.reply_of(exchange)
    creation = exchange.cache_creation_5m + exchange.cache_creation_1h
    return {
        "input_tokens": reply.prompt_tokens - exchange.cache_read - creation,
        "cache_creation_input_tokens": creation,
        "cache_read_input_tokens": exchange.cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": exchange.cache_creation_5m,
            "ephemeral_1h_input_tokens": exchange.cache_creation_1h,
        },
    }


def success_body(exchange: Exchange) -> bytes:
    reply = common.reply_of(exchange)
    body = {
        "model": response_model(exchange.model),
        "id": message_id(exchange),
        "type": "message",
        "role": "assistant",
        "content": tool_calls.anthropic_blocks(
            reply.text, exchange.calls, exchange.thinking, exchange.signature
        ),
        "stop_reason": _stop_reason(exchange.finish),
        "stop_sequence": None,
        "usage": {
            **_input_usage(exchange),
            "output_tokens": reply.completion_tokens,
            "service_tier": "standard",
        },
    }
    return common.compact_json(body)


def sse_event(name: str, data: dict[str, Any] | bytes) -> bytes:
    raw = data if isinstance(data, bytes) else common.compact_json(data)
    return b"event: " + name.encode() + b"\ndata: " + raw + b"\n\n"


# The real ping is written with a space after the colon, unlike every other event.
PING = sse_event("ping", b'{"type": "ping"}')


def _message_start(exchange: Exchange) -> bytes:
    message = {
        "id": message_id(exchange),
        "type": "message",
        "role": "assistant",
        "model": response_model(exchange.model),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**_input_usage(exchange), "output_tokens": 1, "service_tier": "standard"},
    }
    return sse_event("message_start", {"type": "message_start", "message": message})


def _block_events(exchange: Exchange) -> list[bytes]:
    reply = common.reply_of(exchange)
    blocks = tool_calls.anthropic_block_events(
        reply.pieces, exchange.calls, exchange.thinking, exchange.signature
    )
    return [PING if data is None else sse_event(name, data) for name, data in blocks]


def content_events(exchange: Exchange) -> list[bytes]:
    """message_start and the content blocks, the last one still open: what a cut stream has sent."""
    return [_message_start(exchange), *_block_events(exchange)[:-1]]


def stream_events(exchange: Exchange) -> list[bytes]:
    reply = common.reply_of(exchange)
    usage = {key: value for key, value in _input_usage(exchange).items() if key != "cache_creation"}
    return [
        _message_start(exchange),
        *_block_events(exchange),
        sse_event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop_reason(exchange.finish), "stop_sequence": None},
                "usage": {**usage, "output_tokens": reply.completion_tokens},
            },
        ),
        sse_event("message_stop", {"type": "message_stop"}),
    ]


def _ratelimit_headers(requests_remaining: int) -> list[tuple[str, str]]:
    headers = []
    for kind, limit in (
        ("input-tokens", 2000000),
        ("output-tokens", 400000),
        ("requests", 4000),
        ("tokens", 2400000),
    ):
        remaining = requests_remaining if kind == "requests" else limit
        headers += [
            (f"anthropic-ratelimit-{kind}-limit", str(limit)),
            (f"anthropic-ratelimit-{kind}-remaining", str(remaining)),
            (f"anthropic-ratelimit-{kind}-reset", common.CREATED_ISO),
        ]
    return headers


def _tail_headers(exchange: Exchange) -> list[tuple[str, str]]:
    return [
        ("request-id", request_id(exchange)),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
        ("via", "1.1 google"),
        ("x-envoy-upstream-service-time", "42"),
        ("cf-cache-status", "DYNAMIC"),
        ("X-Robots-Tag", "none"),
        ("CF-RAY", common.hex_token(exchange.seed, "cf-ray", 16) + "-SJC"),
    ]


def success_headers(exchange: Exchange, *, stream: bool = False) -> list[tuple[str, str]]:
    if stream:
        first = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache")]
    else:
        first = [("Content-Type", "application/json"), ("Vary", "accept-encoding")]
    return [
        *first,
        ("anthropic-organization-id", FAKE_ORGANIZATION_ID),
        *_ratelimit_headers(3999),
        *_tail_headers(exchange),
    ]


def success_response(exchange: Exchange) -> WireResponse:
    return WireResponse(200, "OK", tuple(success_headers(exchange)), (success_body(exchange),))


def stream_response(exchange: Exchange) -> WireResponse:
    return common.streamed(success_headers(exchange, stream=True), stream_events(exchange))


def midstream_error_response(exchange: Exchange) -> WireResponse:
    """A 200 stream that breaks off with ``event: error`` (overloaded), as the API docs show.

    A non-stream request cannot fail half-way, so it gets the plain 529 instead.
    """
    if not exchange.stream:
        return error_response("overloaded", exchange)
    error = b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
    events = [*content_events(exchange)[:4], sse_event("error", error)]
    return WireResponse(
        200, "OK", tuple(success_headers(exchange, stream=True)), tuple(events), streaming=True
    )


_PER_MINUTE = (
    "Number of requests has exceeded your per-minute rate limit "
    "(https://docs.anthropic.com/en/api/rate-limits); see the response headers for current "
    "usage. Please try again later or contact sales at https://www.anthropic.com/contact-sales "
    "to discuss your options for a rate limit increase."
)
# The 429 that advertises no wait: no retry-after, no rate-limit headers, no request_id in the body.
_CONCURRENCY = (
    "Number of concurrent connections has exceeded your rate limit. Please try again later or contact "
    "sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
)


def _error_object(kind: str, exchange: Exchange, retry_after: int | None) -> tuple[int, str, str]:
    model = exchange.model or "unknown"
    table = {
        "auth": (401, "authentication_error", "invalid x-api-key"),
        "model_not_found": (404, "not_found_error", f"model: {model}"),
        "invalid_model": (404, "not_found_error", f"model: {model}"),
        "rate_limit": (429, "rate_limit_error", _PER_MINUTE if retry_after is not None else _CONCURRENCY),
        "server_error": (500, "api_error", "Internal server error"),
        "unavailable": (503, "api_error", "Service unavailable"),
        "overloaded": (529, "overloaded_error", "Overloaded"),
        "bad_request": (
            400,
            "invalid_request_error",
            "There was an issue with the request body: not valid JSON",
        ),
        "insufficient_quota": (
            400,
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to "
            "upgrade or purchase credits.",
        ),
        "context_length_exceeded": (
            400,
            "invalid_request_error",
            "prompt is too long: 215012 tokens > 200000 maximum",
        ),
    }
    return table[kind]


def error_response(kind: str, exchange: Exchange, *, retry_after: int | None = 2) -> WireResponse:
    """The response for one of ``ERROR_KINDS``, with ``x-should-retry`` set as the API does.

    ``retry_after=None`` gives the concurrency 429: ``x-should-retry: true`` and nothing else to go by.
    """
    if kind not in ERROR_KINDS:
        raise ValueError(f"unknown error kind {kind!r}; known: {', '.join(ERROR_KINDS)}")
    status, error_type, message = _error_object(kind, exchange, retry_after)
    unadvertised = status == 429 and retry_after is None
    return _error_envelope(
        status,
        error_type,
        message,
        exchange,
        None if unadvertised else retry_after,
        request_id_in_body=not unadvertised,
    )


def rejection_response(status: int, message: str, exchange: Exchange, **_: Any) -> WireResponse:
    """A request the API refuses before any model runs (no key, a missing field, ...)."""
    error_type = "authentication_error" if status == 401 else "invalid_request_error"
    return _error_envelope(status, error_type, message, exchange, None)


def _error_envelope(
    status: int,
    error_type: str,
    message: str,
    exchange: Exchange,
    retry_after: int | None,
    *,
    request_id_in_body: bool = True,
) -> WireResponse:
    body: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
    if request_id_in_body:
        body["request_id"] = request_id(exchange)
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    if status == 529:
        headers.append(("Cache-Control", "no-store, no-cache"))
    if status == 429 and retry_after is not None:
        headers += [("retry-after", str(retry_after)), *_ratelimit_headers(0)]
    if status != 401:
        headers.append(("anthropic-organization-id", FAKE_ORGANIZATION_ID))
    headers += [
        *_tail_headers(exchange),
        ("x-should-retry", "true" if status in (429, 500, 503, 529) else "false"),
    ]
    # Recorded 404s are gzip-compressed; 401, 429 and 529 bodies came back plain.
    return WireResponse(
        status,
        _REASONS[status],
        tuple(headers),
        (common.compact_json(body),),
        compress=status in (200, 404, 400),
    )


def not_found_route(exchange: Exchange) -> WireResponse:
    body = {
        "type": "error",
        "error": {"type": "not_found_error", "message": "Not Found"},
        "request_id": request_id(exchange),
    }
    headers = [("Content-Type", "application/json"), *_tail_headers(exchange), ("x-should-retry", "false")]
    return WireResponse(404, "Not Found", tuple(headers), (common.compact_json(body),), compress=False)
