"""OpenAI chat completions wire format (api.openai.com/v1/chat/completions).

Shapes follow recorded exchanges: the non-stream body is pretty-printed with a 2-space
indent and a trailing newline, error bodies with a 4-space indent and a trailing
newline; SSE is ``data: <compact json>\\n\\n`` ending with ``data: [DONE]``. Organisation,
project and cookie values are obviously fake: they exist so a recorder can prove it
scrubs them.
"""

from __future__ import annotations

from typing import Any

from ...providers import OPENAI as PROVIDER
from . import _common as common
from . import tool_calls
from ._common import Exchange, WireResponse

NAME = PROVIDER.name
ORIGIN = PROVIDER.origin
PATH = PROVIDER.path
KEY_ENV = PROVIDER.key_env
BASE_ENV = PROVIDER.base_env
ERROR_KINDS = common.ERROR_KINDS

FAKE_ORGANIZATION = "org-emulatorFAKEnotasecret"
FAKE_PROJECT = "proj_emulatorFAKEnotasecret"
SYSTEM_FINGERPRINT = "fp_emulator01"

# Requests name a model alias; the API answers with the dated snapshot it served.
DATED_MODELS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "o3-mini": "o3-mini-2025-01-31",
    "o3": "o3-2025-04-16",
    "o4-mini": "o4-mini-2025-04-16",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
}

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def base_url(server_url: str) -> str:
    """The API base a client needs so that its requests land on PATH."""
    return PROVIDER.base_url(server_url)


def response_model(requested: str) -> str:
    return DATED_MODELS.get(requested, requested or "gpt-4o-mini-2024-07-18")


def completion_id(exchange: Exchange) -> str:
    return "chatcmpl-" + common.token(exchange.seed, "id", 29)


def request_id(exchange: Exchange) -> str:
    return "req_" + common.hex_token(exchange.seed, "request-id", 32)


