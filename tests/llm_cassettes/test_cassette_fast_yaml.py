"""The yaml-rs fast path reads every cassette exactly as PyYAML's safe loader does, or declines.

Three sources of text: the committed cassettes, documents of nasty values written by the cassette dumper
(what a recording saves), and hand-edited YAML on which the two parsers are known to disagree. For each,
``fast_yaml.load`` must return None or a document equal to PyYAML's, compared strictly (types, key order,
the sign of -0.0). On the committed cassettes and plain dumps it must also actually apply, or the speed
it exists for is gone.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_cassettes.cassette import fast_yaml
from llm_cassettes.cassette.yaml_io import _Dumper, _Loader, _Pair

CASSETTES = sorted((Path(__file__).resolve().parents[2] / "cassettes").rglob("*.yaml"))


def pyyaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump(doc: Any) -> str:
    """What the cassette writer produces for ``doc`` (same dumper, same options)."""
    return yaml.dump(
        doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False
    )


def difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where two documents differ, strictly: types, key order, float sign and nan included."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r:.60} vs {type(b).__name__} {b!r:.60}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)!r:.80} vs {list(b)!r:.80}"
        return next((d for k in a if (d := difference(a[k], b[k], f"{path}.{k}"))), None)
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        return next(
            (d for i, (x, y) in enumerate(zip(a, b, strict=True)) if (d := difference(x, y, f"{path}[{i}]"))),
            None,
        )
    if isinstance(a, float):
        return None if repr(a) == repr(b) else f"{path}: {a!r} vs {b!r}"
    return None if a == b else f"{path}: {a!r:.80} vs {b!r:.80}"


def assert_faithful(text: str) -> Any:
    fast = fast_yaml.load(text)
    if fast is not None:
        found = difference(pyyaml(text), fast)
        assert found is None, f"fast path read {text!r:.300} differently: {found}"
    return fast


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.name)
def test_every_committed_cassette_loads_fast_and_equal(path: Path) -> None:
    assert assert_faithful(path.read_text(encoding="utf-8")) is not None


# -------------------------------------------------------------------------------- dumped documents

# Scalars the two YAML versions type differently, indicators, and characters one of them treats as
# whitespace or line breaks: each must survive a dump and a fast load unchanged.
# fmt: off
NASTY = [
    "yes", "No", "ON", "off", "y", "n", "true", "False", "~", "null", "NULL", "", " ", "1e3", "1e+3",
    "1.5E3", "+.5", "-.5e3", "0o17", "017", "0x1f", "0b101", "1_000", "12:30", "-1:20:30", ".inf", "-.inf",
    ".nan", "2026-11-25", "2026-11-25T13:08:07Z", "2026-11-25 13:08:07", "<<", "=", "---", "...", "- x",
    "? x", ": x", "| x", "> x", "[a]", "{a: 1}", "*a", "&a", "!tag", "!!python/object", "# c", "a #b",
    "a: b", "a:b", "\ttab", "tab\t", " lead", "trail ", "line\nbreak", "end\n", "\n\nstart", "keep\n\n",
    "x\u2028y", "x\u2029y", "x\x85y", "x\ufeffy", "x\x07y", "cr\r\nlf", "x\u00a0y", "caf\u00e9",
    "\U0001f600", "'quoted'", '"double"', "back\\slash", "% directive", "@at", "`tick`",
    'data: {"a":1}\n\n',
]
# fmt: on
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(NASTY)
    | st.text(alphabet=st.sampled_from(list("ab01 .:-#|>'\"\n\t~!&*[]{},?%@`\\\u2028\x85é")), max_size=12)
    | st.text(max_size=20)
)
keys = st.sampled_from(NASTY) | st.text(max_size=10)
# What the dumper writes in flow style: a streamed body's [offset, ms] chunk entries, on one line.
flow_pairs = st.lists(
    st.integers(min_value=-(2**40), max_value=2**40) | st.floats() | st.sampled_from(NASTY),
    min_size=2,
    max_size=2,
).map(_Pair)
documents = st.recursive(
    scalars | flow_pairs,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_dumped_document_loads_exactly_as_pyyaml_reads_it(doc: Any) -> None:
    assert_faithful(dump({"meta": {"format": 1}, "interactions": [doc]}))


def test_plain_dumps_take_the_fast_path() -> None:
    doc = {
        "meta": {"format": 1, "recorded_at": "2026-11-25T13:08:07Z"},
        "interactions": [
            {"request": {"body": {"json": {"n": 3, "t": 0.7, "stream": True, "stop": None}}}},
            {"response": {"body": {"sse": 'data: {"a": [1]}\n\ndata: [DONE]\n\n', "text": "line\nline\n"}}},
            {"numbers": [0, -1, 2**40, 1.5, -0.0, 1e300], "empty": [], "none": {}},
            {"chunks": [_Pair([0, 600]), _Pair([438, 640])]},
        ],
    }
    assert assert_faithful(dump(doc)) == pyyaml(dump(doc))


# -------------------------------------------------------------------------------- hand-edited text

# fmt: off
DISAGREEING = [
    "a: yes\n", "a: 1e3\n", "a: 017\n", "a: 12:30\n", "a: 2026-11-25\n", "a: +.5\n", "a: 0o17\n",
    "1e3: a\n", "- on\n", "a: !!binary aGk=\n", "a: !foo 1\n", "<<: {b: 1}\nc: 2\n", "a: &x 1\nb: *x\n",
    "a: 1\na: 2\n", "- \x07bell\n", "a: |\n  x\u2028y\n  z\n", "a:\tb\n", "a: b\r\nc: d\r\n", "--- 1\n",
    "a: 1\n---\nb: 2\n", "%YAML 1.1\n---\na: 1\n", "a: [1e3, yes]\n", "a: {b: 017}\n",
    "key: # c |\n    1e3\n", "a: |2\n   1e3\n", "a: =\n", "? [a]\n: b\n", "a: x\u0085y\n", "a: \ufeffb\n",
    "a:\n  1e3\n",
]
# fmt: on


@pytest.mark.parametrize("text", DISAGREEING)
def test_text_the_parsers_read_differently_is_left_to_pyyaml(text: str) -> None:
    try:
        pyyaml(text)
    except yaml.YAMLError:
        assert fast_yaml.load(text) is None  # the error message comes from PyYAML
        return
    assert_faithful(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 'yes'\nb: \"1e3\"\nc: '017'\n",  # quoted: strings to both
        "sse: |\n  data: yes\n  1e3: [x]\n  - *alias\n  !tag\nafter: 1\n",  # block content is free text
        "a: |+\n  kept\n\n...\n",  # the "..." PyYAML writes after a last block that keeps its breaks
        "n: -0.0\nm: 1.0e+20\nbig: 123456789012345678901234567890\n",
    ],
)
def test_text_both_read_alike_takes_the_fast_path(text: str) -> None:
    assert assert_faithful(text) is not None


def test_nan_and_signed_zero_compare_strictly() -> None:
    assert difference(0.0, -0.0) is not None
    assert difference(math.nan, math.nan) is None
