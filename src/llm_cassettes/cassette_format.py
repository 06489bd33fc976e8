"""The on-disk cassette format: load, validate, dump.

A cassette is one YAML file per test::

    meta: {format: 1, origin: recorded, recorded_at: ..., litellm: ..., scenario: ...}
    interactions:
    - request:  {method, uri, headers, body}
      response: {status: {code, message}, headers, body}    # absent when the request failed outright
      fault:    {error: ReadTimeout, message: ...}           # the transport error, if any

Bodies are stored decoded so that a review can read them: ``{json: ..., style: indent2}`` for JSON
(``style`` names the exact serialisation, so replay sends the provider's original bytes),
``{sse: "data: ...\\n\\n"}`` for event streams, ``{text: ...}`` for other text and ``{base64: ...}`` for
anything else. The body bytes are computed lazily: loading a large cassette only parses YAML.

Every problem with a file is a :class:`CassetteError` that names the file, what was expected and what
to do, never an exception from deep inside a YAML or JSON library.
"""

from __future__ import annotations

import base64
import binascii
import gc
import hashlib
import json
import marshal
import os
import reprlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Self

import yaml

FORMAT_VERSION = 1
ORIGINS = ("recorded", "synthetic")

# The C loader/dumper are an order of magnitude faster; both are "safe" (no arbitrary objects).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# A YAML alias (``*name``) can only stand where a node starts: at the start of a line (after indentation
# and block indicators ``- ? :``) or after a flow indicator ``[ { , :``. _may_hold_alias finds every such
# ``*``, plus harmless look-alikes (a markdown "* item" line, "a, *b*"), with C-speed str.find: a cassette
# without a look-alike loads with no extra work; otherwise the exact (slower) check runs, see
# _NoAliasLoader. Line breaks are YAML's: \n, \r, NEL, LS and PS.
_NODE_START_BEFORE = frozenset("[{,:?-\n\r\x85\u2028\u2029")


def _may_hold_alias(text: str) -> bool:
    find = text.find
    i = find("*")
    while i != -1:
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j < 0 or text[j] in _NODE_START_BEFORE:
            return True
        i = find("*", i + 1)
    return False


RERECORD_HINT = "re-record it with `pytest --real-api <test>` or regenerate it with `llm-cassettes generate`"


class CassetteError(Exception):
    """A cassette file that cannot be used; the message names the file and the fix."""

    def __init__(self, path: str | Path | None, problem: str, hint: str = RERECORD_HINT) -> None:
        self.path = str(path) if path is not None else "<cassette>"
        self.problem = problem
        self.hint = hint
        super().__init__(f"{self.path}: {problem}" + (f"\n  fix: {hint}" if hint else ""))


# --------------------------------------------------------------------------------------------- bodies

# JSON serialisations seen from providers and HTTP clients, tried in order when storing a body.
_JSON_STYLES: dict[str, dict[str, Any]] = {
    "compact": {"separators": (",", ":"), "ensure_ascii": False},
    "spaced": {"ensure_ascii": False},
    "indent2": {"indent": 2, "ensure_ascii": False},
    "indent4": {"indent": 4, "ensure_ascii": False},
    "compact-ascii": {"separators": (",", ":")},
    "spaced-ascii": {},
    "indent2-ascii": {"indent": 2},
}


def _dump_json(value: Any, style: str) -> bytes:
    base, _, newline = style.partition("+")
    text = json.dumps(value, **_JSON_STYLES[base])
    return (text + ("\n" if newline == "newline" else "")).encode("utf-8")


def encode_body(raw: bytes, content_type: str = "") -> dict[str, Any]:
    """Turn raw body bytes into the readable YAML form that reproduces them exactly."""
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode("ascii")}
    if "event-stream" in content_type:
        return {"sse": text}
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if value is not None:
            for base in _JSON_STYLES:
                for style in (base, base + "+newline"):
                    if _dump_json(value, style) == raw:
                        return {"json": value, "style": style}
    return {"text": text}


def decode_body(doc: Mapping[str, Any]) -> bytes:
    """The exact bytes a body document stands for (inverse of :func:`encode_body`)."""
    if not doc:
        return b""
    if "json" in doc:
        return _dump_json(doc["json"], doc.get("style") or "compact")
    if "sse" in doc:
        return str(doc["sse"]).encode("utf-8")
    if "text" in doc:
        return str(doc["text"]).encode("utf-8")
    if "base64" in doc:
        return base64.b64decode(doc["base64"], validate=True)
    raise ValueError(f"unknown body form {sorted(doc)}; expected one of json, sse, text, base64")


