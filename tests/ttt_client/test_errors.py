"""litellm exception -> ttt error mapping, and retry-after parsing (three header styles)."""

import builtins
import email.utils

import httpx
import litellm
import pytest

from ttt import errors
from ttt.errors import retry_after_from_headers

NOW = 1_700_000_000.0


def clock():
    return NOW


def _response(status: int, headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(
        status, headers=headers, request=httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
    )


def _map(exc):
    return errors.from_exception(exc, provider="openai", model="gpt-4o-mini", now=clock)


# --------------------------------------------------------------------- retry-after headers


def test_retry_after_seconds():
    assert retry_after_from_headers({"retry-after": "7"}, clock) == 7.0
    assert retry_after_from_headers(httpx.Headers({"Retry-After": "1.5"}), clock) == 1.5


def test_retry_after_http_date():
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after_from_headers({"Retry-After": date}, clock) == pytest.approx(30.0)
    past = email.utils.formatdate(NOW - 30, usegmt=True)
    assert retry_after_from_headers({"retry-after": past}, clock) == 0.0


def test_retry_after_ms():
    assert retry_after_from_headers({"retry-after-ms": "2500"}, clock) == 2.5


def test_openrouter_ratelimit_reset_epoch_ms():
    headers = {"X-RateLimit-Reset": str(int((NOW + 12) * 1000))}
    assert retry_after_from_headers(headers, clock) == pytest.approx(12.0)
    assert retry_after_from_headers({"x-ratelimit-reset": str(int((NOW - 5) * 1000))}, clock) == 0.0


def test_precedence_and_garbage():
    both = {"retry-after": "9", "retry-after-ms": "1500", "x-ratelimit-reset": str(int((NOW + 60) * 1000))}
    assert retry_after_from_headers(both, clock) == 1.5
    assert retry_after_from_headers({"retry-after": "soon"}, clock) is None
    assert retry_after_from_headers({}, clock) is None
    assert retry_after_from_headers(None, clock) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "7500"}, 7.5),
        ({"x-ratelimit-reset": str(int((NOW + 3) * 1000))}, 3.0),
    ],
)
def test_rate_limit_error_reads_headers_from_response(headers, expected):
    exc = litellm.RateLimitError("slow down", "openai", "gpt-4o-mini", response=_response(429, headers))
    mapped = _map(exc)
    assert isinstance(mapped, errors.RateLimitError)
    assert mapped.retry_after == pytest.approx(expected)
    assert (mapped.status, mapped.provider, mapped.model) == (429, "openai", "gpt-4o-mini")
    assert mapped.retryable


def test_rate_limit_headers_from_litellm_response_headers():
    # Anthropic 429s arrive with an empty stub response; litellm keeps the real headers here.
    exc = litellm.RateLimitError("slow down", "anthropic", "claude-haiku-4-5")
    exc.litellm_response_headers = httpx.Headers({"retry-after": "4"})
    assert _map(exc).retry_after == 4.0


# --------------------------------------------------------------------- class mapping


def _cases():
    req = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
    return [
        (litellm.AuthenticationError("bad key", "openai", "m"), errors.AuthenticationError, 401),
        (
            litellm.PermissionDeniedError("no", "openai", "m", response=_response(403, {})),
            errors.AuthenticationError,
            403,
        ),
        (litellm.NotFoundError("no model", "m", "openai"), errors.ModelNotFoundError, 404),
        (litellm.BadRequestError("bad", "m", "openai"), errors.InvalidRequestError, 400),
        (litellm.ContextWindowExceededError("too long", "m", "openai"), errors.InvalidRequestError, 400),
        (litellm.ServiceUnavailableError("down", "openai", "m"), errors.ServiceUnavailableError, 503),
        (litellm.InternalServerError("boom", "openai", "m"), errors.ServiceUnavailableError, 500),
        (
            litellm.InternalServerError("Overloaded", "anthropic", "m", provider_status_code=529),
            errors.ServiceUnavailableError,
            529,
        ),
        (
            litellm.APIError(529, "Overloaded", "openai", "m", request=req),
            errors.ServiceUnavailableError,
            529,
        ),
        (litellm.APIError(418, "teapot", "openai", "m", request=req), errors.InvalidRequestError, 418),
        (litellm.Timeout("slow", "m", "openai"), errors.TimeoutError, None),
        (litellm.APIConnectionError("refused", "openai", "m"), errors.ConnectionError, None),
        (httpx.RemoteProtocolError("peer closed connection"), errors.ConnectionError, None),
        (httpx.ReadError("reset"), errors.ConnectionError, None),
        (httpx.ReadTimeout("read timed out"), errors.TimeoutError, None),
    ]


@pytest.mark.parametrize(("exc", "cls", "status"), _cases(), ids=lambda v: getattr(v, "__name__", None))
def test_mapping(exc, cls, status):
    mapped = _map(exc)
    assert type(mapped) is cls
    assert mapped.status == status
    assert mapped.provider == "openai" and mapped.model == "gpt-4o-mini"
    assert isinstance(mapped, errors.TTTError)


def test_httpx2_transport_errors_map_too():
    import httpx2  # the openai SDK's transport (openai>=3 depends on it)

    assert type(_map(httpx2.RemoteProtocolError("cut"))) is errors.ConnectionError
    assert type(_map(httpx2.ReadTimeout("slow"))) is errors.TimeoutError


def test_mid_stream_errors_unwrap_to_the_original_cause():
    truncated = litellm.APIConnectionError(
        "OpenAIException - Stream ended before a finish_reason was received", "openai", "m"
    )
    wrapped = litellm.exceptions.MidStreamFallbackError("mid", "m", "openai", original_exception=truncated)
    mapped = _map(wrapped)
    assert type(mapped) is errors.ConnectionError
    assert "truncated" in str(mapped)

    overloaded = litellm.InternalServerError(
        "AnthropicError - Overloaded", "anthropic", "m", provider_status_code=529
    )
    mid = litellm.exceptions.MidStreamFallbackError
    mapped = _map(mid("mid", "m", "anthropic", original_exception=overloaded))
    assert type(mapped) is errors.ServiceUnavailableError and mapped.status == 529

    # OpenRouter's 200-stream error chunk {"error": {"code": 400, ...}} surfaces as BadRequestError.
    assert type(_map(litellm.BadRequestError("Provider returned error", "m", "openrouter"))) is (
        errors.InvalidRequestError
    )


def test_shadowed_builtins_are_ttt_errors_and_builtins():
    assert errors.TimeoutError is not builtins.TimeoutError
    assert issubclass(errors.TimeoutError, errors.TTTError)
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.ConnectionError, errors.TTTError)
    assert issubclass(errors.ConnectionError, builtins.ConnectionError)
    err = errors.ConnectionError("broken", provider="openai", model="m", status=None)
    assert str(err) == "broken" and err.provider == "openai"


def test_retryable_flags():
    assert errors.RateLimitError("x").retryable
    assert errors.ServiceUnavailableError("x").retryable
    assert errors.TimeoutError("x").retryable
    assert errors.ConnectionError("x").retryable
    assert not errors.AuthenticationError("x").retryable
    assert not errors.InvalidRequestError("x").retryable
    assert not errors.ModelNotFoundError("x").retryable


def test_ttt_errors_pass_through_and_unknowns_become_ttterror():
    original = errors.RateLimitError("x")
    assert _map(original) is original
    mapped = _map(RuntimeError("weird"))
    assert type(mapped) is errors.TTTError and "weird" in str(mapped)
