"""Where a planted secret survives in a project's files: raw bytes, other encodings, and decoded content.

The test-side truth for the secret tests, written independently of the engine's scrubber and scanner:
a secret counts as leaked if any file holds it byte for byte, in UTF-16, in base64 (any alignment,
standard or URL-safe alphabet), or once the file is decoded the way a loader would: YAML parsed (its
escapes, folds, tags and anchors resolved), ``base64:`` bodies decoded, JSON text parsed, and the
pieces of a streamed reply joined.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


def encoded_forms(secret: str) -> list[bytes]:
    """Byte strings whose presence in a file gives ``secret`` away."""
    raw = secret.encode()
    forms = [raw, secret.encode("utf-16-le"), secret.encode("utf-16-be")]
    for offset in range(3):
        padded = b"\0" * offset + raw
        usable = (len(padded) // 3) * 4  # characters that depend on complete 3-byte groups only
        start = 4 if offset else 0  # the first group holds padding bytes
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.append(encode(padded)[start:usable])
    return forms


def _yaml_documents(data: bytes) -> Iterator[Any]:
    for encoding in ("utf-8", "utf-16", "utf-32"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        with contextlib.suppress(yaml.YAMLError):
            yield from yaml.safe_load_all(text)
        return


_STREAM_FIELDS = ("content", "text", "partial_json", "arguments", "thinking")


def _stream_text(sse: str) -> str:
    """Every text fragment of every event, joined: what the client reassembles."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _STREAM_FIELDS and isinstance(item, str):
                    parts.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for line in sse.splitlines():
        if line.startswith("data:"):
            try:
                walk(json.loads(line[5:]))
            except ValueError:
                continue
    return "".join(parts)


def decoded_strings(value: Any) -> Iterator[str | bytes]:
    """Every string of a loaded document, plus what its bodies decode to."""
    if isinstance(value, str):
        yield value
        stripped = value.strip()
        if stripped[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                yield from decoded_strings(json.loads(stripped))
    elif isinstance(value, bytes):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from decoded_strings(key)
            if key == "base64" and isinstance(item, str):
                with contextlib.suppress(ValueError):
                    yield base64.b64decode(item)
            elif key == "sse" and isinstance(item, str):
                yield _stream_text(item)
            yield from decoded_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from decoded_strings(item)


def file_leaks(path: Path, secrets: dict[str, str]) -> list[str]:
    """``"<secret name> in <how>"`` for every way ``path`` gives a secret away."""
    data = path.read_bytes()
    found: list[str] = []
    for name, secret in secrets.items():
        if secret in path.name:
            found.append(f"{name} in the file name")
        if any(form in data for form in encoded_forms(secret)):
            found.append(f"{name} in the bytes")
    decoded = [s for doc in _yaml_documents(data) for s in decoded_strings(doc)]
    for name, secret in secrets.items():
        forms = encoded_forms(secret)
        for item in decoded:
            hit = secret in item if isinstance(item, str) else any(form in item for form in forms)
            if hit:
                found.append(f"{name} in the decoded content")
                break
    return found


def project_leaks(root: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    """Leaks per file under ``root`` (cassettes, temp files, reports); the tests' own sources aside."""
    leaks: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        found = file_leaks(path, secrets)
        if found:
            leaks[str(path.relative_to(root))] = sorted(set(found))
    return leaks