# ------------------------------------------------------------------------------------------- headers

Headers = list[tuple[str, str]]


def headers_to_doc(headers: Headers) -> dict[str, str | list[str]]:
    """Headers as a readable mapping; repeated headers (set-cookie) become lists."""
    doc: dict[str, str | list[str]] = {}
    for name, value in headers:
        key = name.lower()
        if key in doc:
            previous = doc[key]
            doc[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            doc[key] = value
    return doc


def headers_from_doc(doc: Mapping[str, Any]) -> Headers:
    pairs: Headers = []
    for name, value in doc.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((str(name), str(v)) for v in values)
    return pairs


def header(headers: Headers, name: str, default: str = "") -> str:
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return default


# ------------------------------------------------------------------------------------------- records


class _LazyBody:
    """``body`` bytes decoded from ``body_doc`` on first use: loading a large cassette decodes no body."""

    body_doc: dict[str, Any]

    @cached_property
    def body(self) -> bytes:
        return decode_body(self.body_doc)

    def knowing_body(self, body: bytes) -> Self:
        """This record, told the bytes its ``body_doc`` stands for (they are at hand: no decoding)."""
        self.__dict__["body"] = body
        return self


@dataclass
class RecordedRequest(_LazyBody):
    method: str
    uri: str
    headers: Headers
    body_doc: dict[str, Any]

    @property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        if "json" in self.body_doc:
            return self.body_doc["json"]
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @classmethod
    def from_wire(cls, method: str, uri: str, headers: Headers, body: bytes) -> RecordedRequest:
        content_type = header(headers, "content-type")
        return cls(method.upper(), uri, list(headers), encode_body(body, content_type)).knowing_body(body)


@dataclass
class RecordedResponse(_LazyBody):
    status: int
    reason: str
    headers: Headers
    body_doc: dict[str, Any]

    @classmethod
    def from_wire(cls, status: int, reason: str, headers: Headers, body: bytes) -> RecordedResponse:
        content_type = header(headers, "content-type")
        return cls(status, reason, list(headers), encode_body(body, content_type)).knowing_body(body)


@dataclass
class Fault:
    """A transport error the client saw: before any response, or while reading the body."""

    error: str
    message: str = ""


@dataclass
class Interaction:
    request: RecordedRequest
    response: RecordedResponse | None = None
    fault: Fault | None = None


@dataclass
class Cassette:
    meta: dict[str, Any] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)
    path: Path | None = None

    @property
    def origin(self) -> str:
        return str(self.meta.get("origin", "recorded"))

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.interactions)

    def __len__(self) -> int:
        return len(self.interactions)


# ------------------------------------------------------------------------------------------- loading


class _Shape:
    """Validates one document level and reports problems with the path of the field."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> CassetteError:
        return CassetteError(
            self.path,
            f"{where}: {problem}",
            "fix the file by hand or " + RERECORD_HINT,
        )

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, found {_kind(value)}")
        return value

    def field(self, doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if key not in doc:
            raise self.fail(
                where, f"missing required field {key!r} (found: {', '.join(map(str, doc)) or 'none'})"
            )
        value = doc[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(f"{where}.{key}", f"expected {expected}, found {_kind(value)}")
        return value

    def headers(self, doc: Mapping[str, Any], where: str) -> Headers:
        raw = doc.get("headers") or {}
        raw = self.mapping(raw, f"{where}.headers")
        for name, value in raw.items():
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
                raise self.fail(
                    f"{where}.headers.{name}", f"expected a string or list of strings, found {_kind(value)}"
                )
        return headers_from_doc(raw)

    def body(self, doc: Mapping[str, Any], where: str) -> dict[str, Any]:
        body = doc.get("body")
        if body is None:
            return {}
        body = dict(self.mapping(body, f"{where}.body"))
        forms = [k for k in ("json", "sse", "text", "base64") if k in body]
        if len(forms) > 1:
            raise self.fail(f"{where}.body", f"holds several body forms {forms}; keep exactly one")
        if body and not forms:
            raise self.fail(
                f"{where}.body", f"unknown body form {sorted(map(str, body))}; use json, sse, text or base64"
            )
        for key in ("sse", "text", "base64"):
            if key in body and not isinstance(body[key], str):
                raise self.fail(f"{where}.body.{key}", f"expected text, found {_kind(body[key])}")
        if "style" in body and body["style"] is not None:
            base, _, extra = str(body["style"]).partition("+")
            if base not in _JSON_STYLES or extra not in ("", "newline"):
                raise self.fail(f"{where}.body.style", f"unknown JSON style {body['style']!r}")
        if "base64" in body:
            try:
                base64.b64decode(body["base64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise self.fail(f"{where}.body.base64", f"not valid base64 ({exc})") from None
        return body


# reprlib bounds the work: repr() of a huge (or deeply nested) hand-edited value would be built in full
# only to be cut to 80 characters.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60
_SHORT_REPR.maxlevel = 3


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {_SHORT_REPR.repr(value)}"[:80]


class _AliasFound(yaml.YAMLError):
    def __init__(self, mark: Any) -> None:
        self.problem_mark = mark
        self.problem = (
            "uses a YAML alias (*name); a cassette needs no anchors or aliases, write the value out"
        )
        super().__init__(self.problem)


class _NoAliasLoader(_Loader):  # type: ignore[misc, valid-type]
    """The safe loader, refusing any node reached twice (that is what an alias is).

    Aliases let a few hundred bytes stand for gigabytes once expanded ("billion laughs"): loading
    shares the objects, but JSON-encoding a body, matching or scrubbing walks them in full.
    Only used when _may_hold_alias says so, because this costs one Python call per node.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasFound(node.start_mark)
        return super().construct_object(node, deep)


