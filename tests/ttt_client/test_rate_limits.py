"""429 handling: waits measured against the response's Date, backoff without headers, quota errors."""

import email.utils

import httpx
import litellm
import openai
import pytest

import ttt
from ttt import errors
from ttt.errors import retry_after_from_headers

RECORDED = 1_700_000_000.0  # when a recorded response was sent (its Date header)
QUOTA_BODY = {
    "error": {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
}


def date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


def reset_ms(epoch: float) -> str:
    return str(int(epoch * 1000))


# ------------------------------------------------------------------ Date-relative waits


@pytest.mark.parametrize("today", [RECORDED + 5, RECORDED + 86_400 * 400, RECORDED - 3_600])
def test_ratelimit_reset_is_measured_against_the_date_header(today):
    headers = {"Date": date(RECORDED), "X-RateLimit-Reset": reset_ms(RECORDED + 7)}
    # The same response waits the same whenever it is read (a replayed recording, a skewed clock).
    assert retry_after_from_headers(headers, lambda: today) == pytest.approx(7.0)


def test_ratelimit_reset_without_date_falls_back_to_now():
    headers = {"x-ratelimit-reset": reset_ms(RECORDED + 7)}
    assert retry_after_from_headers(headers, lambda: RECORDED + 2) == pytest.approx(5.0)
    assert retry_after_from_headers(headers, lambda: RECORDED + 60) == 0.0  # clamped


def test_reset_before_the_date_is_clamped_to_zero():
    headers = httpx.Headers({"date": date(RECORDED), "x-ratelimit-reset": reset_ms(RECORDED - 30)})
    assert retry_after_from_headers(headers, lambda: RECORDED - 100) == 0.0


def test_an_unparsable_date_falls_back_to_now():
    headers = {"Date": "yesterday-ish", "X-RateLimit-Reset": reset_ms(RECORDED + 7)}
    assert retry_after_from_headers(headers, lambda: RECORDED + 3) == pytest.approx(4.0)


def test_retry_after_http_date_is_measured_against_the_date_header_too():
    headers = {"Date": date(RECORDED), "Retry-After": date(RECORDED + 20)}
    assert retry_after_from_headers(headers, lambda: RECORDED + 10_000) == pytest.approx(20.0)


def test_relative_waits_ignore_the_date_header():
    assert retry_after_from_headers({"Date": date(RECORDED), "retry-after": "3"}, lambda: 0.0) == 3.0
    assert retry_after_from_headers({"Date": date(RECORDED), "retry-after-ms": "250"}, lambda: 0.0) == 0.25


def test_mapped_openrouter_429_uses_the_date_header():
    response = httpx.Response(
        429,
        headers={"Date": date(RECORDED), "X-RateLimit-Reset": reset_ms(RECORDED + 4)},
        request=httpx.Request("POST", "https://openrouter.ai/api/v1/chat/completions"),
    )
    exc = litellm.RateLimitError("Rate limit exceeded", "openrouter", "openai/gpt-4o-mini", response=response)
    mapped = errors.from_exception(exc, provider="openrouter", model="openai/gpt-4o-mini", now=lambda: 0.0)
    assert type(mapped) is errors.RateLimitError and mapped.retry_after == pytest.approx(4.0)


def test_openrouter_429_over_the_wire_waits_reset_minus_date(loopback, fake_clock):
    headers = {"Date": date(RECORDED), "X-RateLimit-Reset": reset_ms(RECORDED + 3)}
    loopback.json({"error": {"message": "Rate limit exceeded", "code": 429}}, status=429, headers=headers)
    loopback.json(loopback.completion("4"))
    assert ttt.ask("What is 2+2?", model="or-fast") == "4"
    # Measured against now, a reset in 2023 would be long past: the wait would be the 1 s backoff.
    assert fake_clock.sleeps == [pytest.approx(3.0)]
    assert len(loopback.requests) == 2


# ------------------------------------------------------------------ backoff without headers


def test_429_without_any_header_uses_exponential_backoff(loopback, fake_clock):
    for _ in range(2):
        loopback.json({"error": {"message": "Rate limit reached", "type": "requests"}}, status=429)
    loopback.json(loopback.completion("done"))
    assert ttt.ask("hi", model="mini") == "done"
    assert fake_clock.sleeps == [1.0, 2.0]  # base 1 s, doubled; no retry-after to honour
    assert len(loopback.requests) == 3


async def test_async_stream_429_without_header_backs_off(loopback, fake_clock):
    loopback.json({"error": {"message": "Rate limit reached"}}, status=429)
    loopback.sse([loopback.chunk({"role": "assistant", "content": "ok"}), loopback.chunk({}, "stop")])
    chunks = [c async for c in ttt.astream("hi", model="mini")]
    assert "".join(chunks) == "ok" and fake_clock.sleeps == [1.0]


# ------------------------------------------------------------------ insufficient_quota


def test_insufficient_quota_is_not_retried(loopback, fake_clock):
    loopback.json(QUOTA_BODY, status=429, headers={"retry-after": "1"})
    with pytest.raises(ttt.QuotaExceededError, match="quota") as info:
        ttt.ask("hi", model="fast")  # "fast" has an Anthropic fallback: not used for this either
    err = info.value
    assert isinstance(err, ttt.RateLimitError) and not err.retryable
    assert err.status == 429 and err.provider == "openai"
    assert len(loopback.requests) == 1 and fake_clock.sleeps == []


def test_insufficient_quota_on_a_stream_is_not_retried(loopback, fake_clock):
    loopback.json(QUOTA_BODY, status=429)
    with pytest.raises(ttt.QuotaExceededError):
        list(ttt.stream("hi", model="mini"))
    assert len(loopback.requests) == 1 and fake_clock.sleeps == []


def test_an_ordinary_openai_429_is_still_retryable(loopback, fake_clock):
    body = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    loopback.json(body, status=429)
    with pytest.raises(ttt.RateLimitError) as info:
        ttt.ask("hi", model="mini", retry=ttt.RetryPolicy(max_attempts=1))
    assert type(info.value) is ttt.RateLimitError and info.value.retryable


def _request() -> httpx.Request:
    return httpx.Request("POST", "https://api.openai.com/v1/chat/completions")


@pytest.mark.parametrize(
    "exc",
    [
        # litellm's mapped error: the provider's error object is kept as .body
        lambda: litellm.RateLimitError(
            "You exceeded your current quota",
            "openai",
            "gpt-4o-mini",
            response=httpx.Response(429, json=QUOTA_BODY, request=_request()),
        ),
        # a raw openai SDK error that litellm did not wrap: .code carries it
        lambda: openai.RateLimitError(
            "You exceeded your current quota",
            response=httpx.Response(429, json=QUOTA_BODY, request=_request()),
            body=QUOTA_BODY["error"],
        ),
    ],
)
def test_quota_mapping(exc):
    mapped = errors.from_exception(exc(), provider="openai", model="gpt-4o-mini")
    assert type(mapped) is errors.QuotaExceededError and mapped.status == 429 and not mapped.retryable
