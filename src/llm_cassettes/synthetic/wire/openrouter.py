"""OpenRouter chat completions wire format (openrouter.ai/api/v1/chat/completions).

OpenAI-shaped, with OpenRouter's own habits taken from recorded exchanges: bodies are
preceded by whitespace padding (``"\\n         \\n"``, sent while the upstream model works),
streams open with ``: OPENROUTER PROCESSING`` comments, chunks carry ``provider`` and
``native_finish_reason``, usage carries ``cost``, errors are ``{"error": {"message",
"code"[, "metadata"]}}``, rate limits use ``X-RateLimit-*`` headers (Reset in epoch
milliseconds) and no ``retry-after``, and an upstream failure can arrive as an error
chunk inside a 200 stream.
"""

from __future__ import annotations

import decimal
from typing import Any

from ...providers import OPENROUTER as PROVIDER
from . import _common as common
from . import tool_calls
from ._common import Exchange, WireResponse

NAME = PROVIDER.name
ORIGIN = PROVIDER.origin
PATH = PROVIDER.path
KEY_ENV = PROVIDER.key_env
BASE_ENV = PROVIDER.base_env
ERROR_KINDS = common.ERROR_KINDS

PADDING = b"\n         \n"
PROCESSING = b": OPENROUTER PROCESSING\n\n"
FAKE_USER_ID = "user_FAKEemulatorNOTaSECRET000"
SYSTEM_FINGERPRINT = "fp_emulator01"

# USD per token (prompt, completion); any fixed prices do, they only make `cost` plausible.
_PRICE = (decimal.Decimal("0.00000015"), decimal.Decimal("0.0000006"))
_PROVIDERS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "meta-llama": "Meta",
    "mistralai": "Mistral",
    "deepseek": "DeepSeek",
    "x-ai": "xAI",
    "qwen": "Alibaba",
}
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_STATIC_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    (
        "Permissions-Policy",
        'payment=(self "https://checkout.stripe.com" "https://connect-js.stripe.com" '
        '"https://js.stripe.com" "https://*.js.stripe.com" "https://hooks.stripe.com")',
    ),
    ("Referrer-Policy", "no-referrer, strict-origin-when-cross-origin"),
    ("Vary", "Accept-Encoding"),
    ("X-Content-Type-Options", "nosniff"),
)


def base_url(server_url: str) -> str:
    return PROVIDER.base_url(server_url)


def response_model(requested: str) -> str:
    return requested or "openai/gpt-4o-mini"


def upstream_provider(model: str) -> str:
    prefix = response_model(model).split("/", 1)[0]
    return _PROVIDERS.get(prefix, prefix.title())


def generation_id(exchange: Exchange) -> str:
    return f"gen-{common.CREATED}-" + common.token(exchange.seed, "id", 20)


class _Number(str):
    """A number already formatted the way OpenRouter's JavaScript writes it."""


def _js_number(value: decimal.Decimal) -> _Number:
    # JSON.stringify writes 0.00005 where Python's float repr writes 5e-05; it switches to
    # exponent notation only below 1e-6 (and then without padding: 6e-7).
    value = value.normalize()
    if 0 < abs(value) < decimal.Decimal("0.000001"):
        return _Number(format(value, "e").replace("e-0", "e-"))
    return _Number(format(value, "f"))


def _dump(value: Any) -> bytes:
    """Compact JSON where `_Number` values are written bare (unquoted)."""
    placeholders: dict[str, str] = {}

    def swap(node: Any) -> Any:
        if isinstance(node, _Number):
            key = f"@@num{len(placeholders)}@@"
            placeholders[f'"{key}"'] = str(node)
            return key
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = common.compact_json(swap(value)).decode()
    for quoted, bare in placeholders.items():
        text = text.replace(quoted, bare)
    return text.encode()


def _usage(exchange: Exchange) -> dict[str, Any]:
    reply = common.reply_of(exchange)
    prompt_cost = _PRICE[0] * reply.prompt_tokens
    completion_cost = _PRICE[1] * reply.completion_tokens
    total = _js_number(prompt_cost + completion_cost)
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.total_tokens,
        "cost": total,
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": exchange.cached_tokens, "audio_tokens": 0},
        "cost_details": {
            "upstream_inference_cost": total,
            "upstream_inference_prompt_cost": _js_number(prompt_cost),
            "upstream_inference_completions_cost": _js_number(completion_cost),
        },
        "completion_tokens_details": {"reasoning_tokens": exchange.reasoning_tokens, "audio_tokens": 0},
    }


