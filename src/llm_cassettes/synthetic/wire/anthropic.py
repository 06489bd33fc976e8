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


def response_model(requested: str) -> str:
    return requested or "claude-3-5-haiku-20241022"


def message_id(exchange: Exchange) -> str:
    return "msg_01" + common.token(exchange.seed, "id", 22)


def request_id(exchange: Exchange) -> str:
    return "req_011C" + common.token(exchange.seed, "request-id", 20)


def _stop_reason(finish: str) -> str:
    return "max_tokens" if finish == "length" else "end_turn"


def _input_usage(input_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    }


def success_body(exchange: Exchange) -> bytes:
    reply = common.reply_of(exchange)
    body = {
        "model": response_model(exchange.model),
        "id": message_id(exchange),
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": _stop_reason(reply.finish),
        "stop_sequence": None,
        "usage": {
            **_input_usage(reply.prompt_tokens),
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


def content_events(exchange: Exchange) -> list[bytes]:
    """message_start, the text block start, ping and one delta per piece (block still open)."""
    reply = common.reply_of(exchange)
    message = {
        "id": message_id(exchange),
        "type": "message",
        "role": "assistant",
        "model": response_model(exchange.model),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**_input_usage(reply.prompt_tokens), "output_tokens": 1, "service_tier": "standard"},
    }
    events = [
        sse_event("message_start", {"type": "message_start", "message": message}),
        sse_event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        PING,
    ]
    events += [
        sse_event(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
        )
        for piece in reply.pieces
    ]
    return events


def stream_events(exchange: Exchange) -> list[bytes]:
    reply = common.reply_of(exchange)
    usage = {
        key: value for key, value in _input_usage(reply.prompt_tokens).items() if key != "cache_creation"
    }
    return [
        *content_events(exchange),
        sse_event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse_event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop_reason(reply.finish), "stop_sequence": None},
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


def _error_object(kind: str, exchange: Exchange) -> tuple[int, str, str]:
    table = {
        "auth": (401, "authentication_error", "invalid x-api-key"),
        "model_not_found": (404, "not_found_error", f"model: {exchange.model or 'unknown'}"),
        "rate_limit": (
            429,
            "rate_limit_error",
            "Number of requests has exceeded your per-minute rate limit "
            "(https://docs.anthropic.com/en/api/rate-limits); see the response headers for current "
            "usage. Please try again later or contact sales at https://www.anthropic.com/contact-sales "
            "to discuss your options for a rate limit increase.",
        ),
        "server_error": (500, "api_error", "Internal server error"),
        "unavailable": (503, "api_error", "Service unavailable"),
        "overloaded": (529, "overloaded_error", "Overloaded"),
        "bad_request": (
            400,
            "invalid_request_error",
            "There was an issue with the request body: not valid JSON",
        ),
    }
    return table[kind]


def error_response(kind: str, exchange: Exchange, *, retry_after: int | None = None) -> WireResponse:
    """The response for one of ``ERROR_KINDS``, with ``x-should-retry`` set as the API does."""
    if kind not in ERROR_KINDS:
        raise ValueError(f"unknown error kind {kind!r}; known: {', '.join(ERROR_KINDS)}")
    status, error_type, message = _error_object(kind, exchange)
    body = {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id(exchange),
    }
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    if status == 529:
        headers.append(("Cache-Control", "no-store, no-cache"))
    if status == 429:
        headers += [
            ("retry-after", str(retry_after if retry_after is not None else 2)),
            *_ratelimit_headers(0),
        ]
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
