"""A fast loader for cassette YAML that yields exactly what PyYAML's safe loader yields, or declines.

PyYAML's C loader only parses in C: every node is then resolved and constructed in Python, ~0.4 ms for a
small cassette and ~7 s for a 10,000-interaction one. yaml-rs (Rust) builds the same Python objects about
ten times faster, but it reads YAML 1.2 where PyYAML reads YAML 1.1, and the two disagree on some plain
scalars (``yes``/``no``/``on``/``off``, ``1e3``, ``017``, ``12:30``, dates, ``+.5``), on tags, merge keys,
duplicate keys, tabs, NEL/LS/PS line breaks and control characters. So yaml-rs is used only on text where
none of that can matter, which :func:`fast_path_applies` checks first with C-speed scans of the UTF-8:

- every character is one PyYAML accepts and neither parser treats specially (no tab, CR, NEL, LS, PS,
  BOM, control character);
- outside the content of block scalars (``|`` / ``>`` text, found by indentation): no ``!`` (tag), ``&``
  (anchor) or ``*`` (alias) where a node starts, no flow collection other than an empty ``{}`` / ``[]``
  or a one-line list of plain words and numbers (the dumper writes no other), and no directive or
  document marker at a line start;
- every plain scalar there that either parser could read as something other than a string (it starts
  with a digit, a sign, ``.``, ``~``, ``<`` or ``=``, or is one of YAML 1.1's yes/no/on/off words) is read
  the same by both: each distinct one is resolved by both parsers once and the verdict remembered.

Anything else, and any yaml-rs error, returns None: the caller loads the text with PyYAML as before,
which also words the error for a broken file. The checks over-approximate (a quoted string can look like
a tag, an unrecognised block is scanned as structure): a false alarm costs speed, never a different
document. Each check is a handful of passes over the bytes (``translate``, ``count``, ``find`` and
regular expressions that start with a literal), ~0.1 s for 20 MB.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

try:  # an accelerator: without it every cassette loads with PyYAML
    import yaml_rs
except ImportError:  # pragma: no cover - yaml-rs is a dependency; this keeps a partial install working
    yaml_rs = None

# ------------------------------------------------------------------------------------ characters

# Bytes PyYAML refuses or reads otherwise than yaml-rs: C0 controls but the line feed (tab and CR among
# them) and DEL. Deleting every other byte leaves nothing when none occurs.
_SAFE_BYTES = bytes(b for b in range(256) if b == 0x0A or 0x20 <= b != 0x7F)
# Beyond ASCII: C1 controls (NEL among them) in UTF-8, and LS, PS, BOM and the two non-characters.
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")
_UNSAFE_NON_ASCII = ("\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff")


def _unsafe_characters(text: str, data: bytes) -> bool:
    if data.translate(None, _SAFE_BYTES):
        return True
    if text.isascii():
        return False
    return any(character in text for character in _UNSAFE_NON_ASCII) or bool(_C1_CONTROL.search(data))


# ------------------------------------------------------------------------------------ block scalars

_SPACE, _LINE_FEED, _QUESTION_MARK, _HASH = 0x20, 0x0A, 0x3F, b"#"
_PARENT_COLUMN = re.compile(rb" *+(?:- )*+")
_FIRST_CONTENT_INDENT = re.compile(rb"(?:[ ]*\n)*( *)")


@lru_cache(maxsize=128)
def _content_end(indent: int) -> re.Pattern[bytes]:
    """The line break before the first line that is neither blank nor indented by ``indent``."""
    return re.compile(rb"\n(?![ ]{%d}|[ ]*(?:\n|\Z))" % indent)


def _block_header_at(data: bytes, indicator: int) -> int:
    """Where the content of a block scalar whose ``|``/``>`` is at ``indicator`` starts; -1 if none does.

    A header is the indicator, an optional chomping ``-``/``+`` and the end of the line, after a space or
    at a line start, on a line without ``#`` (a comment could hide the indicator's real meaning). With an
    indentation digit it is not recognised, and its lines are checked as structure.
    """
    end = indicator + 1
    if data.startswith((b"-", b"+"), end):
        end += 1
    while data.startswith(b" ", end):
        end += 1
    if not data.startswith(b"\n", end) or (indicator > 0 and data[indicator - 1] not in (_SPACE, _LINE_FEED)):
        return -1
    if data.find(_HASH, data.rfind(b"\n", 0, indicator) + 1, indicator) != -1:
        return -1
    return end + 1


def _structure(data: bytes) -> bytes:
    """``data`` without the content lines of its block scalars (free text: no structure, no typing)."""
    kept: list[bytes] = []
    kept_from = position = 0
    find = data.find
    # The next "|" and ">": each is searched again only once passed, so a text without ">" is not
    # rescanned to its end for every block.
    bar, fold = find(b"|"), find(b">")
    while True:
        if 0 <= bar < position:
            bar = find(b"|", position)
        if 0 <= fold < position:
            fold = find(b">", position)
        at = min(bar, fold) if bar != -1 and fold != -1 else max(bar, fold)
        if at == -1:
            break
        start = _block_header_at(data, at)
        if start == -1:
            position = at + 1
            continue
        line_start = data.rfind(b"\n", 0, at) + 1
        parent = _PARENT_COLUMN.match(data, line_start).end() - line_start  # the column its node is at
        indent = len(_FIRST_CONTENT_INDENT.match(data, start).group(1))
        if indent <= parent:  # an empty block: what follows is structure
            position = start
            continue
        found = _content_end(indent).search(data, start - 1)
        end = found.end() if found else len(data)
        kept.append(data[kept_from:start])
        kept_from = position = end
    kept.append(data[kept_from:])
    return b"".join(kept)


# ------------------------------------------------------------------------------------ structure

_INDICATORS = b"-?:"
_CLOSERS = {ord("["): ord("]"), ord("{"): ord("}")}


def _at_node_start(data: bytes, at: int) -> bool:
    # Only block context matters: a flow collection is refused where it starts, so a node starts after a
    # line break, or after a block indicator and a space.
    before = at - 1
    while before >= 0 and data[before] == _SPACE:
        before -= 1
    return before < 0 or data[before] == _LINE_FEED or (before < at - 1 and data[before] in _INDICATORS)


def _empty_flow_at(data: bytes, at: int) -> bool:
    """``{}`` or ``[]`` at ``at``, closing its line."""
    end = at + 2
    while data.startswith(b" ", end):
        end += 1
    return data[at + 1 : at + 2] == bytes((_CLOSERS[data[at]],)) and (
        end == len(data) or data[end] == _LINE_FEED
    )


# A one-line flow list of plain scalars that cannot hold flow indicators (numbers, words): the dumper
# writes a streamed body's chunk timings so, ``- [0, 600]``. Its items are checked like any plain scalar.
_SIMPLE_FLOW_LIST = re.compile(rb"\[ *+([0-9A-Za-z_.+-]++(?: *+, *+[0-9A-Za-z_.+-]++)*+) *+\] *+(?:\n|\Z)")
_FLOW_ITEM_SEPARATOR = re.compile(rb" *, *")


def _simple_flow_list_at(data: bytes, at: int) -> bool:
    before = at - 1
    while before >= 0 and data[before] == _SPACE:
        before -= 1
    if before >= 0 and data[before] == _QUESTION_MARK:  # a key: PyYAML refuses a list as a mapping key
        return False
    found = _SIMPLE_FLOW_LIST.match(data, at)
    return found is not None and all(_read_alike(item) for item in _FLOW_ITEM_SEPARATOR.split(found.group(1)))


def _unsafe_structure(structure: bytes) -> bool:
    """A tag, anchor, alias or flow collection (but ``[]``, ``{}`` and simple lists) where a node starts,
    a directive, a document marker."""
    find = structure.find
    for character in (b"[", b"{", b"!", b"&", b"*"):
        at = find(character)
        while at != -1:
            if _at_node_start(structure, at) and not (
                (character in b"[{" and _empty_flow_at(structure, at))
                or (character == b"[" and _simple_flow_list_at(structure, at))
            ):
                return True
            at = find(character, at + 1)
    if structure.startswith((b"%", b"---", b"...")) or b"\n%" in structure or b"\n---" in structure:
        return True
    at = find(b"\n...")
    # "..." as the last line is how PyYAML ends a document whose last block keeps its line breaks.
    return at != -1 and structure[at + 4 :].strip(b"\n") != b""


# ------------------------------------------------------------------------------------ plain scalars

# Plain scalars the two parsers could type differently: where a node starts, a scalar that starts like
# a number, null or merge key, or one of YAML 1.1's extra booleans. Captured to the end of the line; the
# key part (before ``: ``) and any comment are cut off afterwards, once per distinct capture.
# The booleans as character classes: one test per character instead of twelve alternatives (what else
# they let through, "yES" or "oFf", is only checked in vain).
_TYPED = rb"([0-9+.~<=-][^\n]*|(?:[yY][eE][sS]|[nN][oO]|[oO](?:[nN]|[fF][fF]))(?=[ \n:#]|\Z)[^\n]*)"
_TYPED_VALUE = re.compile(rb": ++" + _TYPED)
_TYPED_AT_LINE_START = re.compile(rb"\n *+(?:[-?] ++)*+" + _TYPED)
_TYPED_AT_TEXT_START = re.compile(rb" *+(?:[-?] ++)*+" + _TYPED)

_YAML11_ONLY_BOOLEANS = frozenset(
    ["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]
)
_PLAIN_TYPES = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_verdicts: dict[bytes, bool] = {}  # captured plain scalar -> both parsers read it the same
_MAX_VERDICTS = 100_000


def _plain_scalar(capture: str) -> str:
    """The scalar a capture starts with: up to a ``: `` or a trailing ``:`` (a key) or a comment."""
    key_end = capture.find(": ")
    if key_end >= 0:
        capture = capture[:key_end]
    elif capture.endswith(":"):
        capture = capture[:-1]
    comment = capture.find(" #")
    if comment >= 0:
        capture = capture[:comment]
    return capture.rstrip(" ")


def _pyyaml_scalar(scalar: str) -> Any:
    tag = _resolver.resolve(yaml.ScalarNode, scalar, (True, False))
    if tag not in _PLAIN_TYPES:
        raise ValueError(tag)  # a timestamp, a merge key, "=": yaml-rs gives none of them
    return _constructor.construct_object(yaml.ScalarNode(tag, scalar))


def _same_scalar(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):  # nan != nan, and 0.0 == -0.0 although json.dumps tells them apart
        return repr(a) == repr(b)
    return bool(a == b)


def _read_alike(capture: bytes) -> bool:
    verdict = _verdicts.get(capture)
    if verdict is None:
        verdict = False
        scalar = _plain_scalar(capture.decode("utf-8"))
        if scalar not in _YAML11_ONLY_BOOLEANS:
            try:
                theirs = yaml_rs.loads("k: " + scalar, parse_datetime=False)["k"]
                verdict = _same_scalar(_pyyaml_scalar(scalar), theirs)
            except Exception:
                verdict = False
        if len(_verdicts) >= _MAX_VERDICTS:
            _verdicts.clear()
        _verdicts[capture] = verdict
    return verdict


def _typed_plain_scalars(structure: bytes) -> set[bytes]:
    captures = set(_TYPED_VALUE.findall(structure))
    captures.update(_TYPED_AT_LINE_START.findall(structure))
    found = _TYPED_AT_TEXT_START.match(structure)
    if found:
        captures.add(found.group(1))
    return captures


# ------------------------------------------------------------------------------------ entry points


def fast_path_applies(text: str) -> bool:
    """True when yaml-rs reads ``text`` exactly as PyYAML's safe loader does (see the module docstring)."""
    if yaml_rs is None:
        return False
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: PyYAML refuses it
        return False
    if _unsafe_characters(text, data):
        return False
    structure = _structure(data)
    if _unsafe_structure(structure):
        return False
    read_alike = _read_alike
    return all(read_alike(capture) for capture in _typed_plain_scalars(structure))


def load(text: str) -> Any | None:
    """The document PyYAML's safe loader would build from ``text``, or None: then use PyYAML."""
    if not fast_path_applies(text):
        return None
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # duplicate or unhashable keys, anything: PyYAML decides (and words the error)
        return None
