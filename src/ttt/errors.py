"""ttt's own error hierarchy, and the mapping from litellm / transport exceptions onto it.

Callers catch ``ttt.TTTError`` (or one subclass) and never need to know litellm's or the
openai SDK's exception zoo. ``TimeoutError`` and ``ConnectionError`` deliberately shadow the
builtins inside this module; they also subclass the builtins, so ``except TimeoutError``
written against the builtin still catches them.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from typing import Any

from ttt.headers import headers_of as _headers_of
from ttt.headers import retry_after_from_headers

__all__ = [
    "AuthenticationError",
    "ConnectionError",
    "InvalidRequestError",
    "ModelNotFoundError",
    "QuotaExceededError",
    "RateLimitError",
    "ResponseFormatError",
    "ServiceUnavailableError",
    "SessionFileError",
    "TTTError",
    "TimeoutError",
    "ToolCallError",
    "from_exception",
    "retry_after_from_headers",
]


class TTTError(Exception):
    """Base of every error ttt raises on purpose."""

    #: Whether trying the same request again later may succeed (used by ttt.retry).
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.model = model
        self.status = status  # HTTP status of the failed exchange; None when there was none
        self.retry_after = retry_after  # seconds the server asked us to wait, when it said so

    def __str__(self) -> str:
        return self.message


class RateLimitError(TTTError):
    """HTTP 429: too many requests or tokens. ``retry_after`` says how long to wait, if known."""

    retryable = True


class QuotaExceededError(RateLimitError):
    """HTTP 429 because the account is out of quota or credit (OpenAI's ``insufficient_quota``).

    Still a RateLimitError for callers that catch 429s, but not retryable: waiting does not
    refill a billing quota, so retrying would only repeat the same refusal.
    """

    retryable = False


class AuthenticationError(TTTError):
    """Missing, invalid or unauthorised API key (401/403, or no key in the environment)."""


class ModelNotFoundError(TTTError):
    """Unknown alias/model string, or the provider does not know the model (404)."""


class ServiceUnavailableError(TTTError):
    """The provider is down or overloaded (5xx, including Anthropic's 529 ``overloaded_error``)."""

    retryable = True


class TimeoutError(TTTError, builtins.TimeoutError):  # shadows the builtin on purpose
    """The request (or a stream read) timed out."""

    retryable = True


class ConnectionError(TTTError, builtins.ConnectionError):  # shadows the builtin on purpose
    """The connection failed or broke, including a stream that ended before its finish reason."""

    retryable = True


class InvalidRequestError(TTTError):
    """The provider rejected the request itself (400/402/413/422, bad params, context too long)."""


class ResponseFormatError(TTTError):
    """The answer was asked for in a JSON schema but is not valid JSON or does not validate.

    ``content`` holds the text the model produced, so the caller can log or repair it.
    """

    def __init__(self, message: str, *, content: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.content = content


class ToolCallError(TTTError):
    """A tool call the model made cannot be used: its arguments are not a JSON object.

    ``tool`` names the tool and ``arguments`` holds the raw argument string.
    """

    def __init__(self, message: str, *, tool: str = "", arguments: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.tool = tool
        self.arguments = arguments


class SessionFileError(TTTError, ValueError):
    """A chat session file could not be read or parsed; the message names the file."""


# --------------------------------------------------------------------------- exception mapping


_TIMEOUT_NAMES = frozenset(
    {"TimeoutException", "ReadTimeout", "ConnectTimeout", "WriteTimeout", "PoolTimeout"}
)
_TRANSPORT_NAMES = frozenset({"TransportError", "NetworkError", "RemoteProtocolError", "ProtocolError"})


def _transport_kind(exc: BaseException) -> type[TTTError] | None:
    """Raw httpx / httpx2 transport errors that escaped litellm's own mapping."""
    for cls in type(exc).__mro__:
        mod = cls.__module__.split(".")[0]
        if mod not in ("httpx", "httpx2", "httpcore", "httpcore2"):
            continue
        if cls.__name__ in _TIMEOUT_NAMES:
            return TimeoutError
        if cls.__name__ in _TRANSPORT_NAMES:
            return ConnectionError
    return None


def _transport_cause(exc: BaseException) -> type[TTTError] | None:
    """The transport failure behind a wrapped exception (``__cause__`` / ``__context__`` chain), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current is not exc:
            kind = _transport_kind(current)
            if kind is not None:
                return kind
        current = current.__cause__ or current.__context__
    return None


def _clean(message: str) -> str:
    # litellm prefixes "litellm.XError: XError: OpenAIException - ..."; keep the provider's words.
    text = message.strip().splitlines()[0] if message.strip() else message
    for marker in ("Exception - ", "Error - "):
        if marker in text:
            text = text.split(marker)[-1]
    return text.strip() or message


def _error_codes(exc: BaseException) -> set[str]:
    """The provider's machine-readable error codes/types (e.g. ``insufficient_quota``).

    litellm keeps the provider's ``error`` object as ``exc.body`` (its ``exc.code`` is usually
    just the HTTP status); the raw SDK errors carry ``code``; as a last resort the response
    body itself is read.
    """
    found: list[Any] = [getattr(exc, "code", None)]
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        found += [inner.get("code"), inner.get("type")]
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            data = json.loads(response.text)
        except Exception:  # unread stream, not JSON, a stub without content: nothing to learn
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            found += [data["error"].get("code"), data["error"].get("type")]
    return {value for value in found if isinstance(value, str) and value}


_QUOTA_CODES = frozenset({"insufficient_quota"})


def _openai() -> Any:
    import openai

    return openai


def _quota_error(text: str, provider: str | None, kw: dict[str, Any]) -> QuotaExceededError:
    return QuotaExceededError(
        f"{provider} account is out of quota (insufficient_quota; not retried): {text}", status=429, **kw
    )


def _by_status(
    status: int,
    text: str,
    provider: str | None,
    model: str | None,
    kw: dict[str, Any],
    codes: frozenset[str] | set[str] = frozenset(),
) -> TTTError:
    if status == 429 and codes & _QUOTA_CODES:
        return _quota_error(text, provider, kw)
    if status == 429:
        return RateLimitError(f"rate limited by {provider}: {text}", status=status, **kw)
    if status in (401, 403):
        return AuthenticationError(f"{provider} rejected the API key ({status}): {text}", status=status, **kw)
    if status == 404:
        return ModelNotFoundError(f"{provider} does not know model {model!r}: {text}", status=status, **kw)
    if status == 408:
        return TimeoutError(f"request to {provider} timed out ({status}): {text}", status=status, **kw)
    if status >= 500:
        return ServiceUnavailableError(f"{provider} is unavailable ({status}): {text}", status=status, **kw)
    return InvalidRequestError(f"{provider} rejected the request ({status}): {text}", status=status, **kw)


def from_exception(
    exc: BaseException,
    *,
    provider: str | None,
    model: str | None,
    now: Callable[[], float] = time.time,
) -> TTTError:
    """Translate any exception raised while calling a model into a ttt error (not raised)."""
    if isinstance(exc, TTTError):
        return exc
    from ttt import _litellm

    litellm = _litellm.get()
    ex = litellm.exceptions

    # A failure mid-stream is wrapped; the original says what actually went wrong.
    # (MidStreamFallbackError exists in litellm >= 1.7x; older versions raise the cause directly.)
    mid_stream = getattr(ex, "MidStreamFallbackError", None)
    if mid_stream is not None and isinstance(exc, mid_stream) and exc.original_exception is not None:
        inner = from_exception(exc.original_exception, provider=provider, model=model, now=now)
        if inner.retry_after is None:
            inner.retry_after = retry_after_from_headers(_headers_of(exc), now)
        return inner

    text = _clean(str(getattr(exc, "message", None) or exc))
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    retry_after = retry_after_from_headers(_headers_of(exc), now)
    kw: dict[str, Any] = {"provider": provider, "model": model, "retry_after": retry_after}

    if isinstance(exc, ex.RateLimitError):
        if _error_codes(exc) & _QUOTA_CODES:
            return _quota_error(text, provider, kw)
        return RateLimitError(f"rate limited by {provider}: {text}", status=429, **kw)
    if isinstance(exc, ex.AuthenticationError | ex.PermissionDeniedError):
        return AuthenticationError(f"{provider} rejected the API key: {text}", status=status, **kw)
    if isinstance(exc, ex.NotFoundError):
        return ModelNotFoundError(f"{provider} does not know model {model!r}: {text}", status=404, **kw)
    if isinstance(exc, ex.Timeout):
        # litellm stamps 408 on client-side timeouts too; there was no HTTP status.
        return TimeoutError(f"request to {provider} timed out: {text}", status=None, **kw)
    if isinstance(exc, ex.APIConnectionError):
        if "finish_reason" in text:
            text = f"stream ended before its finish reason (truncated response): {text}"
        return ConnectionError(f"connection to {provider} failed: {text}", status=None, **kw)
    if isinstance(exc, ex.InternalServerError):
        # litellm also reports a connection that died without any HTTP response (a reset, a cut
        # socket) as InternalServerError(500); the transport error in the chain says what happened.
        cause = _transport_cause(exc)
        if cause is not None:
            return cause(f"{cause.__name__} talking to {provider}: {text}", status=None, **kw)
        # Anthropic's 529 overloaded_error arrives as InternalServerError(500, provider_status_code=529).
        real = getattr(exc, "provider_status_code", None) or status
        return ServiceUnavailableError(f"{provider} is unavailable ({real}): {text}", status=real, **kw)
    if isinstance(exc, ex.ServiceUnavailableError | ex.BadGatewayError):
        return ServiceUnavailableError(f"{provider} is unavailable ({status}): {text}", status=status, **kw)
    if isinstance(exc, ex.BadRequestError | ex.UnprocessableEntityError | ex.InvalidRequestError):
        return InvalidRequestError(f"{provider} rejected the request: {text}", status=status, **kw)
    if isinstance(exc, _openai().APITimeoutError):  # raw SDK errors litellm did not wrap
        return TimeoutError(f"request to {provider} timed out: {text}", status=None, **kw)
    if isinstance(exc, _openai().APIConnectionError):
        return ConnectionError(f"connection to {provider} failed: {text}", status=None, **kw)
    if status is not None:
        # Anything else with an HTTP status (litellm.APIError, raw openai SDK errors): decide by
        # status. A bare litellm.APIError(529) is how an OpenAI-compatible endpoint's overload arrives.
        return _by_status(status, text, provider, model, kw, _error_codes(exc) if status == 429 else set())
    kind = _transport_kind(exc)
    if kind is not None:
        return kind(f"{kind.__name__} talking to {provider}: {type(exc).__name__}: {exc}", **kw)
    if isinstance(exc, builtins.TimeoutError):
        return TimeoutError(f"request to {provider} timed out: {exc}", **kw)
    if isinstance(exc, builtins.ConnectionError):
        return ConnectionError(f"connection to {provider} failed: {exc}", **kw)
    return TTTError(f"unexpected error from {provider}: {type(exc).__name__}: {exc}", status=status, **kw)
