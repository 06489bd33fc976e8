"""The emulator paces its streams like the providers: a time to first chunk, then a gap per chunk.

The nominal pace (``synthetic.pacing.PACING``) is what synthetic cassettes store; the emulator sends at
``pace`` times it (a small fraction by default, so the suite stays fast; ``llm-cassettes serve`` runs at
the real pace).
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from llm_cassettes.synthetic.emulator import Emulator
from llm_cassettes.synthetic.pacing import DEFAULT_PACE, PACING, nominal_chunks

BODIES = {
    "openai": ("/v1/chat/completions", {"model": "gpt-4o-mini"}),
    "anthropic": ("/v1/messages", {"model": "claude-haiku-4-5", "max_tokens": 100}),
    "openrouter": ("/api/v1/chat/completions", {"model": "openai/gpt-4o-mini"}),
}


def _stream(emulator: Emulator, provider: str) -> tuple[list[float], list[bytes]]:
    path, body = BODIES[provider]
    body = {**body, "stream": True, "messages": [{"role": "user", "content": "Count from 1 to 3"}]}
    times, chunks = [], []
    # Placeholder credentials: the emulator refuses unauthenticated requests as the providers do.
    auth = {"authorization": "Bearer sk-placeholder", "x-api-key": "sk-placeholder"}
    with httpx.Client(timeout=10, headers=auth) as client:
        started = time.perf_counter()  # once the client is built: times count from the request
        with client.stream("POST", emulator.url + path, content=json.dumps(body)) as response:
            for chunk in response.iter_bytes():
                times.append(time.perf_counter() - started)
                chunks.append(chunk)
    return times, chunks


@pytest.mark.parametrize("provider", list(BODIES))
def test_streams_come_at_the_providers_pace_times_the_emulators_factor(provider: str) -> None:
    pace = 0.25
    nominal = PACING[provider]
    with Emulator(pace=pace) as emulator:
        times, chunks = _stream(emulator, provider)
    assert len(chunks) > 3
    assert times[0] >= 0.8 * pace * nominal.first_ms / 1000
    # Each chunk waits for its due time counted from the request, so none comes early; a busy machine can
    # only make one late (and the next ones then follow at once), hence a lower bound on when the last one
    # came, not on the span, which a late first chunk shortens.
    assert times[-1] >= 0.8 * pace * nominal.due_ms(len(chunks) - 1) / 1000
    expected_span = (len(chunks) - 1) * pace * nominal.gap_ms / 1000
    assert times[-1] - times[0] <= expected_span + 0.15


def test_the_default_pace_is_a_small_fraction_of_the_real_one() -> None:
    assert 0 < DEFAULT_PACE <= 0.02
    with Emulator() as emulator:
        times, _ = _stream(emulator, "anthropic")
    assert times[-1] < 0.5  # the real pace would take about a second


def test_nominal_chunks_are_the_events_at_the_documented_pace() -> None:
    events = [b": OPENROUTER PROCESSING\n\n", b'data: {"a":1}\n\n', b"data: [DONE]\n\n"]
    body = b"".join(events)
    nominal = PACING["openrouter"]
    assert nominal_chunks("openrouter", body) == [
        [0, nominal.first_ms],
        [len(events[0]), nominal.first_ms + nominal.gap_ms],
        [len(events[0]) + len(events[1]), nominal.first_ms + 2 * nominal.gap_ms],
    ]
    # Realistic figures: a time to first token of a few hundred ms, tens of ms between chunks.
    for pacing in PACING.values():
        assert 150 <= pacing.first_ms <= 2000 and 5 <= pacing.gap_ms <= 100
