"""Date is noise, except where a client measures an advertised wait against it."""

from __future__ import annotations

import pytest

from llm_cassettes.cassette import Cassette, Interaction, RecordedRequest, RecordedResponse
from llm_cassettes.secrets import scrub_cassette

DATE = ("Date", "Wed, 01 Jan 2025 00:00:00 GMT")


def _scrubbed_headers(*headers: tuple[str, str]) -> dict[str, str]:
    request = RecordedRequest.from_wire("POST", "https://openrouter.ai/api/v1/chat/completions", [], b"{}")
    response = RecordedResponse.from_wire(429, "Too Many Requests", [DATE, *headers], b"{}")
    (interaction,) = scrub_cassette(Cassette(interactions=[Interaction(request, response)])).interactions
    return {name.lower(): value for name, value in interaction.response.headers}


@pytest.mark.parametrize(
    "headers",
    [
        (("X-RateLimit-Reset", "1735689602000"),),  # OpenRouter: epoch ms, 2 s after the Date
        (("retry-after", "Wed, 01 Jan 2025 00:00:07 GMT"),),  # an HTTP date
    ],
)
def test_date_stays_next_to_an_absolute_reset(headers) -> None:
    assert _scrubbed_headers(*headers)["date"] == DATE[1]


@pytest.mark.parametrize("headers", [(), (("retry-after", "2"),), (("x-ratelimit-reset-requests", "2s"),)])
def test_date_is_dropped_when_nothing_is_measured_against_it(headers) -> None:
    assert "date" not in _scrubbed_headers(*headers)
