"""The cassette in use by one test: answers requests from it, records new exchanges, explains misses."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cassette import Cassette, Interaction, RecordedRequest
from ..errors import CassetteMiss
from .matching import DEFAULT_RULES, MatchRules, NearestMatch, RequestIndex, nearest, parse_json, request_key
from .streams import ReplayTiming

NO_WAITING = ReplayTiming()

# (method, uri, headers, body) -> (uri, body): the live request as the recorder would have saved it, so
# that what scrubbing redacted still matches. The plugin passes the secrets room's scrubber; the engine
# only knows its shape.
RequestScrubber = Callable[[str, str, Sequence[tuple[str, str]], bytes], tuple[str, bytes]]


class MissReason(enum.StrEnum):
    """Why replay had no answer for a request."""

    NO_CASSETTE = "no cassette"
    NO_MATCH = "no match"
    EXHAUSTED = "exhausted"


@dataclass
class Miss:
    method: str
    uri: str
    body_json: Any
    body: bytes
    reason: MissReason
    recorded_count: int = 0
    nearest: NearestMatch | None = None


@dataclass
class RateGate:
    """Minimum spacing between real requests, shared by all tests of a process (record mode only)."""

    delay: float = 0.0
    last: float = field(default=-1e9)

    def wait_time(self) -> float:
        return max(0.0, self.last + self.delay - time.monotonic()) if self.delay > 0 else 0.0

    def mark(self) -> None:
        self.last = time.monotonic()


class CassettePlayer:
    """Replay (``recording=False``) or record (``recording=True``) the exchanges of one test."""

    def __init__(
        self,
        path: Path,
        *,
        recording: bool,
        cassette: Cassette | None,
        test_id: str = "",
        rerecord_command: str | Callable[[str], str] = "",
        rate_gate: RateGate | None = None,
        rules: MatchRules = DEFAULT_RULES,
        timing: ReplayTiming = NO_WAITING,
        unheard_headers: frozenset[str] = frozenset(),
        scrub_request: RequestScrubber | None = None,
    ) -> None:
        self.path = path
        self.recording = recording
        self.cassette = cassette
        self.test_id = test_id
        self.rerecord_command = rerecord_command
        self.rate_gate = rate_gate or RateGate()
        self.rules = rules
        self.timing = timing  # how replay hands out streamed bodies
        # Response headers left out of the recording *and* of what the client is handed while recording,
        # so that the recording run and every replay show the client the same response.
        self.unheard_headers = unheard_headers
        self.scrub_request = scrub_request
        self.index = (
            RequestIndex(cassette.interactions, rules) if cassette is not None and not recording else None
        )
        self.recorded: list[Interaction] = []
        self._streaming: list[Any] = []  # record mode: tees of bodies that may still be arriving
        self.requests: list[RecordedRequest] = []  # everything the test sent, in order, for assertions
        self.misses: list[Miss] = []
        self.played = 0

    # ------------------------------------------------------------------ replay

    def lookup(
        self, method: str, uri: str, body: bytes, headers: Sequence[tuple[str, str]] = ()
    ) -> Interaction | None:
        """The recorded answer; None means "send it for real" (record mode only)."""
        body_json = parse_json(body)
        body_doc = {"json": body_json} if body_json is not None else {"text": body.decode("utf-8", "replace")}
        self.requests.append(RecordedRequest(method.upper(), uri, [], body_doc if body else {}))
        if self.recording:
            return None
        index = self.index
        # Most requests carry nothing to scrub, so the request as sent is tried first and the scrub (two
        # thirds of a lookup's cost) runs only when it matches nothing. A request that matches as sent
        # is, in all that is matched, one the cassette already holds: scrubbing it could only turn the
        # hit into a miss, and replay writes nothing. A custom matcher sees only scrubbed requests.
        raw_key = None
        if index is not None and self.rules.matcher is None:
            raw_key = request_key(method, uri, body_json, body, self.rules)
            position = index.take(raw_key)
            if position is not None:
                self.played += 1
                return index.interactions[position]
        sent_uri, sent_body = uri, body
        if self.scrub_request is not None:
            # Matched (and reported on a miss) as it would have been saved: never the raw secret.
            uri, scrubbed = self.scrub_request(method, uri, headers, body)
            if scrubbed is not body:
                body, body_json = scrubbed, parse_json(scrubbed)
        if index is None:
            self._miss(Miss(method, uri, body_json, body, MissReason.NO_CASSETTE))
        if raw_key is not None and uri == sent_uri and body is sent_body:
            key, position = raw_key, None  # the scrub changed nothing: already looked up
        else:
            key = request_key(method, uri, body_json, body, self.rules)
            position = index.take(key)
        if position is None:
            recorded = index.recorded_count(key)
            reason = MissReason.EXHAUSTED if recorded else MissReason.NO_MATCH
            self._miss(Miss(method, uri, body_json, body, reason, recorded_count=recorded))
        self.played += 1
        return index.interactions[position]

    def _miss(self, miss: Miss) -> None:
        self.misses.append(miss)
        raise CassetteMiss(self._headline(miss))

    def unused(self) -> list[int]:
        return self.index.unused() if self.index is not None else []

    # ------------------------------------------------------------------ record

    def record(self, interaction: Interaction, stream: Any = None) -> None:
        """Keep an exchange, in request order; ``stream`` (a tee) completes its response as it arrives."""
        self.recorded.append(interaction)
        if stream is not None:
            self._streaming.append(stream)

    def settle(self) -> None:
        """End the recording of every body the test left unread: what it read is what is kept."""
        for stream in self._streaming:
            stream.finish("closed")
        self._streaming.clear()

    # ------------------------------------------------------------------ reporting

    def _headline(self, miss: Miss) -> str:
        target = f"{miss.method} {miss.uri}"
        if miss.reason is MissReason.NO_CASSETTE:
            return f"no cassette at {self.path} for {target}"
        if miss.reason is MissReason.EXHAUSTED:
            return (
                f"{target} was recorded {miss.recorded_count} time(s) in {self.path} "
                "and is now requested once more"
            )
        return f"no recorded request in {self.path} matches {target}"

    def miss_report(self) -> str:
        """What a user needs to fix a replay miss: which request, the closest recording, how to record it."""
        if not self.misses:
            return ""
        miss = self.misses[0]
        lines = [
            f"llm-cassettes: {self._headline(miss)}",
            f"  test:     {self.test_id}",
            f"  cassette: {self.path}",
        ]
        if miss.reason is MissReason.NO_MATCH and self.cassette is not None:
            found = nearest(
                miss.method, miss.uri, miss.body_json, self.cassette.interactions, miss.body, self.rules
            )
            if found is not None:
                lines.append(
                    f"  nearest recorded request: interactions[{found.position}] "
                    f"{found.interaction.request.method} {found.interaction.request.uri}"
                )
                lines.append("  fields that differ (recorded -> requested):")
                lines += [f"    - {diff.render()}" for diff in found.diffs[:12]]
                if len(found.diffs) > 12:
                    lines.append(f"    ... and {len(found.diffs) - 12} more")
        elif miss.reason is MissReason.NO_CASSETTE:
            lines.append("  the test made an LLM request but nothing was ever recorded for it")
        if len(self.misses) > 1:
            lines.append(f"  ({len(self.misses) - 1} more unmatched request(s) in this test)")
        command = (
            self.rerecord_command(miss.uri) if callable(self.rerecord_command) else self.rerecord_command
        )
        if command:
            lines.append(f"  to record it: {command}")
        return "\n".join(lines)
