"""Secrets in what a YAML loader recovers from a cassette, not in how the file spells it.

The text of a cassette can hide a secret from a line-by-line search in many ways a loader undoes:
escapes (``"\\x73k-…"``, ``"\\u0073…"``), a double-quoted scalar folded across lines, tags (``!!str``),
anchors and aliases, block scalars, explicit keys (``? x-api-key``), flow mappings, escaped key names;
a ``base64:`` body, a key streamed a few characters per event, JSON text with ``\\u`` escapes. This walks
the composed YAML node graph (the safe loader's parser; nothing is constructed, so an alias costs one
visit however often it is used) and judges every decoded string: the patterns and known values, the
credential-named fields, the decoded bytes of binary bodies and the joined text of streams.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from ..cassette.codec import multipart_boundary
from .known import byte_forms
from .matcher import _mask, _mask_value, _Matcher
from .multipart import part_fields
from .patterns import REDACTED, _decoded_value_is_safe, _field_kind, _is_credential_key, is_secret_header
from .streams import joined_texts

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BINARY_TAG = "tag:yaml.org,2002:binary"
_EXCERPT_LIMIT = 100


@dataclass(frozen=True)
class DecodedHit:
    line: int  # 1-based line of the scalar that holds it
    kind: str
    excerpt: str
    field: str  # where: interactions[0].request.headers.x-api-key, ... (decoded base64)


def compose(text: str) -> list[yaml.Node]:
    """The document nodes of ``text``; raises yaml.YAMLError when it is not YAML."""
    return [node for node in yaml.compose_all(text, Loader=_Loader) if node is not None]


def _short(excerpt: str) -> str:
    return " ".join(excerpt.split())[:_EXCERPT_LIMIT]


def _is_credential_name(name: str) -> bool:
    return is_secret_header(name) or _is_credential_key(name)


class _Walker:
    def __init__(self, matcher: _Matcher) -> None:
        self.matcher = matcher
        self.hits: list[DecodedHit] = []
        self.seen: set[int] = set()

    def add(self, line: int, kind: str, excerpt: str, field: str) -> None:
        self.hits.append(DecodedHit(line, kind, _short(excerpt), field))

    # ------------------------------------------------------------------ strings

    def text(self, value: str, line: int, field: str, block_offset: int | None = None) -> None:
        """Patterns and known values over a decoded string (and JSON decoded from it)."""
        for hit in self.matcher.hits(value):
            at = line if block_offset is None else block_offset + value.count("\n", 0, hit.start)
            self.add(at, hit.kind, hit.excerpt, field)
        stripped = value.strip()
        if "\\" in stripped and stripped[:1] in ("{", "["):  # JSON whose escapes may hide a secret
            try:
                decoded = json.loads(stripped)
            except ValueError:
                return
            self.json(decoded, line, f"{field} (decoded JSON)")

    def json(self, value: object, line: int, field: str) -> None:
        if isinstance(value, str):
            for hit in self.matcher.hits(value):
                self.add(line, hit.kind, hit.excerpt, field)
        elif isinstance(value, list):
            for item in value:
                self.json(item, line, field)
        elif isinstance(value, dict):
            logprobs = "logprob" in value
            for key, item in value.items():
                self.json(key, line, field)
                credential = (
                    isinstance(key, str) and _is_credential_key(key) and not (logprobs and key == "token")
                )
                if credential and isinstance(item, str) and not _decoded_value_is_safe(key, item):
                    self.field(key, item, line, f"{field}.{key}")
                else:
                    self.json(item, line, field)

    def field(self, name: str, value: str, line: int, field: str) -> None:
        """A credential-named field holding a value that is not redacted."""
        inner = next(self.matcher.hits(value), None)
        kind = inner.kind if inner else _field_kind(name)
        self.add(line, kind, f"{name}: {_mask_value(value.strip())}", field)

    def data(self, data: bytes, line: int, field: str) -> None:
        """The bytes of a binary body: patterns over them, known values also in UTF-16, multipart fields."""
        for hit in self.matcher.hits(data.decode("latin-1")):
            self.add(line, hit.kind, hit.excerpt, field)
        for known in self.matcher.known:
            if any(form in data for form, _ in byte_forms(known.value)):
                self.add(line, known.kind, f"{_mask(known.value)} (UTF-16)", field)
        boundary = multipart_boundary(data)
        if boundary is not None:
            for name, content in part_fields(data, boundary):
                text = content.decode("latin-1")
                if _is_credential_name(name) and text != REDACTED and not _decoded_value_is_safe(name, text):
                    self.field(name, text, line, f"{field} part {name!r}")

    # ------------------------------------------------------------------ nodes

    def node(self, node: yaml.Node, field: str) -> None:
        if id(node) in self.seen:
            return  # an alias: its content was judged where it was first met
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            self.scalar(node, field)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.node(item, f"{field}[{i}]")
        elif isinstance(node, yaml.MappingNode):
            self.mapping(node, field)

    def scalar(self, node: yaml.ScalarNode, field: str) -> None:
        line = node.start_mark.line + 1
        if node.tag == _BINARY_TAG:
            with contextlib.suppress(binascii.Error, ValueError):
                self.data(base64.b64decode("".join(node.value.split())), line, f"{field} (!!binary)")
            return
        # In a literal block the value's lines are the file's lines, starting below the indicator.
        block = line + 1 if node.style == "|" else None
        self.text(node.value, line, field, block)

    def mapping(self, node: yaml.MappingNode, field: str) -> None:
        names = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        logprobs = "logprob" in names
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            self.node(key_node, f"{field} (a key)" if field else "(a key)")
            where = f"{field}.{name}" if field else str(name)
            credential = name is not None and _is_credential_name(name) and not (logprobs and name == "token")
            if credential and self._credential(str(name), value_node, where):
                continue
            if name == "base64" and isinstance(value_node, yaml.ScalarNode):
                try:
                    data = base64.b64decode("".join(value_node.value.split()), validate=True)
                except (binascii.Error, ValueError):
                    data = None
                if data is not None:
                    self.data(data, value_node.start_mark.line + 1, f"{where} (decoded)")
            elif name == "sse" and isinstance(value_node, yaml.ScalarNode):
                self.stream(value_node, where)
            self.node(value_node, where)

    def _credential(self, name: str, value_node: yaml.Node, where: str) -> bool:
        """Judge a credential-named field; True when it was reported (so its value is not judged twice)."""
        values = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        reported = False
        for item in values:
            if (
                isinstance(item, yaml.ScalarNode)
                and item.value
                and not _decoded_value_is_safe(name, item.value)
            ):
                self.field(name, item.value, item.start_mark.line + 1, where)
                self.seen.add(id(item))
                reported = True
        return reported and isinstance(value_node, yaml.ScalarNode)

    def stream(self, node: yaml.ScalarNode, where: str) -> None:
        raw = node.value
        for _, joined in joined_texts(raw):
            for start, end in self.matcher.spans(joined):
                secret = joined[start:end]
                if secret in raw:
                    continue  # whole in one event: the stream's own text shows (and reports) it
                kind = next((h.kind for h in self.matcher.hits(joined) if h.secret == (start, end)), "secret")
                self.add(node.start_mark.line + 1, kind, _mask(secret), f"{where} (joined stream text)")


def decoded_hits(nodes: list[yaml.Node], matcher: _Matcher) -> Iterator[DecodedHit]:
    """Every secret in the decoded content of composed YAML documents."""
    walker = _Walker(matcher)
    for node in nodes:
        walker.node(node, "")
    seen: set[DecodedHit] = set()
    for hit in walker.hits:
        if hit not in seen:
            seen.add(hit)
            yield hit