def success_body(exchange: Exchange) -> bytes:
    """The JSON document alone (without the padding that precedes it on the wire)."""
    body = {
        "id": generation_id(exchange),
        "provider": upstream_provider(exchange.model),
        "model": response_model(exchange.model),
        "object": "chat.completion",
        "created": common.CREATED,
        "choices": [
            {
                "logprobs": None,
                "finish_reason": exchange.finish,
                "native_finish_reason": exchange.finish,
                "index": 0,
                "message": _message(exchange),
            }
        ],
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "usage": _usage(exchange),
    }
    return _dump(body)


def _message(exchange: Exchange) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": common.reply_of(exchange).text,
        "refusal": None,
        "reasoning": None,
    }
    if exchange.calls:
        message["tool_calls"] = tool_calls.openrouter_tool_calls(exchange.calls)
    return message


def _chunk(
    exchange: Exchange, content: str, finish: str | None, *, delta: dict[str, Any] | None = None, **extra: Any
) -> bytes:
    chunk: dict[str, Any] = {"id": generation_id(exchange), "provider": upstream_provider(exchange.model)}
    if "error" in extra:
        chunk["error"] = extra.pop("error")
    chunk.update(
        {
            "model": response_model(exchange.model),
            "object": "chat.completion.chunk",
            "created": common.CREATED,
            "choices": [
                {
                    "index": 0,
                    "delta": delta if delta is not None else {"role": "assistant", "content": content},
                    "finish_reason": finish,
                    "native_finish_reason": finish,
                    "logprobs": None,
                }
            ],
        }
    )
    chunk.update(extra)
    return common.sse_data(_dump(chunk))


def content_events(exchange: Exchange) -> list[bytes]:
    """The PROCESSING comment, the role chunk and one chunk per content piece (or two per tool call)."""
    reply = common.reply_of(exchange)
    fingerprint = {"system_fingerprint": SYSTEM_FINGERPRINT}
    if exchange.calls:
        deltas = tool_calls.openrouter_deltas(exchange.calls)
        return [PROCESSING, *(_chunk(exchange, "", None, delta=d, **fingerprint) for d in deltas)]
    return [
        PROCESSING,
        _chunk(exchange, "", None, **fingerprint),
        *(_chunk(exchange, piece, None, **fingerprint) for piece in reply.pieces),
    ]


def stream_events(exchange: Exchange) -> list[bytes]:
    events = [
        *content_events(exchange),
        _chunk(exchange, "", exchange.finish, system_fingerprint=SYSTEM_FINGERPRINT),
    ]
    if exchange.include_usage:
        # Unlike OpenAI, the usage chunk keeps a choices entry (with an empty delta).
        events.append(_chunk(exchange, "", None, usage=_usage(exchange)))
    events.append(common.sse_data("[DONE]"))
    return events


