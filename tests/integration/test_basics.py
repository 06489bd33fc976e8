"""One question per provider, sync and async: content, model id, usage, cost, timing."""

import pytest

import ttt


def _check(response: ttt.AIResponse, provider) -> None:
    assert response.succeeded and response.error is None
    assert "4" in response
    assert response.provider == provider.name
    assert response.model.startswith(provider.answered_by)
    assert response.usage is not None
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    assert response.cost is not None and response.cost > 0
    assert response.time_taken > 0


def test_what_is_two_plus_two(provider, delayed_ask):
    _check(delayed_ask("What is 2+2?", model=provider.model), provider)


async def test_what_is_two_plus_two_async(provider, rate_limit_delay):
    _check(await ttt.aask("What is 2+2?", model=provider.model), provider)


def test_system_prompt_and_parameters_reach_the_request(llm_cassette, delayed_ask):
    response = delayed_ask(
        "What is 2+2?", model="gpt-4o-mini", system="Answer with a number.", temperature=0.0, max_tokens=20
    )
    assert "4" in response
    body = llm_cassette.requests[0].json
    assert body["messages"][0] == {"role": "system", "content": "Answer with a number."}
    assert body["temperature"] == 0.0
    assert body["max_tokens"] == 20


def test_code_generation_returns_a_python_code_block(delayed_ask):
    response = delayed_ask("Write a Python function that adds two numbers.", model="gpt-4o-mini")
    assert "```python" in response
    assert "def " in response


@pytest.mark.parametrize("model", ["fast", "claude", "openrouter"])
def test_aliases_route_to_their_provider(model, delayed_ask):
    response = delayed_ask("What is 2+2?", model=model)
    expected = ttt.resolve(model).provider
    assert response.provider == expected
    assert "4" in response
