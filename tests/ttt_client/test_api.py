"""ask / stream / aask / astream through litellm, offline (mock_response or a stubbed completion)."""

import asyncio
from types import SimpleNamespace

import litellm
import pytest

import ttt
from fakes import FakeTime
from ttt import retry as retry_module
from ttt.retry import RateLimiter, RetryPolicy

ENV_VARS = [f"{p}_API_{k}" for p in ("OPENAI", "ANTHROPIC", "OPENROUTER") for k in ("KEY", "BASE")]


@pytest.fixture
def fake_time(monkeypatch):
    """No real sleeps anywhere: the module default policy runs on a fake clock too."""
    t = FakeTime()
    policy = RetryPolicy(
        max_attempts=3, base_delay=1.0, jitter=0.0, sleep=t.sleep, async_sleep=t.async_sleep, clock=t.clock
    )
    monkeypatch.setattr(retry_module, "_default_policy", policy)
    return t


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, fake_time):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-anthropic")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-test-openrouter")


def stub(monkeypatch, outcomes):
    """Replace litellm.completion: each call pops the next outcome (exception, or a callable)."""
    seen: list[dict] = []

    def completion(**kw):
        seen.append(kw)
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome(**kw)

    monkeypatch.setattr(litellm, "completion", completion)
    return seen


def chunk(text=None, finish=None, model="gpt-4o-mini-2024-07-18"):
    delta = SimpleNamespace(content=text)
    return SimpleNamespace(
        model="gpt-4o-mini",
        usage=None,
        choices=[SimpleNamespace(delta=delta, finish_reason=finish)],
        _hidden_params={"provider_response_model": model},
    )


# ------------------------------------------------------------------ ask


def test_ask_returns_a_text_like_response(calls):
    r = ttt.ask(
        "What is 2+2?", model="fast", system="be brief", temperature=0.0, max_tokens=5, mock_response="4"
    )
    assert str(r) == "4" and r == "4" and "4" in r and r.content == "4"
    assert r.provider == "openai" and r.model == "gpt-4o-mini"
    assert r.usage is not None and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.cost is not None and r.cost > 0
    assert r.time_taken > 0 and r.succeeded and r.error is None
    kw = calls[0]
    assert kw["model"] == "openai/gpt-4o-mini"
    assert kw["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "What is 2+2?"},
    ]
    assert kw["max_retries"] == 0 and "num_retries" not in kw
    assert kw["temperature"] == 0.0 and kw["max_tokens"] == 5
    assert kw["api_key"] == "sk-test-openai" and kw["api_base"] == "https://api.openai.com/v1"


def test_env_is_read_at_call_time(calls, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_BASE", "http://127.0.0.1:8999")
    ttt.ask("hi", model="claude", mock_response="x")
    monkeypatch.setenv("ANTHROPIC_API_BASE", "http://127.0.0.1:9000")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k2")
    r = ttt.ask("hi", model="claude", mock_response="x")
    assert [c["api_base"] for c in calls] == ["http://127.0.0.1:8999", "http://127.0.0.1:9000"]
    assert calls[1]["api_key"] == "k2"
    assert calls[1]["max_tokens"] == 4096  # fixed default, not litellm's model maximum
    assert r.provider == "anthropic" and r.cost is not None


def test_openrouter_routing_and_cost(calls):
    r = ttt.ask("hi", model="or-fast", mock_response="x")
    assert calls[0]["model"] == "openrouter/openai/gpt-4o-mini"
    assert calls[0]["api_base"] == "https://openrouter.ai/api/v1"
    assert r.provider == "openrouter" and r.cost is not None


def test_empty_prompt_is_a_value_error(calls):
    for bad in ("", "   "):
        with pytest.raises(ValueError):
            ttt.ask(bad, mock_response="x")
        with pytest.raises(ValueError):
            ttt.stream(bad, mock_response="x")
    assert calls == []


def test_unknown_model(calls):
    with pytest.raises(ttt.ModelNotFoundError, match="fast"):
        ttt.ask("hi", model="gemini-ultra")
    assert calls == []


def test_missing_key_names_the_variable(monkeypatch, calls):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ttt.AuthenticationError, match="OPENAI_API_KEY"):
        ttt.ask("hi", model="gpt-4o-mini")
    with pytest.raises(ttt.AuthenticationError, match="OPENAI_API_KEY"):
        ttt.stream("hi", model="gpt-4o-mini")
    assert calls == []
    # Offline (mock) calls need no key.
    assert ttt.ask("hi", model="gpt-4o-mini", mock_response="ok") == "ok"


def test_raise_errors_false_returns_a_failed_response(monkeypatch):
    stub(monkeypatch, [litellm.AuthenticationError("bad key", "openai", "gpt-4o-mini")])
    r = ttt.ask("hi", model="mini", raise_errors=False)
    assert not r and not r.succeeded and isinstance(r.error, ttt.AuthenticationError) and r.content == ""


# ------------------------------------------------------------------ retry and fallbacks


def test_retries_retryable_errors_then_succeeds(monkeypatch, fake_time):
    real = litellm.completion
    ok = lambda **kw: real(**kw)  # noqa: E731
    seen = stub(
        monkeypatch, [litellm.RateLimitError("slow", "openai", "m"), litellm.Timeout("t", "m", "openai"), ok]
    )
    r = ttt.ask("hi", model="mini", mock_response="done")
    assert r == "done" and len(seen) == 3
    assert fake_time.sleeps == [1.0, 2.0]


