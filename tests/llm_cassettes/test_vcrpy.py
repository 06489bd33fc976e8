"""Importing vcrpy cassettes (gzip, secrets, repeated headers) and exporting back, via vcrpy's serializer."""

from __future__ import annotations

import gzip
import json

from vcr.request import Request as VcrRequest
from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

from llm_cassettes.cassette import dumps, load, parse
from llm_cassettes.cassette.vcrpy import to_vcrpy_text
from llm_cassettes.cli.convert import from_vcrpy_text
from llm_cassettes.cli.convert import main as convert_command
from llm_cassettes.engine.matching import RequestIndex, request_key

URI = "https://api.openai.com/v1/chat/completions"
REQUEST = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]}
ANSWER = {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"message": {"content": "4"}}]}
KEY = "sk-proj-LEAKEDvcrpyKEY0123456789abcdefghij"


def _vcrpy_cassette() -> str:
    body = (json.dumps(ANSWER, indent=2) + "\n").encode()
    request = VcrRequest(
        "POST",
        URI,
        json.dumps(REQUEST, separators=(",", ":")),
        {"authorization": [f"Bearer {KEY}"], "content-type": ["application/json"]},
    )
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "content-type": ["application/json"],
            "content-encoding": ["gzip"],
            "set-cookie": ["__cf_bm=abc; path=/", "_cfuvid=def; path=/"],
            "retry-after": ["7"],
        },
        "body": {"string": gzip.compress(body)},
    }
    return serialize({"requests": [request], "responses": [response]}, yamlserializer)


def test_import_decodes_gzip_scrubs_secrets_and_matches_the_original_request():
    text = _vcrpy_cassette()
    assert "!!binary" in text  # what vcrpy writes for a gzip body
    cassette = from_vcrpy_text(text, "old.yaml")
    response = cassette.interactions[0].response
    assert json.loads(response.body) == ANSWER
    assert response.body_doc["style"] == "indent2+newline"  # the exact bytes, readable
    assert dict(response.headers)["retry-after"] == "7"
    assert "content-encoding" not in dict(response.headers)
    assert cassette.meta["origin"] == "recorded"
    written = dumps(cassette)
    assert KEY not in written and "abc" not in written and "def;" not in written
    reloaded = parse(written, "new.yaml")
    index = RequestIndex(reloaded.interactions)
    assert index.take(request_key("POST", URI, REQUEST)) == 0


def test_export_is_read_back_by_vcrpy_and_imports_to_the_same_exchange():
    ours = from_vcrpy_text(_vcrpy_cassette())
    exported = to_vcrpy_text(ours)
    requests, responses = deserialize(exported, yamlserializer)[:2]
    assert requests[0].uri == URI and json.loads(requests[0].body) == REQUEST
    assert json.loads(responses[0]["body"]["string"]) == ANSWER
    again = from_vcrpy_text(exported)
    assert again.interactions[0].response.body == ours.interactions[0].response.body


def test_convert_command_writes_a_cassette_and_rejects_a_foreign_file(tmp_path, capsys):
    source = tmp_path / "old.yaml"
    source.write_text(_vcrpy_cassette())
    target = tmp_path / "cassettes" / "test_x" / "test_y.yaml"
    assert convert_command([str(source), str(target)]) == 0
    assert json.loads(load(target).interactions[0].response.body) == ANSWER
    back = tmp_path / "back.yaml"
    assert convert_command([str(target), str(back), "--to-vcrpy"]) == 0
    assert "interactions:" in back.read_text()

    foreign = tmp_path / "notes.yaml"
    foreign.write_text("just: a mapping\n")
    assert convert_command([str(foreign), str(tmp_path / "out.yaml")]) == 2
    err = capsys.readouterr().err
    assert "notes.yaml: not a vcrpy cassette" in err
    assert not (tmp_path / "out.yaml").exists()
