"""Prompt caching that follows cache_control across turns, OpenAI's automatic caching, reasoning tokens."""

from __future__ import annotations

from llm_cassettes.synthetic.responder import count_prompt_tokens
from llm_cassettes.synthetic.usage import PromptCache, is_reasoning_model, reasoning_tokens, tool_tokens

LONG = "The quick brown fox jumps over the lazy dog. " * 250  # about 2,500 tokens


def _anthropic(model: str, *messages: dict, system_ttl: str | None = None) -> dict:
    marker = {"type": "ephemeral", **({"ttl": system_ttl} if system_ttl else {})}
    return {
        "model": model,
        "max_tokens": 100,
        "system": [
            {"type": "text", "text": "You are terse."},
            {"type": "text", "text": LONG, "cache_control": marker},
        ],
        "messages": list(messages),
    }


def _total(request: dict) -> int:
    return count_prompt_tokens(request) + tool_tokens(request)


def test_first_turn_writes_the_cached_prefix_and_the_second_reads_it() -> None:
    cache = PromptCache()
    first = _anthropic("claude-sonnet-4-5", {"role": "user", "content": "What is 2+2?"})
    written = cache.anthropic(first, _total(first))
    assert written.cache_read == 0 and written.cache_creation_5m > 2000
    assert written.input_tokens + written.cache_creation == _total(first)

    second = _anthropic(
        "claude-sonnet-4-5",
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    )
    read = cache.anthropic(second, _total(second))
    assert read.cache_read == written.cache_creation and read.cache_creation == 0
    assert read.input_tokens == _total(second) - read.cache_read


def test_a_moving_breakpoint_reads_the_old_prefix_and_writes_the_new_part() -> None:
    cache = PromptCache()
    turn1 = {
        "role": "user",
        "content": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
    }
    first = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [turn1]}
    one = cache.anthropic(first, _total(first))
    turn3 = {
        "role": "user",
        "content": [{"type": "text", "text": "next " * 50, "cache_control": {"type": "ephemeral"}}],
    }
    plain1 = {"role": "user", "content": [{"type": "text", "text": LONG}]}
    second = {**first, "messages": [plain1, {"role": "assistant", "content": "ok"}, turn3]}
    two = cache.anthropic(second, _total(second))
    assert two.cache_read == one.cache_creation and two.cache_creation > 50


def test_short_prefixes_and_haiku_minimums_are_never_cached() -> None:
    cache = PromptCache()
    short = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "system": [{"type": "text", "text": "short", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    assert cache.anthropic(short, _total(short)).cache_creation == 0
    haiku = _anthropic("claude-haiku-4-5", {"role": "user", "content": "hi"})  # ~2,500 < 4,096
    assert cache.anthropic(haiku, _total(haiku)).cache_creation == 0
    assert cache.anthropic(haiku, _total(haiku)).cache_read == 0


def test_one_hour_ttl_is_reported_apart_and_the_cache_is_per_model_and_per_run() -> None:
    cache = PromptCache()
    request = _anthropic("claude-sonnet-4-5", {"role": "user", "content": "hi"}, system_ttl="1h")
    usage = cache.anthropic(request, _total(request))
    assert usage.cache_creation_1h > 0 and usage.cache_creation_5m == 0
    other = {**request, "model": "claude-opus-4-1"}
    assert cache.anthropic(other, _total(other)).cache_read == 0
    cache.clear()
    assert cache.anthropic(request, _total(request)).cache_read == 0


def test_openai_caches_long_prefixes_in_128_token_steps() -> None:
    cache = PromptCache()
    messages = [{"role": "system", "content": LONG}, {"role": "user", "content": "What is 2+2?"}]
    first = {"model": "gpt-4o-mini", "messages": messages}
    assert cache.openai(first, _total(first)) == 0
    second = {
        **first,
        "messages": [*messages, {"role": "assistant", "content": "4"}, {"role": "user", "content": "3+3?"}],
    }
    cached = cache.openai(second, _total(second))
    assert cached >= 1024 and cached % 128 == 0 and cached <= _total(first)
    short = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    assert cache.openai(short, _total(short)) == cache.openai(short, _total(short)) == 0


def test_reasoning_tokens_only_for_reasoning_models_and_by_effort() -> None:
    assert (
        is_reasoning_model("o4-mini") and is_reasoning_model("gpt-5-mini") and is_reasoning_model("openai/o3")
    )
    assert not is_reasoning_model("gpt-4o-mini") and not is_reasoning_model("gpt-5-chat-latest")
    assert reasoning_tokens("gpt-4o-mini", "high") == 0
    assert (
        reasoning_tokens("o3-mini", None)
        == reasoning_tokens("o3-mini", "medium")
        > reasoning_tokens("o3-mini", "low")
        > 0
    )
    assert reasoning_tokens("gpt-5", "minimal") == 0
