"""Scan cassette files for secrets that survived (or were planted by a hand edit).

:func:`scan_text` / :func:`scan_paths` read the *raw text* of cassette files, line by line, so they also
catch what a hand edit planted, even in a file that no longer parses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .matcher import _mask_value, _matcher
from .patterns import _CREDENTIAL_NAME, _field_kind, _split_quotes, _value_is_safe

# -------------------------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class Finding:
    """One secret-shaped string in a file; ``excerpt`` masks the middle of the secret."""

    path: str
    line: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.excerpt}"


# "set-cookie:" with the values on the following "- a=b" lines (how repeated headers are written).
_LIST_FIELD = re.compile(
    r"^(?P<indent>[ \t]*)[\"']?(?P<name>" + _CREDENTIAL_NAME + r")[\"']?[ \t]*:[ \t]*\n"
    r"(?P<items>(?:(?P=indent)[ \t]*-[ \t]+[^\n]*(?:\n|$))+)",
    re.MULTILINE | re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^[ \t]*-[ \t]+(?P<value>[^\n]*?)[ \t]*$", re.MULTILINE)
_EXCERPT_LIMIT = 100


def scan_text(text: str, path: str = "<text>", extra_patterns: Sequence[str] = ()) -> list[Finding]:
    """Secret-shaped strings and unredacted credential fields in raw (YAML/JSON) text, by line."""
    matcher = _matcher(tuple(extra_patterns))
    found: list[tuple[int, str, str]] = []  # (offset, kind, excerpt)
    flagged: set[int] = set()
    regions = matcher.regions(text)
    for hit in matcher.hits(text, regions):
        found.append((hit.start, hit.kind, " ".join(hit.excerpt.split())[:_EXCERPT_LIMIT]))
        flagged.add(text.rfind("\n", 0, hit.start) + 1)
    for start, _ in regions:
        # Repeated headers are written as "set-cookie:" followed by "- value" lines.
        m = _LIST_FIELD.match(text, start)
        if m is None:
            continue
        name = m["name"]
        for item in _LIST_ITEM.finditer(m["items"]):
            value = item["value"]
            offset = m.start("items") + item.start()
            if value and offset not in flagged and not _value_is_safe(name, value):
                found.append((offset, _field_kind(name), f"- {_mask_value(_split_quotes(value)[1])}"))
    found.sort()
    findings: list[Finding] = []
    line, position = 1, 0
    for offset, kind, excerpt in found:  # line numbers by counting newlines once, in order
        line += text.count("\n", position, offset)
        position = offset
        findings.append(Finding(path, line, kind, excerpt))
    return findings


_SCAN_SUFFIXES = (".yaml", ".yml", ".json")


def files_to_scan(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SCAN_SUFFIXES)
            files.extend(sorted(found))
        elif path.is_file():
            files.append(path)  # named explicitly: scanned whatever its extension
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return files


def scan_paths(paths: Sequence[str | Path], extra_patterns: Sequence[str] = ()) -> list[Finding]:
    """Scan files and directories (recursively ``*.yaml``, ``*.yml``, ``*.json``)."""
    return scan_files(files_to_scan(paths), extra_patterns)


def scan_files(files: Sequence[Path], extra_patterns: Sequence[str]) -> list[Finding]:
    findings: list[Finding] = []
    for file in files:
        # errors="replace": a damaged file must still be scanned, not crash the scanner.
        text = file.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_text(text, str(file), extra_patterns))
    return findings
