"""Requests the real APIs reject before any model runs, and what they say about them.

Checked in this order, as the services do: credentials (401), then the body (400). A rejected request
uses no scenario step, like a request the provider never let through. The messages are the providers'
own; the wire modules wrap them in each provider's error envelope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .responder import message_text
from .wire.embeddings import DIMENSIONS, SHORTENABLE, inputs_of

# Context windows of the models the emulator knows; others get the family's usual window.
CONTEXT_WINDOWS = {"gpt-4o": 128000, "gpt-4.1": 1047576, "gpt-5": 400000, "o3": 200000, "o4": 200000}
ANTHROPIC_CONTEXT = 200000
MIN_THINKING_BUDGET = 1024

OPENAI_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using "
    "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
    "you're accessing the API from your browser and are prompted for a username and password. You can "
    "obtain an API key from https://platform.openai.com/account/api-keys."
)


@dataclass(frozen=True)
class Rejection:
    """Why the provider refuses the request: the wire module turns it into the provider's error."""

    status: int
    message: str
    param: str | None = None
    code: str | None = None
    kind: str = "invalid_request"  # "missing_credentials" | "invalid_request" | "context_length_exceeded"


def has_credentials(provider: str, headers: dict[str, str]) -> bool:
    bearer = headers.get("authorization", "")
    has_bearer = bearer.lower().startswith("bearer ") and bool(bearer[7:].strip())
    if provider == "anthropic":
        return bool(headers.get("x-api-key", "").strip()) or has_bearer
    return has_bearer


def check(
    provider: str, endpoint: str, headers: dict[str, str], body: dict[str, Any], prompt_tokens: int
) -> Rejection | None:
    """The rejection of this request, or None when the provider would let it through.

    ``endpoint`` is "chat", "messages", "count_tokens", "responses", "embeddings" or "models".
    """
    if not has_credentials(provider, headers):
        return _no_credentials(provider)
    if endpoint == "models":
        return None
    if not body.get("model"):
        return _missing_model(provider)
    if provider == "anthropic":
        return _anthropic(endpoint, body, prompt_tokens)
    if endpoint == "embeddings":
        return _embeddings(body)
    return _openai_like(provider, endpoint, body, prompt_tokens)


def _no_credentials(provider: str) -> Rejection:
    if provider == "anthropic":
        return Rejection(401, "x-api-key header is required", kind="missing_credentials")
    if provider == "openrouter":
        return Rejection(401, "Missing Authentication header", kind="missing_credentials")
    return Rejection(401, OPENAI_NO_KEY, kind="missing_credentials")


def _missing_model(provider: str) -> Rejection:
    if provider == "anthropic":
        return Rejection(400, "model: Field required")
    if provider == "openrouter":
        return Rejection(400, "No models provided")
    return Rejection(400, "you must provide a model parameter")


def _anthropic(endpoint: str, body: dict[str, Any], prompt_tokens: int) -> Rejection | None:
    if endpoint == "messages" and body.get("max_tokens") is None:
        return Rejection(400, "max_tokens: Field required")
    thinking = body.get("thinking") if isinstance(body.get("thinking"), dict) else {}
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < MIN_THINKING_BUDGET:
            return Rejection(
                400,
                "thinking.enabled.budget_tokens: Input should be greater than or equal to "
                f"{MIN_THINKING_BUDGET}",
            )
        if (
            endpoint == "messages"
            and isinstance(body.get("max_tokens"), int)
            and body["max_tokens"] <= budget
        ):
            return Rejection(
                400,
                "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
                "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
                "#max-tokens-and-context-window-size",
            )
    if prompt_tokens > ANTHROPIC_CONTEXT:
        return Rejection(
            400,
            f"prompt is too long: {prompt_tokens} tokens > {ANTHROPIC_CONTEXT} maximum",
            kind="context_length_exceeded",
        )
    return None


def context_window(model: str) -> int:
    bare = model.rsplit("/", 1)[-1]
    return next(
        (
            size
            for prefix, size in sorted(CONTEXT_WINDOWS.items(), key=lambda p: -len(p[0]))
            if bare.startswith(prefix)
        ),
        128000,
    )


def context_exceeded(provider: str, model: str, prompt_tokens: int) -> Rejection:
    window = context_window(model)
    if provider == "anthropic":
        return Rejection(
            400,
            f"prompt is too long: {prompt_tokens} tokens > {ANTHROPIC_CONTEXT} maximum",
            kind="context_length_exceeded",
        )
    if provider == "openrouter":
        return Rejection(
            400,
            f"This endpoint's maximum context length is {window} tokens. However, you requested about "
            f"{prompt_tokens} tokens ({prompt_tokens} of text input). Please reduce the length of either "
            'one, or use the "middle-out" transform to compress your prompt automatically.',
            kind="context_length_exceeded",
        )
    return Rejection(
        400,
        f"This model's maximum context length is {window} tokens. However, your messages resulted in "
        f"{prompt_tokens} tokens. Please reduce the length of the messages.",
        param="messages",
        code="context_length_exceeded",
        kind="context_length_exceeded",
    )


def _openai_like(provider: str, endpoint: str, body: dict[str, Any], prompt_tokens: int) -> Rejection | None:
    model = str(body.get("model"))
    if endpoint == "chat" and not isinstance(body.get("messages"), list):
        message = "Missing required parameter: 'messages'."
        return (
            Rejection(400, message, "messages", "missing_required_parameter")
            if provider == "openai"
            else Rejection(400, message)
        )
    fmt = body.get("response_format") if endpoint == "chat" else (body.get("text") or {}).get("format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_object" and provider == "openai":
        texts = [message_text(m.get("content")) for m in body.get("messages") or [] if isinstance(m, dict)]
        texts.append(
            message_text(body.get("input")) if not isinstance(body.get("input"), str) else body["input"]
        )
        texts.append(str(body.get("instructions") or ""))
        if not any("json" in text.lower() for text in texts):
            where = "messages" if endpoint == "chat" else "input"
            return Rejection(
                400,
                f"'{where}' must contain the word 'json' in some form, to use 'response_format' of type "
                "'json_object'.",
                param=where,
            )
    if prompt_tokens > context_window(model):
        return context_exceeded(provider, model, prompt_tokens)
    return None


def _embeddings(body: dict[str, Any]) -> Rejection | None:
    model = str(body.get("model"))
    if "input" not in body:
        return Rejection(400, "'input' is a required property", param=None)
    if inputs_of(body.get("input")) is None:
        return Rejection(
            400,
            "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        )
    if model in DIMENSIONS and body.get("dimensions") is not None and model not in SHORTENABLE:
        return Rejection(400, "This model does not support specifying dimensions.")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        return Rejection(
            400,
            f"'{encoding}' is not one of ['float', 'base64'] - 'encoding_format'",
            param="encoding_format",
        )
    return None
