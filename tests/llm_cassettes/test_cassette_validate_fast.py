"""The well-formed fast path of validation builds what the full validator builds, and only that.

For every interaction of the committed cassettes, and for damaged copies of one (each damage a field the
full validator checks), ``_well_formed_interaction`` either declines (None) or returns exactly what
``_interaction`` returns; where ``_interaction`` refuses, the fast path must decline, so the error a user
sees still names the file and the field.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from llm_cassettes.cassette import validate, yaml_io
from llm_cassettes.errors import CassetteError

CASSETTES = sorted((Path(__file__).resolve().parents[2] / "cassettes").rglob("*.yaml"))


def same(a: Any, b: Any) -> bool:
    return (a.request, a.response, a.fault) == (b.request, b.response, b.fault) and list(
        a.response.body_doc
    ) == list(b.response.body_doc)


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.name)
def test_committed_interactions_build_the_same_either_way(path: Path) -> None:
    doc, _non_json = yaml_io._load_yaml(path.read_text(encoding="utf-8"), path)
    shape = validate._Shape(path)
    for index, item in enumerate(doc["interactions"]):
        fast = validate._well_formed_interaction(item)
        if fast is not None:
            assert same(fast, validate._interaction(shape, item, index))


STREAMED = {
    "request": {"method": "post", "uri": "https://api.openai.com/v1/chat/completions", "headers": {}},
    "response": {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": "text/event-stream", "set-cookie": ["a=1", "b=2"]},
        "body": {"sse": "data: 1\n\ndata: 2\n\n", "chunks": [[0, 5], [9, 12]]},
    },
}


def damaged(change: str) -> dict[str, Any]:
    item = copy.deepcopy(STREAMED)
    response, body = item["response"], item["response"]["body"]
    if change == "header int":
        response["headers"]["x-count"] = 3  # accepted by the full rule (as "3"), not by the fast one
    elif change == "header latin1":
        response["headers"]["x-name"] = {"latin1": "caf\xe9"}
    elif change == "chunks beyond the body":
        body["chunks"] = [[0, 5], [900, 12]]
    elif change == "chunks not starting at 0":
        body["chunks"] = [[3, 5]]
    elif change == "chunks on the request":
        item["request"]["body"] = {"text": "x", "chunks": [[0, 1]]}
    elif change == "two forms":
        body["text"] = "also"
    elif change == "bogus style":
        response["body"] = {"json": {}, "style": "indent9"}
    elif change == "status 700":
        response["status"]["code"] = 700
    elif change == "status true":
        response["status"]["code"] = True
    elif change == "no method":
        del item["request"]["method"]
    elif change == "fault too":
        item["fault"] = {"error": "ReadTimeout", "message": "timed out"}
    elif change == "text not a string":
        response["body"] = {"text": 5}
    return item


@pytest.mark.parametrize(
    "change",
    [
        "none",
        "header int",
        "header latin1",
        "chunks beyond the body",
        "chunks not starting at 0",
        "chunks on the request",
        "two forms",
        "bogus style",
        "status 700",
        "status true",
        "no method",
        "fault too",
        "text not a string",
    ],
)
def test_a_damaged_interaction_is_left_to_the_full_validator(change: str) -> None:
    item = damaged(change)
    fast = validate._well_formed_interaction(item)
    try:
        full = validate._interaction(validate._Shape("c.yaml"), item, 0)
    except CassetteError:
        assert fast is None
        return
    assert fast is None or same(fast, full)
    if change == "none":
        assert fast is not None  # the common case really is fast