# Parsing YAML builds every value in Python even with the C loader (seconds for a 10,000-interaction
# cassette), so big cassettes keep their parsed document in a content-addressed cache next to the
# user's other caches: the key is a hash of the exact text, an edited file simply misses.
CACHE_MIN_BYTES = 1_000_000
CACHE_DIR_ENV = "LLM_CASSETTES_CACHE_DIR"


def _cache_file(text: str) -> Path | None:
    if len(text) < CACHE_MIN_BYTES or os.environ.get(CACHE_DIR_ENV) == "":
        return None
    root = os.environ.get(CACHE_DIR_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "llm-cassettes"
    )
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()
    return Path(root) / f"{digest}-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}.bin"


def _cached_document(cache: Path | None) -> Any:
    if cache is None:
        return None
    try:
        return marshal.loads(cache.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store_document(cache: Path | None, doc: Any) -> None:
    if cache is None:
        return
    try:
        data = marshal.dumps(doc)  # ValueError for values marshal cannot hold (e.g. YAML timestamps)
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp = cache.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(data)
        os.replace(temp, cache)
    except (OSError, ValueError):
        pass  # the cache is an optimisation; a read-only home directory must not fail a test


def parse(text: str, path: str | Path | None = None) -> Cassette:
    """Parse and validate cassette text; every problem is a CassetteError naming ``path``."""
    cache = _cache_file(text)
    doc = _cached_document(cache)
    # Loading allocates millions of small objects and no garbage: the cyclic collector would run
    # hundreds of times for nothing (2-3x the load time of a large cassette).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if doc is None:
            doc = _load_yaml(text, path)
            _store_document(cache, doc)
        return from_document(doc, path)
    finally:
        if collecting:
            gc.enable()


def _load_yaml(text: str, path: str | Path | None) -> Any:
    loader = _NoAliasLoader if _may_hold_alias(text) else _Loader
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CassetteError(path, f"not valid YAML{where}: {problem}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # bad dates/ints, absurd nesting
        raise CassetteError(path, f"not valid YAML: {type(exc).__name__}: {exc}"[:300]) from None


def from_document(doc: Any, path: str | Path | None = None) -> Cassette:
    shape = _Shape(path)
    if not isinstance(doc, Mapping) or "interactions" not in doc:
        found = (
            "an empty file"
            if doc is None
            else _kind(doc)
            if not isinstance(doc, Mapping)
            else (f"top-level keys {sorted(map(str, doc))}")
        )
        raise CassetteError(
            path, f"not a cassette: expected top-level 'meta' and 'interactions', found {found}"
        )
    meta = dict(shape.mapping(doc.get("meta") or {}, "meta"))
    version = meta.get("format")
    if version != FORMAT_VERSION:
        raise CassetteError(
            path,
            f"unsupported cassette format {version!r}; this llm-cassettes reads format {FORMAT_VERSION}",
            "upgrade llm-cassettes, or " + RERECORD_HINT,
        )
    origin = meta.get("origin", "recorded")
    if origin not in ORIGINS:
        raise shape.fail("meta.origin", f"expected one of {', '.join(ORIGINS)}, found {_kind(origin)}")
    raw_interactions = doc["interactions"]
    if raw_interactions is None:
        raw_interactions = []
    if not isinstance(raw_interactions, list):
        raise shape.fail("interactions", f"expected a list, found {_kind(raw_interactions)}")
    interactions = [_interaction(shape, item, i) for i, item in enumerate(raw_interactions)]
    return Cassette(meta=meta, interactions=interactions, path=Path(path) if path else None)


def _interaction(shape: _Shape, item: Any, index: int) -> Interaction:
    where = f"interactions[{index}]"
    item = shape.mapping(item, where)
    req_doc = shape.mapping(shape.field(item, "request", Mapping, where), f"{where}.request")
    request = RecordedRequest(
        method=shape.field(req_doc, "method", str, f"{where}.request").upper(),
        uri=shape.field(req_doc, "uri", str, f"{where}.request"),
        headers=shape.headers(req_doc, f"{where}.request"),
        body_doc=shape.body(req_doc, f"{where}.request"),
    )
    response = None
    if item.get("response") is not None:
        resp_doc = shape.mapping(item["response"], f"{where}.response")
        status = shape.mapping(
            shape.field(resp_doc, "status", Mapping, f"{where}.response"), f"{where}.response.status"
        )
        code = shape.field(status, "code", int, f"{where}.response.status")
        if not 100 <= code <= 599:
            raise shape.fail(
                f"{where}.response.status.code", f"expected an HTTP status 100-599, found {code}"
            )
        message = status.get("message") or ""
        response = RecordedResponse(
            status=code,
            reason=str(message),
            headers=shape.headers(resp_doc, f"{where}.response"),
            body_doc=shape.body(resp_doc, f"{where}.response"),
        )
    fault = None
    if item.get("fault") is not None:
        fault_doc = item["fault"]
        if isinstance(fault_doc, str):
            fault = Fault(error=fault_doc)
        else:
            fault_doc = shape.mapping(fault_doc, f"{where}.fault")
            fault = Fault(
                error=shape.field(fault_doc, "error", str, f"{where}.fault"),
                message=str(fault_doc.get("message") or ""),
            )
    if response is None and fault is None:
        raise shape.fail(where, "has neither a 'response' nor a 'fault'; an interaction needs one of them")
    return Interaction(request=request, response=response, fault=fault)


def load(path: str | Path) -> Cassette:
    """Read and validate a cassette file."""
    path = Path(path)
    try:
        # A FIFO or device named *.yaml would block read() forever; only regular files are cassettes.
        if path.exists() and not path.is_file():
            raise CassetteError(path, "not a regular file", "replace it with a cassette file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteError(path, "no such cassette") from None
    except UnicodeDecodeError as exc:
        raise CassetteError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CassetteError(path, f"cannot be read: {exc.strerror or exc}") from None
    return parse(text, path)


# ------------------------------------------------------------------------------------------- dumping


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Multi-line strings (SSE streams, code) as literal blocks, so diffs read line by line."""

    def ignore_aliases(self, data: Any) -> bool:
        # Shared request bodies would otherwise become &id001 anchors: unreadable in a review.
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def to_document(cassette: Cassette) -> dict[str, Any]:
    meta = {"format": FORMAT_VERSION, **{k: v for k, v in cassette.meta.items() if k != "format"}}
    return {"meta": meta, "interactions": [_interaction_doc(i) for i in cassette.interactions]}


def _interaction_doc(interaction: Interaction) -> dict[str, Any]:
    request = interaction.request
    doc: dict[str, Any] = {
        "request": {
            "method": request.method,
            "uri": request.uri,
            "headers": headers_to_doc(request.headers),
            "body": request.body_doc,
        }
    }
    if interaction.response is not None:
        response = interaction.response
        doc["response"] = {
            "status": {"code": response.status, "message": response.reason},
            "headers": headers_to_doc(response.headers),
            "body": response.body_doc,
        }
    if interaction.fault is not None:
        doc["fault"] = {"error": interaction.fault.error, "message": interaction.fault.message}
    return doc


def dumps(cassette: Cassette) -> str:
    return yaml.dump(
        to_document(cassette),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def same_content(a: Cassette, b: Cassette, ignore_meta: tuple[str, ...] = ("recorded_at", "litellm")) -> bool:
    """True when two cassettes hold the same exchanges (provenance timestamps aside)."""
    da, db = to_document(a), to_document(b)
    for doc in (da, db):
        for key in ignore_meta:
            doc["meta"].pop(key, None)
    return da == db
