"""Chunk timing in the cassette format: stored next to the SSE text, read back, and refused when it lies."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_cassettes import (
    Cassette,
    CassetteError,
    Fault,
    Interaction,
    LLMCassettesError,
    RecordedRequest,
    RecordedResponse,
    ReplayTiming,
    dumps,
    load,
    parse,
    scrub_cassette,
)

EVENTS = [b'data: {"n":1}\n\n', b'data: {"n":2}\n\n', b"data: [DONE]\n\n"]
BODY = b"".join(EVENTS)


def _stream_cassette(timing: list[tuple[int, int]] | None, fault: Fault | None = None) -> Cassette:
    request = RecordedRequest.from_wire("POST", "https://api.openai.com/v1/chat/completions", [], b"{}")
    response = RecordedResponse.from_wire(
        200, "OK", [("content-type", "text/event-stream")], BODY, chunks=timing
    )
    return Cassette(meta={"origin": "recorded"}, interactions=[Interaction(request, response, fault)])


def _offsets() -> list[int]:
    offsets, at = [], 0
    for event in EVENTS:
        offsets.append(at)
        at += len(event)
    return offsets


def test_chunk_timing_round_trips_one_readable_line_per_chunk(tmp_path: Path) -> None:
    timing = list(zip(_offsets(), [412, 530, 611], strict=True))
    text = dumps(_stream_cassette(timing, Fault("ReadError", "cut", ms=650)))
    # Next to the SSE text, not instead of it; one [offset, ms] pair per line.
    assert "sse: |" in text
    assert f"chunks:\n      - [0, 412]\n      - [{len(EVENTS[0])}, 530]\n" in text
    assert "ms: 650" in text
    path = tmp_path / "c.yaml"
    path.write_text(text)
    interaction = load(path).interactions[0]
    assert interaction.response.body == BODY
    assert [tuple(entry) for entry in interaction.response.body_doc["chunks"]] == timing
    assert interaction.fault == Fault("ReadError", "cut", ms=650)
    assert dumps(load(path)) == text


def test_a_cassette_without_timing_loads_as_before() -> None:
    interaction = parse(dumps(_stream_cassette(None)), "old.yaml").interactions[0]
    assert "chunks" not in interaction.response.body_doc
    assert interaction.response.body == BODY
    assert interaction.fault is None


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    timing = list(zip(_offsets(), [412, 530, 611], strict=True))
    text = dumps(_stream_cassette(timing, Fault("ReadError", "x", ms=700)))
    assert old in text
    path = tmp_path / "cassettes" / "test_mod" / "test_edited.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("- [0, 412]", f"- [0, 412]\n      - [{len(BODY) + 5}, 800]", "beyond the end of the body"),
        ("- [0, 412]", "- [0, -3]", "negative"),
        ("- [0, 412]", "- [4, 412]", "must start at offset 0"),
        (f"- [{len(EVENTS[0])}, 530]", "- [0, 530]", "increasing"),
        (f"- [{len(EVENTS[0])}, 530]", f"- [{len(EVENTS[0])}, 100]", "earlier than the chunk before"),
        ("- [0, 412]", "- zero", "[offset, ms] pair"),
        ("ms: 700", "ms: -1", "negative"),
        ("ms: 700", "ms: 5", "before the last chunk"),
    ],
)
def test_timing_that_does_not_fit_its_body_is_an_error_naming_the_file(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(CassetteError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    assert "interactions[0]" in message
    assert problem in message
    assert "fix:" in message


def test_timing_on_a_json_body_is_refused(tmp_path: Path) -> None:
    request = RecordedRequest.from_wire("POST", "https://api.openai.com/v1/chat/completions", [], b"")
    response = RecordedResponse.from_wire(200, "OK", [("content-type", "application/json")], b'{"a":1}')
    text = dumps(Cassette(meta={}, interactions=[Interaction(request, response)]))
    text = text.replace("style: compact", "style: compact\n      chunks:\n      - [0, 10]")
    with pytest.raises(CassetteError, match="chunks"):
        parse(text, "json.yaml")


def test_scrubbing_a_secret_out_of_a_stream_moves_the_chunk_offsets_with_the_text() -> None:
    key = "sk-proj-" + "Q" * 40
    events = [b'data: {"n":1}\n\n', f'data: {{"key":"{key[:20]}'.encode(), f'{key[20:]}"}}\n\n'.encode()]
    events.append(b"data: [DONE]\n\n")
    offsets, at = [], 0
    for event in events:
        offsets.append(at)
        at += len(event)
    request = RecordedRequest.from_wire("POST", "https://api.openai.com/v1/chat/completions", [], b"")
    response = RecordedResponse.from_wire(
        200,
        "OK",
        [("content-type", "text/event-stream")],
        b"".join(events),
        chunks=list(zip(offsets, [100, 120, 140, 160], strict=True)),
    )
    scrubbed = scrub_cassette(Cassette(meta={}, interactions=[Interaction(request, response)]))
    text = dumps(scrubbed)
    assert key not in text and key[:20] not in text
    reloaded = parse(text, "scrubbed.yaml").interactions[0].response  # valid: offsets fit the new body
    chunks = reloaded.chunks
    assert chunks is not None and chunks[0] == [0, 100] and chunks[-1][1] == 160
    body = reloaded.body
    assert body[chunks[-1][0] :] == b"data: [DONE]\n\n"  # the chunk after the secret starts where it did


@pytest.mark.parametrize(
    ("text", "kind", "factor"),
    [
        (None, "none", 1.0),
        ("none", "none", 1.0),
        ("Recorded", "recorded", 1.0),
        ("0.25", "recorded", 0.25),
        ("2", "recorded", 2.0),
        ("0", "none", 1.0),
        ("split", "split", 1.0),
    ],
)
def test_replay_timing_values(text: str | None, kind: str, factor: float) -> None:
    timing = ReplayTiming.parse(text)
    assert (timing.kind, timing.factor) == (kind, factor)


@pytest.mark.parametrize("text", ["fast", "-1", "nan", "inf", "1x"])
def test_a_replay_timing_that_means_nothing_is_refused_with_the_valid_values(text: str) -> None:
    with pytest.raises(LLMCassettesError, match="none, recorded, split"):
        ReplayTiming.parse(text)