def success_headers(exchange: Exchange, *, stream: bool = False) -> list[tuple[str, str]]:
    first = (
        [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
        if stream
        else [("Content-Type", "application/json")]
    )
    return [*first, *_STATIC_HEADERS, ("CF-RAY", common.hex_token(exchange.seed, "cf-ray", 16) + "-SJC")]


def success_response(exchange: Exchange) -> WireResponse:
    # Padding and JSON go out as separate chunks, as OpenRouter flushes padding while it waits.
    return WireResponse(200, "OK", tuple(success_headers(exchange)), (PADDING, success_body(exchange)))


def stream_response(exchange: Exchange) -> WireResponse:
    return common.streamed(success_headers(exchange, stream=True), stream_events(exchange))


_MIDSTREAM_ERROR = {"code": 502, "message": "Provider returned error"}


def midstream_error_response(exchange: Exchange) -> WireResponse:
    """A 200 stream whose upstream fails: an error chunk, then ``[DONE]``.

    A non-stream request gets the same failure as a 200 whose padded body is an error
    envelope, because OpenRouter has already sent the 200 status while it was padding.
    """
    if not exchange.stream:
        body = _dump(
            {
                "error": {
                    **_MIDSTREAM_ERROR,
                    "metadata": {
                        "provider_name": upstream_provider(exchange.model),
                        "raw": "upstream connection closed",
                    },
                },
                "user_id": FAKE_USER_ID,
            }
        )
        return WireResponse(200, "OK", tuple(success_headers(exchange)), (PADDING, body))
    events = [
        *content_events(exchange)[:3],
        _chunk(exchange, "", None, error=dict(_MIDSTREAM_ERROR)),
        common.sse_data("[DONE]"),
    ]
    return WireResponse(
        200, "OK", tuple(success_headers(exchange, stream=True)), tuple(events), streaming=True
    )


def _error_envelope(kind: str, exchange: Exchange, reset_ms: int | None) -> tuple[int, dict[str, Any]]:
    model = response_model(exchange.model)
    provider = upstream_provider(exchange.model)
    simple = {
        "auth": (401, "No cookie auth credentials found"),
        "server_error": (500, "Internal Server Error"),
        "bad_request": (400, "Invalid JSON in request body"),
        "insufficient_quota": (
            402,
            "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
        ),
    }
    if kind in simple:
        status, message = simple[kind]
        return status, {"error": {"message": message, "code": status}}
    if kind == "model_not_found":
        return 404, {
            "error": {"message": f"No endpoints found for {model}.", "code": 404},
            "user_id": FAKE_USER_ID,
        }
    if kind == "invalid_model":
        return 400, {
            "error": {"message": f"{model} is not a valid model ID", "code": 400},
            "user_id": FAKE_USER_ID,
        }
    if kind == "context_length_exceeded":
        message = (
            "This endpoint's maximum context length is 128000 tokens. However, you requested about 130012 "
            "tokens (130012 of text input). Please reduce the length of either one, or use the "
            '"middle-out" transform to compress your prompt automatically.'
        )
        return 400, {
            "error": {"message": message, "code": 400, "metadata": {"provider_name": provider}},
            "user_id": FAKE_USER_ID,
        }
    if kind == "rate_limit" and reset_ms is None:
        # The upstream's own limit: OpenRouter passes it on with no rate-limit headers to go by.
        raw = f"{model} is temporarily rate-limited upstream. Please retry shortly."
        return 429, {
            "error": {
                "message": "Provider returned error",
                "code": 429,
                "metadata": {"provider_name": provider, "raw": raw},
            },
            "user_id": FAKE_USER_ID,
        }
    if kind == "rate_limit":
        limits = {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_ms)}
        return 429, {
            "error": {
                "message": f"Rate limit exceeded: limit_rpm/{model}. Please retry shortly.",
                "code": 429,
                "metadata": {"headers": limits, "provider_name": None},
            },
            "user_id": FAKE_USER_ID,
        }
    if kind in ("unavailable", "overloaded"):
        # OpenRouter has no 529: an overloaded upstream comes back as a 503 provider error.
        return 503, {
            "error": {
                "message": "Provider returned error",
                "code": 503,
                "metadata": {"provider_name": provider, "raw": "Service Unavailable"},
            },
            "user_id": FAKE_USER_ID,
        }
    raise ValueError(f"unknown error kind {kind!r}; known: {', '.join(ERROR_KINDS)}")


def error_response(kind: str, exchange: Exchange, *, retry_after: int | None = 2) -> WireResponse:
    """The response for one of ``ERROR_KINDS``; a 429 has X-RateLimit-* and no retry-after.

    X-RateLimit-Reset (epoch ms) lies ``retry_after`` seconds after the response's Date (the
    emulator's frozen clock), so the advertised wait survives replay on any day. ``retry_after=None``
    is an upstream 429 with no rate-limit headers at all.
    """
    reset_ms = None if retry_after is None else (common.CREATED + retry_after) * 1000
    status, body = _error_envelope(kind, exchange, reset_ms)
    return _respond(status, body, exchange, reset_ms if kind == "rate_limit" else None)


def rejection_response(status: int, message: str, exchange: Exchange, **_: Any) -> WireResponse:
    """A request OpenRouter refuses before routing it (no key, no model, ...)."""
    return _respond(status, {"error": {"message": message, "code": status}}, exchange, None)


def _respond(status: int, body: dict[str, Any], exchange: Exchange, reset_ms: int | None) -> WireResponse:
    headers: list[tuple[str, str]] = [("Content-Type", "application/json"), *_STATIC_HEADERS]
    if reset_ms is not None:
        headers += [
            ("X-RateLimit-Limit", "20"),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", str(reset_ms)),
        ]
    headers.append(("CF-RAY", common.hex_token(exchange.seed, "cf-ray", 16) + "-SJC"))
    return WireResponse(status, _REASONS[status], tuple(headers), (_dump(body),), compress=False)


def not_found_route(exchange: Exchange) -> WireResponse:
    body = {"error": {"message": "Not Found", "code": 404}}
    headers = [("Content-Type", "application/json"), *_STATIC_HEADERS]
    return WireResponse(404, "Not Found", tuple(headers), (_dump(body),), compress=False)