def test_fallback_after_retries_exhausted(monkeypatch, fake_time):
    real = litellm.completion
    down = litellm.ServiceUnavailableError("down", "openai", "gpt-4o-mini")
    seen = stub(monkeypatch, [down, down, down, lambda **kw: real(**kw)])
    r = ttt.ask("hi", model="fast", mock_response="from claude")
    assert r == "from claude" and r.provider == "anthropic"
    assert [c["model"] for c in seen] == ["openai/gpt-4o-mini"] * 3 + ["anthropic/claude-haiku-4-5-20251001"]


def test_no_fallback_for_non_retryable_errors(monkeypatch):
    seen = stub(monkeypatch, [litellm.BadRequestError("bad", "gpt-4o-mini", "openai")])
    with pytest.raises(ttt.InvalidRequestError):
        ttt.ask("hi", model="fast")
    assert len(seen) == 1


def test_fallback_without_key_is_skipped(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    down = litellm.ServiceUnavailableError("down", "openai", "gpt-4o-mini")
    seen = stub(monkeypatch, [down, down, down])
    with pytest.raises(ttt.ServiceUnavailableError) as info:
        ttt.ask("hi", model="fast")
    assert info.value.status == 503 and len(seen) == 3


def test_rate_limiter_is_applied_per_request(calls):
    t = FakeTime()
    limiter = RateLimiter(5.0, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        ttt.ask("hi", model="mini", mock_response="x", rate_limiter=limiter)
    assert t.sleeps == [5.0, 5.0]


# ------------------------------------------------------------------ streaming


def test_stream_yields_chunks_and_final_response(calls):
    s = ttt.stream("Say hello", model="gpt", mock_response="Hello there, world")
    chunks = list(s)
    assert len(chunks) > 1 and "".join(chunks) == "Hello there, world"
    assert s.response is not None and s.response.content == "Hello there, world"
    assert s.response.usage is not None and s.response.provider == "openai"
    assert calls[0]["stream"] is True and calls[0]["stream_options"] == {"include_usage": True}
    assert calls[0]["max_retries"] == 0


def test_stream_reports_the_provider_model_id(monkeypatch):
    stub(monkeypatch, [lambda **kw: iter([chunk("Hi"), chunk(" there"), chunk(finish="stop")])])
    s = ttt.stream("hi", model="mini")
    assert "".join(s) == "Hi there"
    assert s.response.model == "gpt-4o-mini-2024-07-18" and s.response.finish_reason == "stop"


def test_truncated_stream_is_a_connection_error(monkeypatch):
    stub(monkeypatch, [lambda **kw: iter([chunk("Hel"), chunk("lo")])])
    s = ttt.stream("hi", model="mini")
    got = []
    with pytest.raises(ttt.ConnectionError, match="truncated"):
        for c in s:
            got.append(c)
    assert got == ["Hel", "lo"] and s.response is None


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (lambda: __import__("httpx").RemoteProtocolError("peer closed connection"), ttt.ConnectionError),
        (lambda: __import__("httpx").ReadTimeout("read timed out"), ttt.TimeoutError),
        (
            lambda: litellm.exceptions.MidStreamFallbackError(
                "x",
                "m",
                "anthropic",
                original_exception=litellm.InternalServerError(
                    "Overloaded", "anthropic", "m", provider_status_code=529
                ),
            ),
            ttt.ServiceUnavailableError,
        ),
        (
            lambda: litellm.BadRequestError("Provider returned error", "m", "openrouter"),
            ttt.InvalidRequestError,
        ),
    ],
)
def test_mid_stream_failures_are_ttt_errors_and_not_retried(monkeypatch, raised, expected):
    def broken(**kw):
        yield chunk("partial")
        raise raised()

    seen = stub(monkeypatch, [broken, broken])
    with pytest.raises(expected):
        list(ttt.stream("hi", model="mini"))
    assert len(seen) == 1  # text already reached the caller: retrying would repeat it


def test_stream_retries_before_the_first_chunk(monkeypatch, fake_time):
    def ok(**kw):
        return iter([chunk("fine"), chunk(finish="stop")])

    seen = stub(monkeypatch, [litellm.ServiceUnavailableError("down", "openai", "m"), ok])
    assert "".join(ttt.stream("hi", model="mini")) == "fine"
    assert len(seen) == 2 and fake_time.sleeps == [1.0]


# ------------------------------------------------------------------ async


async def test_aask(calls):
    r = await ttt.aask("What is 2+2?", model="claude", mock_response="4")
    assert r == "4" and r.provider == "anthropic" and r.time_taken > 0
    assert calls[0]["max_retries"] == 0


async def test_astream(calls):
    s = ttt.astream("Say hello", model="or-fast", mock_response="Hello from OpenRouter")
    chunks = [c async for c in s]
    assert "".join(chunks) == "Hello from OpenRouter" and len(chunks) > 1
    assert s.response is not None and s.response.provider == "openrouter"
    assert calls[0]["stream_options"] == {"include_usage": True}


async def test_aask_retries_with_async_sleep(monkeypatch, fake_time):
    real = litellm.acompletion
    outcomes = [litellm.RateLimitError("slow", "openai", "m")]

    async def acompletion(**kw):
        if outcomes:
            raise outcomes.pop(0)
        return await real(**kw)

    monkeypatch.setattr(litellm, "acompletion", acompletion)
    assert await ttt.aask("hi", model="mini", mock_response="ok") == "ok"
    assert fake_time.sleeps == [1.0]


async def test_concurrent_aask(calls):
    answers = await asyncio.gather(
        *(ttt.aask(f"q{i}", model="mini", mock_response=f"a{i}") for i in range(3))
    )
    assert [str(a) for a in answers] == ["a0", "a1", "a2"]


def test_unknown_keyword_is_a_type_error(calls):
    with pytest.raises(TypeError, match="temprature"):
        ttt.ask("hi", temprature=0.1, mock_response="x")
    with pytest.raises(TypeError):
        ttt.chat(bogus=1)
    assert calls == []
