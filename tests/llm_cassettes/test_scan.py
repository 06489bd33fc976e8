"""Secret scanning: each planted secret found on its line, excerpts that never reveal one, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from secret_samples import (
    ALL_SECRETS,
    ANTHROPIC_KEY,
    ANTHROPIC_ORG,
    BEARER_TOKEN,
    COOKIE_VALUE,
    CUSTOM_PATTERN,
    CUSTOM_SECRET,
    OPENAI_KEY,
    OPENROUTER_KEY,
    ORG_ID,
    PROJECT_ID,
    SET_COOKIE_VALUE,
    SSE_API_KEY,
)

from llm_cassettes.cassette import (
    dumps,
    parse,
)
from llm_cassettes.cli.scan import main as scan_command
from llm_cassettes.secrets import scan_paths, scan_text, scrub_cassette

# ----------------------------------------------------------------------------------------- scanning

PLANTED_YAML = f"""\
meta:
  format: 1
  origin: recorded
interactions:
- request:
    method: POST
    uri: https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=abc123
    headers:
      authorization: Bearer {OPENAI_KEY}
      x-api-key: {ANTHROPIC_KEY}
      x-title: {OPENROUTER_KEY}
      cookie: session={COOKIE_VALUE}
      openai-organization: {ORG_ID}
      openai-project: {PROJECT_ID}
    body:
      json:
        api_key: shortkey
        messages:
        - role: user
          content: 'call it with {{"Authorization": "Bearer {BEARER_TOKEN}"}}'
  response:
    status: {{code: 200, message: OK}}
    headers:
      set-cookie:
      - __cf_bm=REDACTED
      - _cfuvid={SET_COOKIE_VALUE}
      anthropic-organization-id: {ANTHROPIC_ORG}
    body:
      sse: |
        data: {{"type":"delta","text":"{{\\"api_key\\": \\"{SSE_API_KEY}\\"}}"}}

        data: {{"note":"{CUSTOM_SECRET}"}}
"""

EXPECTED_LINES = {
    7: "credential-query-param",
    9: "bearer-token",
    10: "anthropic-key",
    11: "openrouter-key",
    12: "secret-header",
    13: "openai-org-id",
    14: "openai-project-id",
    17: "credential-field",
    20: "bearer-token",
    26: "secret-header",  # the second set-cookie list item
    27: "secret-header",
    30: "credential-json-field",
    32: "custom-pattern",
}


def test_scan_flags_each_planted_secret_on_its_line() -> None:
    findings = scan_text(PLANTED_YAML, "c.yaml", [CUSTOM_PATTERN])
    assert {f.line: f.kind for f in findings} == EXPECTED_LINES
    assert all(f.path == "c.yaml" for f in findings)
    lines = PLANTED_YAML.splitlines()
    for finding in findings:
        name = finding.excerpt.split(":")[0].strip(" -\"'")
        assert name in lines[finding.line - 1] or "***" in finding.excerpt


def test_scan_excerpts_never_reveal_a_secret() -> None:
    report = "\n".join(str(f) for f in scan_text(PLANTED_YAML, "c.yaml", [CUSTOM_PATTERN]))
    for secret in ALL_SECRETS:
        assert secret not in report
        assert secret[len(secret) // 2 :] not in report
    assert "***" in report


def test_scan_without_the_extra_pattern_misses_only_the_custom_secret() -> None:
    lines = {f.line for f in scan_text(PLANTED_YAML)}
    assert lines == set(EXPECTED_LINES) - {32}


def test_scan_works_on_a_file_that_does_not_parse() -> None:
    broken = "interactions: [\n  authorization: Bearer " + BEARER_TOKEN + "\n  {{{"
    assert [(f.line, f.kind) for f in scan_text(broken)] == [(2, "bearer-token")]


CLEAN_YAML = """\
meta:
  format: 1
  origin: recorded
