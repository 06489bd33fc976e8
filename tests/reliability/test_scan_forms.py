"""`llm-cassettes scan` reads a cassette the way the loader does: every hidden form of a secret is reported.

Each form below is a valid cassette (or a file a cassette directory really holds: a backup, a temp
file, another encoding) whose *loaded* content carries a secret, while its raw text does not show it
the way a line-by-line search expects: YAML escapes, folds, tags, anchors, block scalars, explicit
keys, UTF-16, base64 bodies, streamed pieces, the file's own name. The command must exit 1 naming the
file. The tests run the command in-process, as a user would run it from a shell.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from llm_cassettes.cli import main as cli_main

from .echo_provider import pieces

KEY = "sk-proj-HIDDENformKEY0123456789abcdefghijkl"
# A credential header's value with no shape at all: only the field it sits in gives it away.
OPAQUE = "opaqueHIDDENheaderVALUE0123456789"


def cassette(request_headers: str = "", content: str = "What is 2+2?", response_body: str = "") -> str:
    body = response_body or "      json:\n        id: chatcmpl-123\n"
    return (
        "meta:\n  format: 1\n  origin: recorded\n"
        "interactions:\n"
        "- request:\n"
        "    method: POST\n"
        "    uri: https://api.openai.com/v1/chat/completions\n"
        "    headers:\n"
        "      content-type: application/json\n"
        f"{request_headers}"
        "    body:\n      json:\n        model: gpt-4o-mini\n        messages:\n"
        f"        - role: user\n          content: {content}\n"
        "  response:\n    status:\n      code: 200\n      message: OK\n"
        "    headers:\n      content-type: application/json\n"
        f"    body:\n{body}"
    )


def _escaped(text: str, every: int = 1) -> str:
    return "".join(f"\\u{ord(c):04x}" if i % every == 0 else c for i, c in enumerate(text))


def _sse_body(events: list[str]) -> str:
    stream = "".join(f"data: {e}\n\n" for e in events) + "data: [DONE]\n\n"
    return "      sse: |\n" + "".join(f"        {line}\n" if line else "\n" for line in stream.splitlines())


def _delta(text: str) -> str:
    return json.dumps(
        {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}}]}
    )


def _streamed_in(size: int) -> str:
    return _sse_body([_delta(p) for p in pieces(f"Your key is {KEY}.", size)])


_BINARY = base64.b64encode(b"\x89PNG\xff\xfe\x00" + KEY.encode() + b"\x00\xc3\x28").decode()

# name -> (relative file path, file bytes)
HIDDEN_FORMS: dict[str, tuple[str, bytes]] = {
    "\\x escapes in a double-quoted scalar": (
        "m/t.yaml",
        cassette(content='"Use \\x73\\x6b-proj-HIDDENformKEY0123456789abcdefghijkl"').encode(),
    ),
    "\\u escapes in a double-quoted scalar": ("m/t.yaml", cassette(content=f'"{_escaped(KEY)}"').encode()),
    "a double-quoted scalar folded across lines": (
        "m/t.yaml",
        cassette(content=f'"Use {KEY[:12]}\\\n            {KEY[12:]}"').encode(),
    ),
    "a !!str-tagged header value": ("m/t.yaml", cassette(f"      x-api-key: !!str {OPAQUE}\n").encode()),
    "an anchored header value": ("m/t.yaml", cassette(f"      x-api-key: &credential {OPAQUE}\n").encode()),
    "an aliased header value": (
        "m/t.yaml",
        cassette("      x-api-key: *credential\n")
        .replace("  origin: recorded\n", f"  origin: recorded\n  note: &credential {OPAQUE}\n")
        .encode(),
    ),
    "a literal block scalar header value": (
        "m/t.yaml",
        cassette(f"      x-api-key: |-\n        {OPAQUE}\n").encode(),
    ),
    "a folded block scalar bearer token": (
        "m/t.yaml",
        cassette(f"      authorization: >-\n        Bearer\n        {OPAQUE}\n").encode(),
    ),
    "an explicit ? x-api-key key": ("m/t.yaml", cassette(f"      ? x-api-key\n      : {OPAQUE}\n").encode()),
    "an escaped header name": ("m/t.yaml", cassette(f'      "x-\\x61pi-key": {OPAQUE}\n').encode()),
    "flow-style headers": (
        "m/t.yaml",
        cassette()
        .replace(
            "    headers:\n      content-type: application/json\n    body:\n      json:\n        model",
            f'    headers: {{content-type: application/json, "x-api-key": "{OPAQUE}"}}\n'
            "    body:\n      json:\n        model",
            1,
        )
        .encode(),
    ),
    "a UTF-16 (LE, BOM) cassette": (
        "m/t.yaml",
        cassette(f"      authorization: Bearer {KEY}\n").encode("utf-16"),
    ),
    "a UTF-16 (BE, no BOM) cassette": (
        "m/t.yaml",
        cassette(f"      authorization: Bearer {KEY}\n").encode("utf-16-be"),
    ),
    "a *.yaml~ editor backup": ("m/t.yaml~", cassette(f"      authorization: Bearer {KEY}\n").encode()),
    "a temp file of a killed run": (
        "m/.llm-cassette-4242-x1y2.tmp",
        cassette(f"      authorization: Bearer {KEY}\n").encode(),
    ),
    "a base64 body": (
        "m/t.yaml",
        cassette(response_body=f"      base64: {_BINARY}\n").encode(),
    ),
    "a key streamed one character per event": ("m/t.yaml", cassette(response_body=_streamed_in(1)).encode()),
    "a key streamed four characters per event": (
        "m/t.yaml",
        cassette(response_body=_streamed_in(4)).encode(),
    ),
    "\\u escapes inside an SSE event": (
        "m/t.yaml",
        cassette(response_body=_sse_body([_delta("x").replace('"x"', f'"{_escaped(KEY, 3)}"')])).encode(),
    ),
    "\\u escapes in a JSON text body": (
        "m/t.yaml",
        cassette(
            response_body="      text: '"
            + json.dumps({"note": "x"}).replace('"x"', f'"{_escaped(KEY, 2)}"')
            + "'\n"
        ).encode(),
    ),
    "a key in the file name": (f"m/test_x[{KEY}].yaml", cassette().encode()),
    "a key in a YAML comment": ("m/t.yaml", (cassette() + f"# recorded with {KEY}\n").encode()),
    "a file that does not parse": (
        "m/t.yaml",
        cassette(f"      authorization: Bearer {KEY}\n").replace("interactions:", "interactions: [").encode(),
    ),
}


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli_main(["scan", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("form", sorted(HIDDEN_FORMS))
def test_scan_reports_a_secret_in_every_hidden_form(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    relative, data = HIDDEN_FORMS[form]
    path = tmp_path / "cassettes" / relative
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    if form not in (
        "a UTF-16 (BE, no BOM) cassette",
        "a file that does not parse",
        "an aliased header value",
    ):
        loaded = yaml.safe_load(data.decode("utf-16") if b"\x00" in data[:4] else data.decode())
        assert loaded["interactions"], form  # the form is real YAML that a loader reads
    code, output = _scan(capsys, str(tmp_path / "cassettes"))
    assert code == 1, f"{form}: exit {code}\n{output}"
    # The report names the file (a secret in its name masked, like any other).
    shown = str(path).replace(KEY, "sk-pro***kl")
    assert shown in output, f"{form}: the report does not name {shown}\n{output}"
    assert KEY not in output and OPAQUE not in output, "the report must mask what it found"


def test_scan_of_the_plain_template_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "t.yaml").write_text(cassette())
    (tmp_path / "m" / "s.yaml").write_text(
        cassette(response_body=_sse_body([_delta("Hello"), _delta(" there")]))
    )
    code, output = _scan(capsys, str(tmp_path))
    assert code == 0, output


def test_a_file_that_does_not_parse_is_reported_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.yaml").write_text(cassette().replace("interactions:", "interactions: ["))
    code, output = _scan(capsys, str(tmp_path))
    assert "t.yaml" in output and "not valid YAML" in output and "scanned as text" in output, output
    assert code == 0, output  # broken, but holding no secret


def test_a_cassette_that_cannot_be_decoded_is_unscannable_not_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.yaml").write_bytes(bytes(range(128, 256)) * 4)  # neither UTF-8 nor UTF-16 text
    code, output = _scan(capsys, str(tmp_path))
    assert code == 1, output
    assert "t.yaml" in output and "unscannable" in output, output
    assert "no secrets found" not in output


def test_scan_finds_the_value_of_a_key_variable_that_no_pattern_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.yaml").write_text(cassette(content=f"'My key is {OPAQUE}'"))
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    assert _scan(capsys, str(tmp_path))[0] == 0  # nothing says it is a secret...
    monkeypatch.setenv("OPENROUTER_API_KEY", OPAQUE)
    code, output = _scan(capsys, str(tmp_path))  # ...until it is the value of a provider key variable
    assert code == 1 and "OPENROUTER_API_KEY" in output and OPAQUE not in output, output


def test_an_invalid_pattern_is_a_usage_error_naming_it_and_where_it_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.yaml").write_text(cassette())
    code, output = _scan(capsys, str(tmp_path), "--pattern", "ACME-[0-9")
    assert code == 2, output
    assert "'ACME-[0-9'" in output and "--pattern" in output, output


def test_an_invalid_pattern_in_the_ini_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "llm_cassettes_secret_patterns =\n    ACME-[0-9]{8}\n    TICKET-(\n"
    )
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = result.stderr.str()
    assert "'TICKET-('" in errors and "llm_cassettes_secret_patterns" in errors, errors


def test_an_invalid_pattern_added_by_the_configure_hook_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(
        "def pytest_llm_cassettes_configure(config, settings):\n"
        "    settings.secret_patterns.append('TICKET-(')\n"
    )
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = result.stderr.str()
    assert "'TICKET-('" in errors and "pytest_llm_cassettes_configure" in errors, errors
