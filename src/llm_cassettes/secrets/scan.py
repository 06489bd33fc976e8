"""Scan cassette files for secrets that survived scrubbing (or were planted by a hand edit).

A file is read as strongly as the loader reads it, and then some:

- decoded from UTF-8 or UTF-16/32 (with or without a byte order mark); a cassette that cannot be
  decoded at all is reported *unscannable*, never clean;
- parsed with the safe YAML loader and every decoded string judged (:mod:`.decoded`): escapes, folds,
  tags, anchors, block scalars, explicit keys, ``base64:`` bodies, the joined text of streams;
- searched as raw text line by line too, so a comment, or a file that does not parse (reported as
  such), is still checked;
- its own name checked (a key-shaped parametrize id would end up there).

A directory is scanned whole: backups (``*.yaml~``), temp files of a killed run and any other file a
cassette directory holds can leak as much as a cassette.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .decoded import compose, decoded_hits
from .known import KnownValue
from .matcher import _mask, _mask_value, _Matcher, matcher_for
from .patterns import _CREDENTIAL_NAME, _field_kind, _split_quotes, _value_is_safe


@dataclass(frozen=True)
class Finding:
    """One secret in a file; ``excerpt`` masks the middle of the secret, ``field`` says where it sits."""

    path: str
    line: int
    kind: str
    excerpt: str
    field: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.excerpt}" + (
            f"  [{self.field}]" if self.field else ""
        )


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files read as text only (they do not parse)
    unscannable: list[str] = field(default_factory=list)  # files that could not be decoded at all
    files: int = 0


# ---------------------------------------------------------------------------------------- raw text

# "set-cookie:" with the values on the following "- a=b" lines (how repeated headers are written).
_LIST_FIELD = re.compile(
    r"^(?P<indent>[ \t]*)[\"']?(?P<name>" + _CREDENTIAL_NAME + r")[\"']?[ \t]*:[ \t]*\n"
    r"(?P<items>(?:(?P=indent)[ \t]*-[ \t]+[^\n]*(?:\n|$))+)",
    re.MULTILINE | re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^[ \t]*-[ \t]+(?P<value>[^\n]*?)[ \t]*$", re.MULTILINE)
_EXCERPT_LIMIT = 100


def _line_findings(text: str, path: str, matcher: _Matcher) -> list[Finding]:
    """Secret-shaped strings and unredacted credential fields in the raw text, by line."""
    found: list[tuple[int, str, str]] = []  # (offset, kind, excerpt)
    flagged: set[int] = set()
    regions = matcher.regions(text)
    for hit in matcher.hits(text, regions):
        found.append((hit.start, hit.kind, " ".join(hit.excerpt.split())[:_EXCERPT_LIMIT]))
        flagged.add(text.rfind("\n", 0, hit.start) + 1)
    for start, _ in regions:
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


def _text_findings(text: str, path: str, matcher: _Matcher) -> tuple[list[Finding], str | None]:
    """Findings of the decoded content and of the raw lines, one per line; and a note if it is not YAML."""
    lines = _line_findings(text, path, matcher)
    try:
        nodes = compose(text)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return lines, f"{path}: not valid YAML{where}; scanned as text only"
    decoded = [Finding(path, h.line, h.kind, h.excerpt, h.field) for h in decoded_hits(nodes, matcher)]
    on_lines = {f.line for f in decoded}
    return sorted([*decoded, *(f for f in lines if f.line not in on_lines)], key=_order), None


def _order(finding: Finding) -> tuple[int, str, str]:
    return finding.line, finding.field, finding.kind


def name_findings(name: str, path: str, matcher: _Matcher) -> list[Finding]:
    return [
        Finding(path, 0, hit.kind, f"file name: {hit.excerpt}", "file name") for hit in matcher.hits(name)
    ]


def masked_path(path: str, matcher: _Matcher) -> str:
    """``path`` as a report may print it: a secret in a directory or file name masked."""
    for start, end in reversed(matcher.spans(path)):
        path = path[:start] + _mask(path[start:end]) + path[end:]
    return path


def scan_text(
    text: str, path: str = "<text>", extra_patterns: Sequence[str] = (), known: Iterable[KnownValue] = ()
) -> list[Finding]:
    """Secrets in cassette text: in its decoded content (when it parses) and in its raw lines."""
    return _text_findings(text, path, matcher_for(extra_patterns, known))[0]


def leftover_secrets(
    text: str, name: str, extra_patterns: Sequence[str] = (), known: Iterable[KnownValue] = ()
) -> list[Finding]:
    """What the scan would report in a cassette about to be written as ``name`` (the fail-closed check)."""
    matcher = matcher_for(extra_patterns, known)
    return [*name_findings(name, name, matcher), *_text_findings(text, name, matcher)[0]]


# ------------------------------------------------------------------------------------------ files

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> str | None:
    """The text of a file in any encoding a YAML file may use; None when it is none of them."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                return None
    # No byte order mark: YAML tells UTF-16 by the zero byte beside the first (ASCII) character. (Zero
    # bytes are valid UTF-8, so this comes first: YAML text never holds one.)
    codec = "utf-8"
    if len(data) >= 2 and data[0] == 0 and data[1] != 0:
        codec = "utf-16-be"
    elif len(data) >= 2 and data[1] == 0 and data[0] != 0:
        codec = "utf-16-le"
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


# Names a cassette (or a copy of one) goes by: *.yaml, *.yml, *.json, and whatever an editor, a backup
# or a killed write appends to them.
_CASSETTE_NAME = re.compile(r"(?i)\.(?:ya?ml|json)\b|^\.llm-cassette-")


def scan_data(data: bytes, path: str, matcher: _Matcher, report: ScanReport) -> None:
    """Add the findings of one file's bytes (named ``path``) to ``report``."""
    name = Path(path).name
    report.files += 1
    path = masked_path(path, matcher)
    report.findings += name_findings(name, path, matcher)
    text = decode(data)
    if text is None:
        # Still searched (as bytes), but a file that cannot be read can never be shown clean.
        report.findings += _line_findings(data.decode("latin-1"), path, matcher)
        if _CASSETTE_NAME.search(name):
            report.unscannable.append(path)
            report.findings.append(
                Finding(path, 0, "unscannable", "neither UTF-8 nor UTF-16/32 text: it cannot be read")
            )
        return
    findings, note = _text_findings(text, path, matcher)
    report.findings += findings
    if note is not None and _CASSETTE_NAME.search(name):
        report.notes.append(note)


def files_to_scan(paths: Sequence[str | Path]) -> list[Path]:
    """Every regular file under the directories (any name), and the files given."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and ".git" not in p.relative_to(path).parts)
            files.extend(sorted(found))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return files


def scan_files(
    files: Sequence[Path], extra_patterns: Sequence[str] = (), known: Iterable[KnownValue] = ()
) -> ScanReport:
    matcher = matcher_for(extra_patterns, known)
    report = ScanReport()
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            report.unscannable.append(str(file))
            report.findings.append(
                Finding(str(file), 0, "unscannable", f"cannot be read: {exc.strerror or exc}")
            )
            continue
        scan_data(data, str(file), matcher, report)
    return report


def scan_paths(
    paths: Sequence[str | Path], extra_patterns: Sequence[str] = (), known: Iterable[KnownValue] = ()
) -> list[Finding]:
    """Scan files and directories (every file under them); the findings, unscannable files included."""
    return scan_files(files_to_scan(paths), extra_patterns, known).findings
