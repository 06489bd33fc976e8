"""Streaming per provider, sync and async; streams that break surface as the client's errors."""

import pytest

import ttt

from .conftest import NO_RETRY


def _assert_counts_in_order(chunks: list[str]) -> None:
    assert len(chunks) >= 2, chunks
    text = "".join(chunks)
    assert 0 <= text.index("1") < text.index("2") < text.index("3")


def test_stream_counts_from_one_to_three(provider, delayed_stream):
    _assert_counts_in_order(list(delayed_stream("Count from 1 to 3", model=provider.model)))


async def test_async_stream_counts_from_one_to_three(provider, rate_limit_delay):
    _assert_counts_in_order([chunk async for chunk in ttt.astream("Count from 1 to 3", model=provider.model)])


def test_stream_request_asks_for_a_stream(llm_cassette, delayed_stream):
    list(delayed_stream("Count from 1 to 3", model="gpt-4o-mini"))
    assert llm_cassette.requests[0].json["stream"] is True


@pytest.mark.llm(scenario="truncated_stream")
def test_truncated_stream_raises_connection_error(provider):
    received: list[str] = []
    with pytest.raises(ttt.ConnectionError) as info:
        for chunk in ttt.stream("Count from 1 to 3", model=provider.model, retry=NO_RETRY):
            received.append(chunk)
    assert info.value.provider == provider.name


@pytest.mark.llm(scenario="truncated_stream")
async def test_truncated_async_stream_raises_connection_error(provider):
    with pytest.raises(ttt.ConnectionError):
        async for _ in ttt.astream("Count from 1 to 3", model=provider.model, retry=NO_RETRY):
            pass


@pytest.mark.llm(scenario="midstream_error")
def test_error_inside_a_stream_raises_the_clients_error(provider):
    with pytest.raises(ttt.TTTError) as info:
        list(ttt.stream("Count from 1 to 3", model=provider.model, retry=NO_RETRY))
    assert info.value.provider == provider.name
    assert not isinstance(info.value, ttt.AuthenticationError)
