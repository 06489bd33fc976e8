"""Drift classification between two recordings: identical, reworded, shape changed, added, removed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from llm_cassettes import cassette as cf
from llm_cassettes.cli.diff import EXIT_ERROR
from llm_cassettes.cli.diff import main as diff_command
from llm_cassettes.drift import CassetteDrift, Drift, compare_cassettes, compare_paths, render

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
JSON_HEADERS = [("content-type", "application/json"), ("x-ratelimit-remaining-tokens", "799993")]
SSE_HEADERS = [("content-type", "text/event-stream; charset=utf-8")]


# ------------------------------------------------------------------------------------------- builders


def openai_body(content: str = "4200 + 42 = 4242.", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-CRkJFgcA6BuMrBur38ZHUXgT6zRjg",
        "object": "chat.completion",
        "created": 1760728905,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 16,
            "completion_tokens": 12,
            "total_tokens": 28,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        },
        "system_fingerprint": "fp_f64f290af2",
    }
    body.update(overrides)
    return body


def interaction(
    body: Any,
    status: int = 200,
    headers: list[tuple[str, str]] | None = None,
    url: str = OPENAI_URL,
) -> cf.Interaction:
    raw = body if isinstance(body, bytes) else json.dumps(body, indent=2).encode()
    request = cf.RecordedRequest.from_wire(
        "POST", url, [("content-type", "application/json")], b'{"model":"gpt-4o","messages":[]}'
    )
    response = cf.RecordedResponse.from_wire(status, "OK", headers or JSON_HEADERS, raw)
    return cf.Interaction(request, response)


def cassette(*interactions: cf.Interaction) -> cf.Cassette:
    return cf.Cassette(meta={"format": 1, "origin": "recorded"}, interactions=list(interactions))


def anthropic_sse(
    deltas: list[str] = ["Hello", " there", "!"],  # noqa: B006 - never mutated
    stop_reason: str = "end_turn",
    message_id: str = "msg_015vYx5y1ygzx5WM3FSMKpqQ",
    skip: tuple[str, ...] = (),
) -> bytes:
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": "claude-3-5-haiku-20241022",
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 11, "output_tokens": 1},
                },
            },
        ),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        ("ping", {"type": "ping"}),
    ]
    events += [
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        )
        for text in deltas
    ]
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": len(deltas) * 2},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return sse(events, skip)


def sse(events: list[tuple[str, dict[str, Any]]], skip: tuple[str, ...] = ()) -> bytes:
    return "".join(
        f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
        for name, data in events
        if name not in skip
    ).encode()


def openai_sse(pieces: list[str]) -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> str:
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if usage is None else [],
            "usage": usage,
        }
        return f"data: {json.dumps(body)}\n\n"

    text = chunk({"role": "assistant", "content": ""})
    text += "".join(chunk({"content": piece}) for piece in pieces)
    text += chunk({}, "stop") + chunk({}, usage={"prompt_tokens": 3, "completion_tokens": len(pieces)})
    return (text + "data: [DONE]\n\n").encode()


def classify(old: cf.Interaction, new: cf.Interaction) -> tuple[str, list[str]]:
    result = compare_cassettes(cassette(old), cassette(new), "c.yaml").interactions[0]
    return result.kind, result.reasons


# ---------------------------------------------------------------------------------------- JSON bodies


def test_identical() -> None:
    kind, reasons = classify(interaction(openai_body()), interaction(openai_body()))
    assert (kind, reasons) == ("identical", [])


def test_unread_headers_do_not_count() -> None:
    old = interaction(openai_body(), headers=[*JSON_HEADERS, ("date", "Sat, 13 Sep 2025 11:13:21 GMT")])
    new = interaction(openai_body(), headers=[*JSON_HEADERS, ("date", "Sun, 14 Sep 2025 09:00:00 GMT")])
    assert classify(old, new)[0] == "identical"


def test_openai_reworded() -> None:
    new_body = openai_body(
        "The answer is 4242.", id="chatcmpl-other", created=1760729999, system_fingerprint="fp_000"
    )
    new_body["usage"]["completion_tokens"] = 7
    kind, reasons = classify(interaction(openai_body()), interaction(new_body))
    assert kind == "reworded"
    assert "body.choices[0].message.content" in reasons
    assert "body.usage.completion_tokens" in reasons
    assert {"body.id", "body.created", "body.system_fingerprint"} <= set(reasons)


def test_rate_limit_counter_is_reworded_but_its_presence_is_shape() -> None:
    base = [("content-type", "application/json")]
    old = interaction(openai_body(), headers=[*base, ("x-ratelimit-remaining-tokens", "799993")])
    counter = interaction(openai_body(), headers=[*base, ("x-ratelimit-remaining-tokens", "799000")])
    gone = interaction(openai_body(), headers=base)
    assert classify(old, counter) == ("reworded", ["response.headers.x-ratelimit-remaining-tokens"])
    kind, reasons = classify(old, gone)
    assert (kind, reasons) == ("shape_changed", ["response.headers.x-ratelimit-remaining-tokens: removed"])


def test_usage_removed_is_shape() -> None:
    new_body = openai_body()
    del new_body["usage"]
    kind, reasons = classify(interaction(openai_body()), interaction(new_body))
    assert (kind, reasons) == ("shape_changed", ["body.usage: removed"])


def test_nested_key_removed_is_shape() -> None:
    new_body = openai_body()
    del new_body["usage"]["prompt_tokens_details"]
    kind, reasons = classify(interaction(openai_body()), interaction(new_body))
    assert (kind, reasons) == ("shape_changed", ["body.usage.prompt_tokens_details: removed"])


def test_value_type_change_is_shape() -> None:
    new_body = openai_body()
    new_body["choices"][0]["message"]["refusal"] = "I can't help with that."
    kind, reasons = classify(interaction(openai_body()), interaction(new_body))
    assert (kind, reasons) == ("shape_changed", ["body.choices[0].message.refusal: null → string"])


def test_finish_reason_stop_to_length_is_shape() -> None:
    new_body = openai_body()
    new_body["choices"][0]["finish_reason"] = "length"
    kind, reasons = classify(interaction(openai_body()), interaction(new_body))
    assert (kind, reasons) == ("shape_changed", ["body.choices[0].finish_reason: stop → length"])


def test_tool_call_instead_of_text_is_shape() -> None:
    new_body = openai_body()
    choice = new_body["choices"][0]
    choice["finish_reason"] = "tool_calls"
    choice["message"]["content"] = None
    choice["message"]["tool_calls"] = [
        {"id": "call_1", "type": "function", "function": {"name": "multiply", "arguments": '{"a":2,"b":3}'}}
    ]
    kind, reasons = classify(interaction(openai_body()), interaction(new_body))
    assert kind == "shape_changed"
    assert "tool calls: none → multiply" in reasons
    assert "body.choices[0].message.tool_calls: added" in reasons
    assert "body.choices[0].finish_reason: stop → tool_calls" in reasons


def test_anthropic_tool_use_block_is_shape_but_its_input_is_content() -> None:
    def body(blocks: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": blocks,
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 5, "output_tokens": 9},
        }

    text = {"type": "text", "text": "Let me look."}
    tool = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"query": "x"}}
    other_input = {**tool, "id": "toolu_2", "input": {"query": "y", "limit": 3}}
    old = interaction(body([text, tool]), url=ANTHROPIC_URL)
    assert classify(old, interaction(body([text, other_input]), url=ANTHROPIC_URL))[0] == "reworded"
    kind, reasons = classify(interaction(body([text]), url=ANTHROPIC_URL), old)
    assert kind == "shape_changed"
    assert "body.content: [text] → [text, tool_use]" in reasons
    assert "tool calls: none → lookup" in reasons


def test_error_type_change_is_shape() -> None:
    def error(kind: str) -> dict[str, Any]:
        return {"type": "error", "error": {"type": kind, "message": "x"}, "request_id": "req_1"}

    old, new = interaction(error("rate_limit_error"), 429), interaction(error("overloaded_error"), 429)
    kind, reasons = classify(old, new)
    assert (kind, reasons) == ("shape_changed", ["body.error.type: rate_limit_error → overloaded_error"])


def test_error_message_change_is_reworded() -> None:
    old = {"error": {"message": "Rate limit reached", "code": 429}}
    new = {"error": {"message": "Rate limit reached for free models", "code": 429}}
    assert classify(interaction(old, 429), interaction(new, 429)) == ("reworded", ["body.error.message"])


def test_error_turning_into_success_is_shape() -> None:
    error = {"error": {"message": "Rate limit", "type": "requests", "code": "rate_limit_exceeded"}}
    old = interaction(error, 429, [("content-type", "application/json"), ("retry-after", "7")])
    kind, reasons = classify(old, interaction(openai_body(), headers=[("content-type", "application/json")]))
    assert kind == "shape_changed"
    assert reasons[0] == "response.status: 429 → 200"
    assert "response.headers.retry-after: removed" in reasons
    assert "body.error: removed" in reasons


def test_retry_after_value_change_is_shape() -> None:
    error = {"error": {"message": "Rate limit", "code": 429}}
    old = interaction(error, 429, [("content-type", "application/json"), ("retry-after", "7")])
    new = interaction(error, 429, [("content-type", "application/json"), ("Retry-After", "20")])
    assert classify(old, new) == ("shape_changed", ["response.headers.retry-after: 7 → 20"])


def test_content_type_media_type_is_shape_but_charset_is_not() -> None:
    def with_type(value: str) -> cf.Interaction:
        return interaction(openai_body(), headers=[("content-type", value)])

    json_type = with_type("application/json")
    assert classify(json_type, with_type("application/json; charset=utf-8"))[0] == "reworded"
    kind, reasons = classify(json_type, with_type("text/plain"))
    assert kind == "shape_changed"
    assert reasons == ["response.headers.content-type: application/json → text/plain"]


def test_fault_appearing_and_changing_type_is_shape() -> None:
    ok = interaction(openai_body())
    timeout = cf.Interaction(ok.request, None, cf.Fault("ReadTimeout", "timed out"))
    refused = cf.Interaction(ok.request, None, cf.Fault("ConnectError", "refused"))
    kind, reasons = classify(ok, timeout)
    assert (kind, reasons) == ("shape_changed", ["fault: none → ReadTimeout", "response: 200 → absent"])
    assert classify(timeout, refused) == ("shape_changed", ["fault: ReadTimeout → ConnectError"])


def test_padded_openrouter_json_stored_as_text_is_compared_as_json() -> None:
    old = interaction(b"\n         \n" + json.dumps(openai_body()).encode())
    new = interaction(b"\n         \n\n         \n" + json.dumps(openai_body("Other words.")).encode())
    assert old.response is not None and "text" in old.response.body_doc
    assert classify(old, new) == ("reworded", ["body.choices[0].message.content"])


# ------------------------------------------------------------------------------------------ streams


def test_anthropic_sse_more_text_deltas_is_reworded() -> None:
    old = interaction(anthropic_sse(), headers=SSE_HEADERS, url=ANTHROPIC_URL)
    longer = anthropic_sse(["Hi", ",", " how", " are", " you", "?"], message_id="msg_other")
    kind, reasons = classify(old, interaction(longer, headers=SSE_HEADERS, url=ANTHROPIC_URL))
    assert kind == "reworded"
    assert "sse: 8 → 11 events" in reasons  # the ping keep-alive is not counted


def test_anthropic_sse_missing_message_delta_is_shape() -> None:
    old = interaction(anthropic_sse(), headers=SSE_HEADERS, url=ANTHROPIC_URL)
    new = interaction(anthropic_sse(skip=("message_delta",)), headers=SSE_HEADERS, url=ANTHROPIC_URL)
    kind, reasons = classify(old, new)
    assert kind == "shape_changed"
    assert reasons == [
        "sse events: [message_start, content_block_start:text, content_block_delta:text_delta,"
        " content_block_stop, message_delta:end_turn, message_stop]"
        " → [message_start, content_block_start:text, content_block_delta:text_delta, content_block_stop,"
        " message_stop]"
    ]


def test_anthropic_sse_event_order_changed_is_shape() -> None:
    events = [
        ("message_start", {"type": "message_start", "message": {"id": "m"}}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    swapped = [events[0], events[2], events[1]]
    old = interaction(sse(events), headers=SSE_HEADERS, url=ANTHROPIC_URL)
    kind, reasons = classify(old, interaction(sse(swapped), headers=SSE_HEADERS, url=ANTHROPIC_URL))
    assert kind == "shape_changed"
    assert reasons[0].startswith("sse events: [message_start, message_delta:end_turn, message_stop] → [")


def test_anthropic_sse_stop_reason_change_names_the_field() -> None:
    old = interaction(anthropic_sse(), headers=SSE_HEADERS, url=ANTHROPIC_URL)
    new = interaction(anthropic_sse(stop_reason="max_tokens"), headers=SSE_HEADERS, url=ANTHROPIC_URL)
    kind, reasons = classify(old, new)
    assert kind == "shape_changed"
    assert "sse[message_delta:end_turn].delta.stop_reason: end_turn → max_tokens" in reasons


def test_openai_sse_more_chunks_is_reworded_and_finish_change_is_shape() -> None:
    old = interaction(openai_sse(["420", "0 + 42"]), headers=SSE_HEADERS)
    longer = interaction(openai_sse(["The", " answer", " is", " 4242"]), headers=SSE_HEADERS)
    assert classify(old, longer)[0] == "reworded"
    truncated = openai_sse(["420", "0 + 42"]).replace(b'"stop"', b'"length"')
    kind, reasons = classify(old, interaction(truncated, headers=SSE_HEADERS))
    assert kind == "shape_changed"
    assert any("finish=stop" in r and "finish=length" in r for r in reasons)
    assert any(r.endswith("finish_reason: stop → length") for r in reasons)


def test_json_turning_into_stream_is_shape() -> None:
    old = interaction(openai_body())
    new = interaction(openai_sse(["x"]), headers=SSE_HEADERS)
    kind, reasons = classify(old, new)
    assert kind == "shape_changed"
    assert "body: json → sse" in reasons


# ------------------------------------------------------------------------------- interactions, files


def test_added_and_removed_interactions() -> None:
    first, second = interaction(openai_body()), interaction(openai_body("again"))
    grown = compare_cassettes(cassette(first), cassette(first, second), "c.yaml")
    assert [(i.kind, i.drift) for i in grown.interactions] == [
        ("identical", Drift.IDENTICAL),
        ("added", Drift.SHAPE_CHANGED),
    ]
    assert grown.interactions[1].reasons == [f"POST {OPENAI_URL} → 200"]
    assert grown.drift is Drift.SHAPE_CHANGED
    shrunk = compare_cassettes(cassette(first, second), cassette(first), "c.yaml")
    assert shrunk.interactions[1].kind == "removed"


def test_cassette_drift_is_the_worst_interaction() -> None:
    a, b = interaction(openai_body()), interaction(openai_body("other"))
    result = compare_cassettes(cassette(a, a), cassette(a, b), "c.yaml")
    assert result.drift is Drift.REWORDED
    assert [i.kind for i in result.interactions] == ["identical", "reworded"]


def write(path: Path, *interactions: cf.Interaction) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cf.dumps(cassette(*interactions)), encoding="utf-8")
    return path


def test_directory_mode_pairs_by_relative_path(tmp_path: Path) -> None:
    same, reworded = interaction(openai_body()), interaction(openai_body("other"))
    write(tmp_path / "old/openai/same.yaml", same)
    write(tmp_path / "old/openai/changed.yaml", same)
    write(tmp_path / "old/gone.yaml", same)
    write(tmp_path / "new/openai/same.yaml", same)
    write(tmp_path / "new/openai/changed.yaml", reworded)
    write(tmp_path / "new/fresh.yaml", same, same)
    write(tmp_path / "new/.git/ignored.yaml", same)
    drifts = compare_paths(tmp_path / "old", tmp_path / "new")
    summary = {d.name: (d.kind, d.drift) for d in drifts}
    assert summary == {
        "fresh.yaml": ("added", Drift.SHAPE_CHANGED),
        "gone.yaml": ("removed", Drift.SHAPE_CHANGED),
        "openai/changed.yaml": ("compared", Drift.REWORDED),
        "openai/same.yaml": ("compared", Drift.IDENTICAL),
    }
    text = render(drifts)
    assert "fresh.yaml: cassette added (2 interactions)" in text
    assert "gone.yaml: cassette removed (1 interaction)" in text
    assert "  #0 reworded: body.choices[0].message.content" in text
    total = "total: 4 cassettes (1 identical, 1 reworded, 1 added, 1 removed); 2 interactions compared"
    assert text.splitlines()[-1].startswith(total)


def test_render_caps_reasons_and_skips_identical_interactions() -> None:
    many = CassetteDrift("c.yaml", [], Drift.SHAPE_CHANGED)
    from llm_cassettes.drift import InteractionDrift

    many.interactions = [
        InteractionDrift(0, "identical", [], Drift.IDENTICAL),
        InteractionDrift(1, "shape_changed", [f"body.k{i}: added" for i in range(10)], Drift.SHAPE_CHANGED),
    ]
    lines = render([many]).splitlines()
    assert lines[0] == "c.yaml: shape changed — 2 interactions: 1 identical, 1 shape changed"
    assert lines[1].startswith("  #1 shape changed: body.k0: added;")
    assert lines[1].endswith("(+4 more)")
    assert len(lines) == 3


# ---------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "old.yaml", interaction(openai_body())), tmp_path / "new.yaml"


def test_exit_0_identical(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair
    write(new, interaction(openai_body()))
    assert diff_command([str(old), str(new)]) == 0
    assert "→ identical" in capsys.readouterr().out


def test_exit_1_reworded(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair
    write(new, interaction(openai_body("Different words")))
    assert diff_command([str(old), str(new)]) == 1
    assert "#0 reworded: body.choices[0].message.content" in capsys.readouterr().out


def test_exit_2_shape_changed(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair
    body = openai_body()
    del body["usage"]
    write(new, interaction(body))
    assert diff_command([str(old), str(new)]) == 2
    assert "#0 shape changed: body.usage: removed" in capsys.readouterr().out


def test_exit_2_added_interaction(pair: tuple[Path, Path]) -> None:
    old, new = pair
    write(new, interaction(openai_body()), interaction(openai_body()))
    assert diff_command([str(old), str(new)]) == 2


def test_error_for_non_cassette_file(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair
    new.write_text("just: some yaml\n", encoding="utf-8")
    assert diff_command([str(old), str(new)]) == EXIT_ERROR == 3
    err = capsys.readouterr().err
    assert str(new) in err and "not a cassette" in err
    assert "Traceback" not in err


def test_error_for_format_mismatch(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = pair
    doc = cf.to_document(cassette(interaction(openai_body())))
    doc["meta"]["format"] = 2
    new.write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    assert diff_command([str(old), str(new)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert str(new) in err and "format 2" in err


def test_format_mismatch_between_loaded_cassettes() -> None:
    old, new = cassette(), cassette()
    new.meta = copy.deepcopy(new.meta) | {"format": 2}
    new.path = Path("new.yaml")
    with pytest.raises(Exception, match=r"new\.yaml is format 2"):
        compare_cassettes(old, new)


def test_error_for_missing_path_and_file_vs_directory(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = pair
    assert diff_command([str(old), str(new)]) == EXIT_ERROR
    assert f"{new}: no such file or directory" in capsys.readouterr().err
    assert diff_command([str(old), str(tmp_path)]) == EXIT_ERROR
    assert "is a directory" in capsys.readouterr().err


def test_usage_errors_do_not_look_like_a_shape_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert diff_command(["only-one"]) == EXIT_ERROR
    assert diff_command(["--help"]) == 0
    assert "3  error" in capsys.readouterr().out


def test_reference_style_cassette_roundtrips_through_yaml(tmp_path: Path) -> None:
    # The same recording loaded from disk twice compares identical (bodies decoded lazily).
    path = write(tmp_path / "a.yaml", interaction(anthropic_sse(), headers=SSE_HEADERS, url=ANTHROPIC_URL))
    assert compare_paths(path, path)[0].drift is Drift.IDENTICAL
