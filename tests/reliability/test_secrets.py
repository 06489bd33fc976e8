"""Zero leaks: secrets planted in every place a recording sees never reach a written file.

A real ``pytest --real-api`` subprocess records through the emulator while the test sends provider keys
in headers, a key in a query string, a bearer token and a key inside a JSON body, cookies, organisation
and project ids, and a string matching a user-configured pattern; the emulator answers with its own
organisation/project ids and set-cookie. Then every byte under the project is searched. The secret values
reach the test only through the environment, so not even the test's source holds them.

The scanner is then shown to flag each kind when planted into a cassette by hand.
"""

from __future__ import annotations

import pytest

from llm_cassettes.cassette import load, parse
from llm_cassettes.cli.scan import main as scan_command
from llm_cassettes.secrets import scan_paths, scan_text
from llm_cassettes.synthetic.emulator import Emulator
from llm_cassettes.synthetic.wire import anthropic, openai

from .projects import PLANTED_KEYS, make_project, run_project

CUSTOM_PATTERN = r"ACME-[0-9]{8}"

PLANTED = {
    **PLANTED_KEYS,
    "PLANT_QUERY_KEY": "AIzaSyRELIABILITYqueryKEY0123456789abcde",
    "PLANT_BODY_KEY": "body-secret-RELIABILITY-0123456789abcdef",
    "PLANT_BODY_BEARER": "RELIABILITYbearerTOKEN0123456789abcdef",
    "PLANT_COOKIE": "RELIABILITYcookieVALUE0123456789",
    "PLANT_ORG": "org-RELIABILITYorgID0123456789ab",
    "PLANT_PROJECT": "proj_RELIABILITYprojectID012345678",
    "PLANT_CUSTOM": "ACME-20260101",
}
# What the emulator sends back: response-side organisation/project ids and cookie (fake, but a real
# provider's would not be, so they must go just the same).
EMULATOR_SENDS = (
    openai.FAKE_ORGANIZATION,
    openai.FAKE_PROJECT,
    anthropic.FAKE_ORGANIZATION_ID,
    "FAKE-emulator-cf-bm-not-a-secret",
)

TEST_FILE = """
import os
import httpx
import pytest

E = os.environ


@pytest.mark.llm(provider=["openai", "anthropic", "openrouter"])
def test_every_kind_of_secret():
    openai = httpx.post(
        E["OPENAI_API_BASE"] + "/chat/completions?api_key=" + E["PLANT_QUERY_KEY"],
        json={
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "What is 2+2? Use Bearer " + E["PLANT_BODY_BEARER"]}],
            "api_key": E["PLANT_BODY_KEY"],
            "metadata": {"note": "ticket " + E["PLANT_CUSTOM"]},
        },
        headers={
            "Authorization": "Bearer " + E["OPENAI_API_KEY"],
            "OpenAI-Organization": E["PLANT_ORG"],
            "OpenAI-Project": E["PLANT_PROJECT"],
            "Cookie": "session=" + E["PLANT_COOKIE"] + "; theme=dark",
        },
    )
    assert openai.status_code == 200, openai.text
    assert "set-cookie" in openai.headers and "openai-organization" in openai.headers
    anthropic = httpx.post(
        E["ANTHROPIC_API_BASE"] + "/v1/messages",
        json={"model": "claude-3-5-haiku-20241022", "max_tokens": 20,
              "messages": [{"role": "user", "content": "What is 3+3?"}]},
        headers={"x-api-key": E["ANTHROPIC_API_KEY"], "anthropic-version": "2023-06-01"},
    )
    assert anthropic.status_code == 200, anthropic.text
    assert "anthropic-organization-id" in anthropic.headers
    openrouter = httpx.post(
        E["OPENROUTER_API_BASE"] + "/chat/completions",
        json={"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "What is 4+4?"}]},
        headers={"Authorization": "Bearer " + E["OPENROUTER_API_KEY"]},
    )
    assert openrouter.status_code == 200, openrouter.text
"""


