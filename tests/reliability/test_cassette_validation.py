"""Broken cassettes that used to pass as good: truncated files, typo'd fault names, YAML-typed values.

Each is a CassetteError naming the file, the field and the fix, when loaded, when replayed by the plugin
and when compared by ``llm-cassettes diff`` (which exits 3 on any error, never 1, "reworded only").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm_cassettes import cli
from llm_cassettes.cassette import (
    Cassette,
    CassetteError,
    Fault,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    dumps,
    load,
    parse,
)
from llm_cassettes.recording.identity import cassette_relpath

PATH = "cassettes/test_mod.py/test_x.yaml"
CHAT = "https://api.openai.com/v1/chat/completions"


def _request(prompt: str) -> RecordedRequest:
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]})
    return RecordedRequest.from_wire("POST", CHAT, [("content-type", "application/json")], body.encode())


def _answer(text: str) -> RecordedResponse:
    body = {
        "id": "chatcmpl-1",
        "created": 1760728905,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }
    return RecordedResponse.from_wire(
        200, "OK", [("content-type", "application/json")], json.dumps(body, indent=2).encode() + b"\n"
    )


def _two_calls() -> Cassette:
    return Cassette(
        meta={"origin": "recorded", "test": "tests/test_mod.py::test_x"},
        interactions=[
            Interaction(_request("What is 1+1?"), _answer("2")),
            Interaction(_request("What is 2+2?"), _answer("4")),
        ],
    )


def test_a_saved_cassette_records_how_many_interactions_it_holds() -> None:
    text = dumps(_two_calls())
    assert "\n  interactions: 2\n" in text.partition("\ninteractions:")[0]
    assert parse(text, PATH).meta["interactions"] == 2
    assert dumps(parse(text, PATH)) == text  # loading and saving again changes nothing


def test_a_cassette_cut_at_any_line_is_an_error_naming_the_file() -> None:
    text = dumps(_two_calls())
    cuts = [i + 1 for i, ch in enumerate(text[:-1]) if ch == "\n"]
    for cut in cuts:
        with pytest.raises(CassetteError) as caught:
            parse(text[:cut], PATH)
        assert str(caught.value).startswith(PATH), (cut, text[:cut])
    # The cut the issue found: the last response loses its headers and body, the YAML stays valid.
    cut = text.rindex("    headers:")
    with pytest.raises(CassetteError, match=r"interactions\[1\].*truncated") as caught:
        parse(text[:cut], PATH)
    assert "git checkout" in caught.value.hint and 'pytest --real-api "tests/test_mod.py::test_x"' in str(
        caught.value
    )
    # A whole interaction gone: the count says so.
    with pytest.raises(CassetteError, match=r"meta\.interactions: expected 2 .* found 1"):
        parse(text[: text.rindex("- request:")], PATH)


def test_cassettes_written_before_the_count_still_load() -> None:
    text = dumps(_two_calls()).replace("  interactions: 2\n", "", 1)
    assert len(parse(text, PATH)) == 2


@pytest.mark.parametrize(
    "fault",
    ["{error: ReadTimout, message: timed out}", "ReadTimout", "{error: readtimeout, message: t}"],
)
def test_an_unknown_fault_name_is_an_error_listing_the_known_ones(fault: str) -> None:
    text = dumps(
        Cassette(meta={}, interactions=[Interaction(_request("hi"), fault=Fault("ReadTimeout", "t"))])
    )
    broken = text.replace("  fault:\n    error: ReadTimeout\n    message: t\n", f"  fault: {fault}\n")
    assert broken != text
    with pytest.raises(CassetteError) as caught:
        parse(broken, PATH)
    message = str(caught.value)
    assert message.startswith(f"{PATH}: interactions[0].fault")
    assert "did you mean 'ReadTimeout'" in message
    assert "ConnectTimeout" in message and "RemoteProtocolError" in message  # the valid names are listed


@pytest.mark.parametrize(
    ("edit", "field", "found"),
    [
        (("created: 1760728905", "created: 2025-01-01"), "response.body.json.created", "date"),
        (("created: 1760728905", "created: 2025-01-01 10:00:00"), "response.body.json.created", "datetime"),
        (
            ("content: '2'", "content: !!binary aGk="),
            "response.body.json.choices[0].message.content",
            "bytes",
        ),
        (("content: What is 1+1?", "content: !!set {a}"), "request.body.json.messages[0].content", "set"),
    ],
)
def test_a_yaml_typed_value_in_a_json_body_is_an_error_naming_the_field(edit, field, found) -> None:
    text = dumps(_two_calls())
    broken = text.replace(*edit, 1)
    assert broken != text
    with pytest.raises(CassetteError) as caught:
        parse(broken, PATH)
    message = str(caught.value)
    assert message.startswith(f"{PATH}: interactions[0].{field}"), message
    assert found in message and "JSON" in message and "quote" in caught.value.hint


def test_quoted_dates_and_dates_outside_bodies_are_fine() -> None:
    text = dumps(_two_calls()).replace("created: 1760728905", "created: '2025-01-01'", 1)
    text = text.replace("origin: recorded", "origin: recorded\n  recorded_at: 2025-01-01", 1)
    assert b'"created": "2025-01-01"' in parse(text, PATH).interactions[0].response.body


BROKEN_PROJECT = """
import httpx
import pytest