interactions:
- request:
    method: POST
    uri: https://api.openai.com/v1/chat/completions?api-version=2024-06-01
    headers:
      content-type: application/json
      x-api-key: REDACTED
      authorization: Bearer REDACTED
    body:
      json:
        model: gpt-4o-mini
        max_tokens: 256
        messages:
        - role: user
          content: 'Bearer tokens and sk- prefixes are explained in the docs; "token_count" is 5.'
        - role: assistant
          content: |
            Set the header like this:
            Authorization: Bearer <YOUR_API_KEY>
            password: see the vault
            Use sk-learn-compatible-estimators for that.
  response:
    status: {code: 200, message: OK}
    headers:
      set-cookie:
      - __cf_bm=REDACTED
      - _cfuvid=REDACTED
      openai-organization: REDACTED
      anthropic-organization-id: REDACTED
      x-ratelimit-remaining-tokens: '9999'
      retry-after: '2'
    body:
      json:
        id: chatcmpl-AbC123xyz
        system_fingerprint: fp_0ba0d124f1
        usage: {prompt_tokens: 5, completion_tokens: 7, total_tokens: 12}
        choices:
        - logprobs: {content: [{token: Hello, logprob: -0.01}]}
          message: {role: assistant, content: "The REDACTED value is fine; email me at a@b.org"}
"""


def test_clean_cassette_text_scans_clean() -> None:
    assert scan_text(CLEAN_YAML) == []


def test_scrubbed_planted_yaml_scans_clean() -> None:
    # A hand-written cassette goes through parse -> scrub -> dumps and comes out clean.
    cassette = parse(
        PLANTED_YAML.replace("      set-cookie:\n      - __cf_bm=REDACTED\n", "      set-cookie:\n")
    )
    text = dumps(scrub_cassette(cassette, [CUSTOM_PATTERN]))
    assert scan_text(text, extra_patterns=[CUSTOM_PATTERN]) == []


def test_scan_paths_walks_directories(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "dirty.yaml").write_text(PLANTED_YAML)
    (tmp_path / "a" / "clean.yml").write_text(CLEAN_YAML)
    # Not a cassette, but a file in the cassette directory leaks as much as one: scanned too.
    (tmp_path / "a" / "notes.txt").write_text(f"authorization: Bearer {BEARER_TOKEN}")
    (tmp_path / "a" / "dirty.json").write_text(
        json.dumps({"headers": {"x-api-key": ANTHROPIC_KEY}}, indent=2)
    )
    findings = scan_paths([tmp_path])
    assert {Path(f.path).name for f in findings} == {"dirty.yaml", "dirty.json", "notes.txt"}
    json_finding = next(f for f in findings if f.path.endswith(".json"))
    assert (json_finding.line, json_finding.kind) == (3, "anthropic-key")
    with pytest.raises(FileNotFoundError, match="nope"):
        scan_paths([tmp_path / "nope"])


# ---------------------------------------------------------------------------------------------- CLI


def test_scan_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "c.yaml").write_text(CLEAN_YAML)
    assert scan_command([str(clean)]) == 0
    assert "no secrets found in 1 file" in capsys.readouterr().out

    dirty = tmp_path / "dirty.yaml"
    dirty.write_text(PLANTED_YAML)
    assert scan_command([str(clean), str(dirty)]) == 1
    out = capsys.readouterr().out
    assert f"{dirty}:9: bearer-token: authorization: Bearer sk-pro***" in out
    assert re.search(r"12 finding\(s\) in 1 of 2 files", out)
    assert OPENAI_KEY not in out

    assert scan_command([str(dirty), "--pattern", CUSTOM_PATTERN]) == 1
    assert f"{dirty}:32: custom-pattern:" in capsys.readouterr().out

    missing = tmp_path / "missing"
    assert scan_command([str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err
    assert scan_command([str(dirty), "--pattern", "(bad"]) == 2
    assert "(bad" in capsys.readouterr().err
    assert scan_command(["--help"]) == 0


def test_scan_command_defaults_to_the_cassettes_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert scan_command([]) == 2
    assert "cassettes" in capsys.readouterr().err
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "t.yaml").write_text(CLEAN_YAML)
    assert scan_command([]) == 0


def test_cli_dispatches_to_scan(tmp_path: Path) -> None:
    from llm_cassettes.cli import main

    (tmp_path / "c.yaml").write_text(PLANTED_YAML)
    assert main(["scan", str(tmp_path)]) == 1
