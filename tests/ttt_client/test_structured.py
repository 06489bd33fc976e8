"""Structured output: schema= sends a strict json_schema response_format; answers come back parsed."""

import json

import pytest
from pydantic import BaseModel

import ttt

CITY = {
    "title": "City",
    "type": "object",
    "properties": {"name": {"type": "string"}, "population": {"type": "integer", "minimum": 0}},
    "required": ["name", "population"],
    "additionalProperties": False,
}


class Item(BaseModel):
    name: str
    qty: int = 1


class Order(BaseModel):
    items: list[Item]
    note: str | None = None


@pytest.fixture(autouse=True)
def keys(monkeypatch, fake_clock):
    for p in ("OPENAI", "ANTHROPIC", "OPENROUTER"):
        monkeypatch.setenv(f"{p}_API_KEY", f"sk-test-{p.lower()}")
        monkeypatch.delenv(f"{p}_API_BASE", raising=False)


def test_json_schema_dict_is_sent_strict_and_the_answer_parsed(calls):
    r = ttt.ask(
        "Biggest city in France?",
        model="mini",
        schema=CITY,
        mock_response='{"name": "Paris", "population": 2100000}',
    )
    assert calls[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "City", "schema": CITY, "strict": True},
    }
    assert r.parsed == {"name": "Paris", "population": 2100000}
    assert r.content == '{"name": "Paris", "population": 2100000}'
    assert r.to_dict()["parsed"] == r.parsed


def test_pydantic_model_is_sent_as_a_strict_schema_and_parsed_to_an_instance(calls):
    answer = '{"items": [{"name": "apple", "qty": 3}], "note": null}'
    r = ttt.ask("Order three apples", model="claude", schema=Order, mock_response=answer)
    fmt = calls[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Order"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    # OpenAI's strict mode: closed objects, every property required (nested models included).
    assert schema["additionalProperties"] is False and sorted(schema["required"]) == ["items", "note"]
    assert schema["$defs"]["Item"]["additionalProperties"] is False
    assert isinstance(r.parsed, Order) and r.parsed.items == [Item(name="apple", qty=3)]
    assert r.to_dict()["parsed"] == {"items": [{"name": "apple", "qty": 3}], "note": None}


def test_the_request_is_deterministic(calls):
    for _ in range(2):
        ttt.ask("Order", model="mini", schema=Order, mock_response='{"items": [], "note": null}')
        ttt.ask("City", model="mini", schema=dict(CITY), mock_response='{"name": "x", "population": 1}')
    assert json.dumps(calls[0], sort_keys=True, default=str) == json.dumps(
        calls[2], sort_keys=True, default=str
    )
    assert json.dumps(calls[1], sort_keys=True, default=str) == json.dumps(
        calls[3], sort_keys=True, default=str
    )


def test_schema_name_is_made_safe_for_openai(calls):
    schema = {"title": "My city (v2)!", "type": "object"}
    ttt.ask("x", model="mini", schema=schema, mock_response="{}")
    assert calls[0]["response_format"]["json_schema"]["name"] == "My_city_v2"
    ttt.ask("x", model="mini", schema={"type": "object"}, mock_response="{}")
    assert calls[1]["response_format"]["json_schema"]["name"] == "response"


@pytest.mark.parametrize(
    ("schema", "content", "problem"),
    [
        (CITY, "Paris, about two million", "not valid JSON"),
        (CITY, '{"name": "Paris"}', "does not validate.*population"),
        (CITY, '{"name": "Paris", "population": -5}', "does not validate at population"),
        (Order, '{"items": [{"qty": 2}]}', "does not validate: items.0.name"),
        (Order, "```json\n{}\n```", "not valid JSON"),
    ],
)
def test_invalid_answers_raise_response_format_error(calls, schema, content, problem):
    with pytest.raises(ttt.ResponseFormatError, match=problem) as info:
        ttt.ask("q", model="mini", schema=schema, mock_response=content)
    err = info.value
    assert isinstance(err, ttt.TTTError) and err.content == content
    assert err.provider == "openai" and not err.retryable
    assert len(calls) == 1  # not retried, no fallback
    failed = ttt.ask("q", model="mini", schema=schema, mock_response=content, raise_errors=False)
    assert not failed and isinstance(failed.error, ttt.ResponseFormatError)


def test_a_bad_schema_fails_before_any_request(calls):
    with pytest.raises(ValueError, match="not a valid JSON schema"):
        ttt.ask("q", model="mini", schema={"type": "no-such-type"}, mock_response="{}")
    with pytest.raises(ValueError, match="pydantic model class"):
        ttt.ask("q", model="mini", schema="City", mock_response="{}")
    assert calls == []


def test_stream_with_a_schema_parses_once_finished(calls):
    s = ttt.stream("City?", model="gpt", schema=CITY, mock_response='{"name": "Lyon", "population": 520000}')
    assert "".join(s) == '{"name": "Lyon", "population": 520000}'
    assert s.response.parsed == {"name": "Lyon", "population": 520000}
    assert calls[0]["response_format"]["json_schema"]["name"] == "City"


def test_stream_with_an_invalid_answer_raises_at_the_end(calls):
    s = ttt.stream("City?", model="gpt", schema=CITY, mock_response='{"name": 1}')
    with pytest.raises(ttt.ResponseFormatError):
        list(s)
    assert s.response is None and len(calls) == 1


async def test_aask_with_schema(calls):
    r = await ttt.aask("Order", model="or-fast", schema=Order, mock_response='{"items": [], "note": "none"}')
    assert r.parsed == Order(items=[], note="none")


def test_session_with_schema(calls):
    session = ttt.chat(model="mini", schema=CITY, mock_response='{"name": "Nice", "population": 340000}')
    assert session.ask("A city?").parsed["name"] == "Nice"
    assert calls[0]["response_format"]["json_schema"]["schema"] == CITY


def test_truncated_json_says_so(loopback):
    loopback.json(loopback.completion('{"name": "Par', finish="length"))
    with pytest.raises(ttt.ResponseFormatError, match="cut off"):
        ttt.ask("City?", model="mini", schema=CITY)


def test_response_format_on_the_wire(loopback):
    loopback.json(loopback.completion('{"name": "Bern", "population": 134000}'))
    r = ttt.ask("Capital of Switzerland?", model="mini", schema=CITY)
    assert r.parsed == {"name": "Bern", "population": 134000}
    assert loopback.requests[0]["json"]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "City", "schema": CITY, "strict": True},
    }