@pytest.mark.llm(provider="openai")
@pytest.mark.parametrize("kind", ["truncated", "fault", "typed"])
def test_broken(kind):
    httpx.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o-mini"})
"""


def _broken_texts() -> dict[str, str]:
    text = dumps(_two_calls())
    faulted = dumps(
        Cassette(meta={}, interactions=[Interaction(_request("hi"), fault=Fault("ReadTimeout", "t"))])
    )
    return {
        "truncated": text[: text.rindex("    headers:")],
        "fault": faulted.replace("error: ReadTimeout", "error: ReadTimout"),
        "typed": text.replace("created: 1760728905", "created: 2025-01-01", 1),
    }


def test_replaying_a_broken_cassette_fails_the_test_with_one_message(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_broken=BROKEN_PROJECT)
    for kind, text in _broken_texts().items():
        target = pytester.path / "cassettes" / cassette_relpath(f"test_broken.py::test_broken[{kind}]")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    # -rN: no short summary, whose lines repeat the message or cut it depending on the terminal's width.
    result = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    result.assert_outcomes(errors=3)  # the cassette fixture refuses each before the test runs
    out = result.stdout.str()
    for expected in ("truncated", "did you mean 'ReadTimeout'", "response.body.json.created"):
        assert expected in out
    assert out.count("test_broken[typed].yaml: interactions[0].response.body.json.created") == 1
    assert "Traceback" not in out and "TypeError" not in out


def test_diff_exits_3_on_every_broken_cassette_never_1(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(dumps(_two_calls()), encoding="utf-8")
    for kind, text in _broken_texts().items():
        broken = tmp_path / f"{kind}.yaml"
        broken.write_text(text, encoding="utf-8")
        assert cli.main(["diff", str(good), str(broken)]) == 3, kind
        err = capsys.readouterr().err
        assert str(broken) in err and "Traceback" not in err, err
        # In a directory pair as well: the broken file is named, nothing else is printed as a verdict.
        for side in ("old", "new"):
            (tmp_path / side).mkdir(exist_ok=True)
            (tmp_path / side / "x.yaml").write_text(dumps(_two_calls()), encoding="utf-8")
        (tmp_path / "new" / "x.yaml").write_text(text, encoding="utf-8")
        assert cli.main(["diff", str(tmp_path / "old"), str(tmp_path / "new")]) == 3, kind
        assert "x.yaml" in capsys.readouterr().err


def test_stats_and_load_agree_on_the_count(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(dumps(_two_calls()), encoding="utf-8")
    assert len(load(path)) == load(path).meta["interactions"] == 2