def _usage(exchange: Exchange) -> dict[str, Any]:
    reply = common.reply_of(exchange)
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.total_tokens,
        "prompt_tokens_details": {"cached_tokens": exchange.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": exchange.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def success_body(exchange: Exchange) -> bytes:
    reply = common.reply_of(exchange)
    body = {
        "id": completion_id(exchange),
        "object": "chat.completion",
        "created": common.CREATED,
        "model": response_model(exchange.model),
        "choices": [
            {
                "index": 0,
                "message": tool_calls.openai_message(reply.text, exchange.calls),
                "logprobs": None,
                "finish_reason": exchange.finish,
            }
        ],
        "usage": _usage(exchange),
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    return common.indented_json(body, 2)


def _chunk(exchange: Exchange, choices: list[dict[str, Any]], usage: dict[str, Any] | None) -> bytes:
    chunk: dict[str, Any] = {
        "id": completion_id(exchange),
        "object": "chat.completion.chunk",
        "created": common.CREATED,
        "model": response_model(exchange.model),
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": choices,
    }
    # "usage": null appears on every chunk only when the client asked for usage.
    if exchange.include_usage:
        chunk["usage"] = usage
    # Since Aug 2025 every chunk carries random-length "obfuscation" padding (against
    # length side channels); here it is derived from the chunk so output stays reproducible.
    fingerprint = common.compact_json(chunk).decode()
    chunk["obfuscation"] = common.token(exchange.seed + fingerprint, "obfuscation", 9 + len(fingerprint) % 7)
    return common.sse_data(common.compact_json(chunk))


def _delta(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
    return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]


def content_events(exchange: Exchange) -> list[bytes]:
    """The role chunk and one chunk per content piece or tool-call fragment (no finish, no usage, no
    [DONE]): what a stream cut short or broken by an error has sent."""
    reply = common.reply_of(exchange)
    if exchange.calls:
        return [_chunk(exchange, _delta(delta), None) for delta in tool_calls.openai_deltas(exchange.calls)]
    events = [_chunk(exchange, _delta({"role": "assistant", "content": "", "refusal": None}), None)]
    events += [_chunk(exchange, _delta({"content": piece}), None) for piece in reply.pieces]
    return events


def stream_events(exchange: Exchange) -> list[bytes]:
    """The whole SSE body, one event per list item."""
    events = content_events(exchange)
    events.append(_chunk(exchange, _delta({}, exchange.finish), None))
    if exchange.include_usage:
        events.append(_chunk(exchange, [], _usage(exchange)))
    events.append(common.sse_data("[DONE]"))
    return events


def _common_headers(exchange: Exchange) -> list[tuple[str, str]]:
    return [
        ("x-request-id", request_id(exchange)),
        ("x-envoy-upstream-service-time", "42"),
        ("x-openai-proxy-wasm", "v0.1"),
        ("cf-cache-status", "DYNAMIC"),
        (
            "Set-Cookie",
            "__cf_bm=FAKE-emulator-cf-bm-not-a-secret; path=/; expires=Wed, 01-Jan-25 00:30:00 GMT;"
            " domain=.api.openai.com; HttpOnly; Secure; SameSite=None",
        ),
        (
            "Set-Cookie",
            "_cfuvid=FAKE-emulator-cfuvid-not-a-secret; path=/; domain=.api.openai.com; HttpOnly;"
            " Secure; SameSite=None",
        ),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"),
        ("X-Content-Type-Options", "nosniff"),
        ("CF-RAY", common.hex_token(exchange.seed, "cf-ray", 16) + "-SJC"),
        ("alt-svc", 'h3=":443"; ma=86400'),
    ]


def _account_headers() -> list[tuple[str, str]]:
    return [
        ("openai-organization", FAKE_ORGANIZATION),
        ("openai-processing-ms", "120"),
        ("openai-project", FAKE_PROJECT),
        ("openai-version", "2020-10-01"),
    ]


def _ratelimit_headers(remaining_requests: int, reset_requests: str) -> list[tuple[str, str]]:
    return [
        ("x-ratelimit-limit-requests", "5000"),
        ("x-ratelimit-limit-tokens", "800000"),
        ("x-ratelimit-remaining-requests", str(remaining_requests)),
        ("x-ratelimit-remaining-tokens", "799993"),
        ("x-ratelimit-reset-requests", reset_requests),
        ("x-ratelimit-reset-tokens", "0s"),
    ]


def success_headers(exchange: Exchange, *, stream: bool = False) -> list[tuple[str, str]]:
    content_type = "text/event-stream; charset=utf-8" if stream else "application/json"
    return [
        ("Content-Type", content_type),
        ("access-control-expose-headers", "X-Request-ID"),
        *_account_headers(),
        *_ratelimit_headers(4999, "12ms"),
        *_common_headers(exchange),
    ]


def success_response(exchange: Exchange) -> WireResponse:
    return WireResponse(200, "OK", tuple(success_headers(exchange)), (success_body(exchange),))


def stream_response(exchange: Exchange) -> WireResponse:
    return common.streamed(success_headers(exchange, stream=True), stream_events(exchange))


def midstream_error_response(exchange: Exchange) -> WireResponse:
    """A 200 stream that breaks off with an error object in a ``data:`` event (no [DONE]).

    A non-stream request cannot fail half-way, so it gets the plain 500 instead.
    """
    if not exchange.stream:
        return error_response("server_error", exchange)
    error = {"error": _error_object("server_error", exchange, None)[1]}
    events = [*content_events(exchange)[:3], common.sse_data(common.compact_json(error))]
    return WireResponse(
        200, "OK", tuple(success_headers(exchange, stream=True)), tuple(events), streaming=True
    )


_QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more information "
    "on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)


def _error_object(kind: str, exchange: Exchange, retry_after: int | None) -> tuple[int, dict[str, Any]]:
    model = exchange.model or "gpt-4o-mini"
    wait = f"Please try again in {retry_after}s. " if retry_after is not None else ""
    table: dict[str, tuple[int, str, str, str | None, str | None]] = {
        "auth": (
            401,
            "Incorrect API key provided: sk-emul*******-key. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            None,
            "invalid_api_key",
        ),
        "model_not_found": (
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            "invalid_request_error",
            None,
            "model_not_found",
        ),
        "rate_limit": (
            429,
            f"Rate limit reached for {model} in organization {FAKE_ORGANIZATION} on requests per "
            f"min (RPM): Limit 5000, Used 5000, Requested 1. {wait}Visit "
            "https://platform.openai.com/account/rate-limits to learn more.",
            "requests",
            None,
            "rate_limit_exceeded",
        ),
        # Out of credit: a 429 too, but retrying never helps (clients must not retry it).
        "insufficient_quota": (429, _QUOTA, "insufficient_quota", None, "insufficient_quota"),
        "context_length_exceeded": (
            400,
            "This model's maximum context length is 128000 tokens. However, your messages resulted in "
            "130012 tokens. Please reduce the length of the messages.",
            "invalid_request_error",
            "messages",
            "context_length_exceeded",
        ),
        "server_error": (
            500,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            None,
            None,
        ),
        "unavailable": (503, "The server is overloaded or not ready yet.", "server_error", None, None),
        "bad_request": (
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you "
            "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but "
            "what was sent was not valid JSON. If you have trouble figuring out how to fix this, "
            "please contact us through our help center at help.openai.com.)",
            "invalid_request_error",
            None,
            None,
        ),
    }
    # OpenAI has no 529 ("overloaded" is its 503) and no separate invalid-model error (its 404).
    kind = {"overloaded": "unavailable", "invalid_model": "model_not_found"}.get(kind, kind)
    status, message, error_type, param, code = table[kind]
    return status, {"message": message, "type": error_type, "param": param, "code": code}


def error_response(kind: str, exchange: Exchange, *, retry_after: int | None = 2) -> WireResponse:
    """The response for one of ``ERROR_KINDS``; 401/404 carry no account or rate-limit headers.

    ``retry_after=None`` is a 429 that advertises no wait: no retry-after and no x-ratelimit-*
    headers, as many real OpenAI 429s come back.
    """
    if kind not in ERROR_KINDS:
        raise ValueError(f"unknown error kind {kind!r}; known: {', '.join(ERROR_KINDS)}")
    status, error = _error_object(kind, exchange, retry_after if kind == "rate_limit" else None)
    return _error_envelope(status, error, exchange, retry_after if kind == "rate_limit" else None)


def rejection_response(
    status: int, message: str, exchange: Exchange, *, param: str | None = None, code: str | None = None
) -> WireResponse:
    """A request the API refuses before any model runs (no key, a missing field, ...)."""
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return _error_envelope(status, error, exchange, None)


def _error_envelope(status: int, error: dict[str, Any], exchange: Exchange, wait: int | None) -> WireResponse:
    headers: list[tuple[str, str]] = [("Content-Type", "application/json; charset=utf-8")]
    if status == 429:
        headers += [("retry-after", str(wait))] if wait is not None else []
        headers += _account_headers()
        headers += _ratelimit_headers(0, f"{wait}s") if wait is not None else []
    elif status >= 500:
        headers += _account_headers()
    else:
        headers.append(("vary", "Origin"))
    headers += _common_headers(exchange)
    # Real 401s come back uncompressed; the larger 404 and others are gzip-compressed.
    return WireResponse(
        status,
        _REASONS[status],
        tuple(headers),
        (common.indented_json({"error": error}, 4),),
        compress=status != 401,
    )


def not_found_route(exchange: Exchange) -> WireResponse:
    """What api.openai.com answers for a path it does not serve."""
    error = {
        "message": f"Invalid URL ({exchange.method} {exchange.path})",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("vary", "Origin"),
        *_common_headers(exchange),
    ]
    return WireResponse(
        404, "Not Found", tuple(headers), (common.indented_json({"error": error}, 4),), compress=False
    )