def test_recording_writes_no_planted_secret_anywhere(tmp_path) -> None:
    project = make_project(
        tmp_path / "p",
        {"test_secrets.py": TEST_FILE},
        ini_extra=f"llm_cassettes_secret_patterns =\n    {CUSTOM_PATTERN}\n",
    )
    with Emulator() as emulator:
        result = run_project(
            project, "--real-api", "--rate-delay", "0", "--llm-report", "report.json",
            env={**emulator.env(), **PLANTED},
        )  # fmt: skip
        seen = b"".join(r.raw + repr(r.headers).encode() for r in emulator.requests)
    assert result.returncode == 0, result.stdout + result.stderr
    # The secrets really were sent (so their absence below means scrubbing, not a test that never ran).
    for name in ("OPENAI_API_KEY", "PLANT_BODY_KEY", "PLANT_BODY_BEARER", "PLANT_CUSTOM"):
        assert PLANTED[name].encode() in seen, name

    cassette_path = project / "cassettes" / "test_secrets.py" / "test_every_kind_of_secret.yaml"
    cassette = load(cassette_path)
    assert len(cassette.interactions) == 3
    everything = b"".join(p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file())
    leaked = [name for name, value in PLANTED.items() if value.encode() in everything]
    leaked += [value for value in EMULATOR_SENDS if value.encode() in everything]
    assert leaked == [], f"leaked into {project}: {leaked}"
    for value in [*PLANTED.values(), *EMULATOR_SENDS]:
        assert value not in result.stdout + result.stderr
    # The scrubbed file is clean by the scanner's standard too, custom pattern included.
    assert scan_paths([project / "cassettes"], [CUSTOM_PATTERN]) == []
    # Scrubbing keeps the shape a reader needs: the cookie name, the fact a header was sent.
    text = cassette_path.read_text()
    assert "__cf_bm=REDACTED" in text and "openai-organization: REDACTED" in text


# A cassette written by hand, with one slot per place a secret can hide.
TEMPLATE = """meta:
  format: 1
  origin: recorded
interactions:
- request:
    method: POST
    uri: https://api.openai.com/v1/chat/completions{query}
    headers:
      content-type: application/json
{request_header}    body:
      json:
        model: gpt-4o-mini
        messages:
        - role: user
          content: {content}
{body_field}  response:
    status:
      code: 200
      message: OK
    headers:
      content-type: application/json
{response_header}    body:
      json:
        id: chatcmpl-123
"""
SLOTS = {
    "query": "",
    "request_header": "",
    "content": "What is 2+2?",
    "body_field": "",
    "response_header": "",
}

HAND_PLANTS = {
    "openai key in a header": (
        "request_header",
        f"      authorization: Bearer {PLANTED['OPENAI_API_KEY']}\n",
    ),
    "anthropic key in a header": ("request_header", f"      x-api-key: {PLANTED['ANTHROPIC_API_KEY']}\n"),
    "openrouter key in a header": (
        "request_header",
        f"      authorization: Bearer {PLANTED['OPENROUTER_API_KEY']}\n",
    ),
    "key in a query string": ("query", f"?key={PLANTED['PLANT_QUERY_KEY']}"),
    "bearer token in a JSON body": ("content", f"'Use Bearer {PLANTED['PLANT_BODY_BEARER']}'"),
    "key in a JSON body": ("body_field", f"        api_key: {PLANTED['PLANT_BODY_KEY']}\n"),
    "request cookie": ("request_header", f"      cookie: session={PLANTED['PLANT_COOKIE']}\n"),
    "response set-cookie": (
        "response_header",
        "      set-cookie: __cf_bm=Zm9vYmFyYmF6MTIzNDU2Nzg5; path=/; HttpOnly\n",
    ),
    "organisation id": ("response_header", f"      openai-organization: {PLANTED['PLANT_ORG']}\n"),
    "project id": ("response_header", f"      openai-project: {PLANTED['PLANT_PROJECT']}\n"),
    "anthropic organisation id": (
        "response_header",
        "      anthropic-organization-id: 3f1b6c2e-8a4d-4e2f-9b1a-0c5d7e9f1a2b\n",
    ),
    "project id in a body": ("body_field", f"        project: {PLANTED['PLANT_PROJECT']}\n"),
}


def _planted(slot: str, value: str) -> str:
    return TEMPLATE.format(**{**SLOTS, slot: value})


def test_hand_written_template_is_clean_and_valid() -> None:
    text = TEMPLATE.format(**SLOTS)
    parse(text, "template.yaml")
    assert scan_text(text, "template.yaml") == []


@pytest.mark.parametrize("kind", sorted(HAND_PLANTS))
def test_scanner_flags_a_secret_planted_by_hand(kind: str) -> None:
    slot, value = HAND_PLANTS[kind]
    text = _planted(slot, value)
    parse(text, "planted.yaml")  # still a valid cassette: the scan must not rely on it being broken
    line = next(n for n, row in enumerate(text.splitlines(), 1) if value.strip().strip("'?") in row)
    findings = scan_text(text, "planted.yaml")
    assert [f.line for f in findings] == [line], (kind, findings)


def test_custom_pattern_is_flagged_by_scan_and_its_cli(tmp_path, capsys) -> None:
    text = _planted("content", f"'ticket {PLANTED['PLANT_CUSTOM']}'")
    assert scan_text(text, "c.yaml") == []  # not a secret by default...
    findings = scan_text(text, "c.yaml", [CUSTOM_PATTERN])
    assert [f.kind for f in findings] == ["custom-pattern"]  # ...but by the user's rule
    (tmp_path / "c.yaml").write_text(text)
    assert scan_command([str(tmp_path), "--pattern", CUSTOM_PATTERN]) == 1
    assert "custom-pattern" in capsys.readouterr().out
    assert scan_command([str(tmp_path)]) == 0
