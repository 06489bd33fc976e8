"""Hostile and broken cassettes: every failure is a CassetteError naming the file, nothing else.

Hypothesis feeds the loader truncated files, byte-level corruption, random text and binary, and valid
documents with one field swapped for a value of the wrong type. Whatever comes in, ``parse``/``load``
either return a cassette or raise :class:`CassetteError` whose message starts with the path and carries
no chained traceback. Separately: only the safe loader is used (``!!python/...`` tags are refused) and
YAML aliases, the "billion laughs" bomb, are refused before anything expands them.
"""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    to_document,
)
from llm_cassettes.engine.matching import RequestIndex

PATH = "cassettes/test_mod.py/test_fuzzed[case-1].yaml"
FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
TRIED = {"inputs": 0, "crashes": 0}  # reported by test_report_fuzz_figures


def _valid_cassette() -> Cassette:
    request = RecordedRequest.from_wire(
        "POST",
        "https://api.openai.com/v1/chat/completions",
        [("content-type", "application/json")],
        b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is 2+2?"}],"stream":true}',
    )
    stream = b'data: {"choices":[{"delta":{"content":"4"}}]}\n\ndata: [DONE]\n\n'
    streamed = RecordedResponse.from_wire(200, "OK", [("content-type", "text/event-stream")], stream)
    plain = RecordedResponse.from_wire(
        429, "Too Many Requests", [("retry-after", "2"), ("set-cookie", "a=REDACTED")], b'{"error":{}}'
    )
    binary = RecordedResponse.from_wire(200, "OK", [], bytes(range(200, 256)))
    return Cassette(
        meta={"origin": "recorded", "recorded_at": "2026-01-01T00:00:00Z", "litellm": "1.0"},
        interactions=[
            Interaction(request, streamed),
            Interaction(request, plain),
            Interaction(request, binary),
        ],
    )


VALID_TEXT = dumps(_valid_cassette())
VALID_DOC = to_document(_valid_cassette())


def _check(text: str, path: str = PATH) -> None:
    """The contract: a Cassette, or a CassetteError naming the path, without a chained traceback."""
    TRIED["inputs"] += 1
    try:
        cassette = parse(text, path)
    except CassetteError as exc:
        assert str(exc).startswith(path + ": "), str(exc)
        assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)
        assert len(str(exc)) < 1000  # a message, not a dump of the input
        return
    except BaseException:
        TRIED["crashes"] += 1
        raise
    assert isinstance(cassette, Cassette)
    # What replay does next with a loaded cassette must not crash either.
    RequestIndex(cassette.interactions)


@FUZZ
@given(st.integers(min_value=0, max_value=len(VALID_TEXT)))
def test_truncated_files(cut: int) -> None:
    _check(VALID_TEXT[:cut])


YAML_NOISE = st.sampled_from(
    [*":-[]{},&*!|>'\"#%@`?\n\t ", "\x00", "\ufeff", "\x85", "null", "~", "9" * 5000]
)


@FUZZ
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=len(VALID_TEXT)), YAML_NOISE), max_size=6))
def test_corrupted_files(edits: list[tuple[int, str]]) -> None:
    text = VALID_TEXT
    for position, noise in edits:
        text = text[:position] + noise + text[position + 1 :]
    _check(text)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    _check(text)


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.dates()
    | st.binary(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


DOC_PATHS = _paths(VALID_DOC)[1:]


@FUZZ
@given(st.sampled_from(DOC_PATHS), JSONISH)
def test_type_confused_fields(path: tuple, value: Any) -> None:
    doc = copy.deepcopy(VALID_DOC)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    _check(yaml.safe_dump(doc, allow_unicode=True))


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_through_load(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "test_x.yaml"
    path.write_bytes(raw)
    TRIED["inputs"] += 1
    try:
        load(path)
    except CassetteError as exc:
        assert str(exc).startswith(str(path) + ": ")
    except BaseException:
        TRIED["crashes"] += 1
        raise


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['echo pwned']",
        "meta: !!python/object:builtins.dict {format: 1}\ninteractions: []",
        "meta: {format: 1}\ninteractions: !!python/name:os.system",
        "meta: {format: 1}\ninteractions:\n- !!python/object/new:subprocess.Popen [['true']]",
    ],
)
def test_python_tags_are_refused(text: str, tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="could not determine a constructor") as info:
        parse(text, PATH)
    assert str(info.value).startswith(PATH)


def _laughs(levels: int = 12, width: int = 10) -> str:
    lines = ["meta: {format: 1}", "lol:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines += [
        "interactions:",
        f"- request: {{method: POST, uri: 'https://api.openai.com/', body: {{json: *l{levels - 1}}}}}",
        f"  response: {{status: {{code: 200}}, body: {{json: *l{levels - 1}}}}}",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        _laughs(),  # 10**12 strings once expanded
        "meta: {format: 1}\nx: &a [1, 2]\ninteractions:\n"
        "- request: {method: POST, uri: u, body: {json: *a}}\n  response: {status: {code: 200}}\n",
        "meta: &m {format: 1}\ninteractions: []\nagain: *m\n",
        'meta: {format: 1}\ninteractions: []\nx: &a 1\ny: {"k":*a}\n',  # flow, JSON-style key
        "meta: {format: 1}\ninteractions: []\nx: &a 1\ny: [ ? *a ]\n",  # complex key
        "meta: {format: 1}\ninteractions: []\nx: &a 1\ny:\r  *a\n",  # CR line break
        "meta: {format: 1}\ninteractions: []\nx: &a 1\ny: [\t*a]\n",  # tab separation
    ],
)
def test_yaml_aliases_are_refused_before_expansion(text: str) -> None:
    started = time.process_time()
    with pytest.raises(CassetteError, match=r"alias") as info:
        parse(text, PATH)
    assert str(info.value).startswith(PATH)
    assert time.process_time() - started < 5  # generous: a bomb that expanded would never finish


def test_alias_look_alikes_still_load() -> None:
    """Markdown bullets and emphasis in bodies look like aliases to the quick check; they must load."""
    content = "* item\n- *more*, *stars* and: [*x]\n  * nested"
    body = json.dumps({"messages": [{"role": "user", "content": content}]}).encode()
    request = RecordedRequest.from_wire("POST", "https://api.openai.com/v1/chat/completions", [], body)
    timeout = Interaction(request, fault=Fault("ReadTimeout"))
    text = dumps(Cassette(meta={"origin": "recorded"}, interactions=[timeout]))
    text += "note: '- *a, [*b, {*c'\n"
    loaded = parse(text, PATH)
    assert loaded.interactions[0].request.json["messages"][0]["content"] == content


def test_anchor_without_alias_loads() -> None:
    parse("meta: &m {format: 1}\ninteractions: []\n", PATH)


def test_special_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "blocked.yaml"
    os.mkfifo(fifo)  # read() on it would wait for a writer forever
    with pytest.raises(CassetteError, match="not a regular file"):
        load(fifo)
    with pytest.raises(CassetteError, match="not a regular file"):
        load(tmp_path)


def test_report_fuzz_figures(capsys: pytest.CaptureFixture[str]) -> None:
    # Runs after the fuzz tests in file order; prints the figures for the run summary (-s to see them).
    with capsys.disabled():
        print(f"\nhostile input: {TRIED['inputs']} malformed inputs tried, {TRIED['crashes']} crashes")
    assert TRIED["crashes"] == 0
