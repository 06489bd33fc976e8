"""How fast each provider streams: a time to first chunk, then a gap between chunks.

The figures are nominal, of the order the real services show for the small models this suite uses
(gpt-4o-mini, claude-haiku-4-5, openai/gpt-4o-mini through OpenRouter): a few hundred ms before the first
event, then tens of ms between events (Anthropic sends fewer, larger deltas; OpenRouter adds its hop).

- The emulator sends its streams at ``pace`` times this (``DEFAULT_PACE``: a stream takes a few ms, so
  suites and the generator stay fast; ``llm-cassettes serve`` defaults to the real pace, 1.0), one event
  per HTTP chunk.
- Synthetic cassettes store the nominal figures themselves, not what the recording run measured: the
  generator stays deterministic (a second run writes the same bytes) and
  ``--llm-replay-timing=recorded`` replays a synthetic stream at its provider's pace.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    first_ms: int  # from the request to the first chunk (time to first token)
    gap_ms: int  # between one chunk and the next

    def due_ms(self, index: int) -> int:
        """When chunk ``index`` (0-based) leaves, in ms after the request."""
        return self.first_ms + index * self.gap_ms


PACING: dict[str, Pacing] = {
    "openai": Pacing(first_ms=400, gap_ms=15),
    "anthropic": Pacing(first_ms=600, gap_ms=40),
    "openrouter": Pacing(first_ms=700, gap_ms=20),
}
# Of the nominal pace, what the emulator really waits unless told otherwise.
DEFAULT_PACE = 0.01


def pacing_of(provider: str | None) -> Pacing:
    return PACING.get(provider or "", PACING["openai"])


def event_offsets(body: bytes) -> list[int]:
    """Where each event of an SSE body starts: the emulator sends one event per chunk."""
    offsets, start = [], 0
    while start < len(body):
        offsets.append(start)
        end = body.find(b"\n\n", start)
        start = len(body) if end == -1 else end + 2
    return offsets


def nominal_chunks(provider: str | None, body: bytes) -> list[list[int]]:
    """The ``[[offset, ms], ...]`` timing the emulator's stream of ``body`` has at the nominal pace."""
    pacing = pacing_of(provider)
    return [[offset, pacing.due_ms(i)] for i, offset in enumerate(event_offsets(body))]
