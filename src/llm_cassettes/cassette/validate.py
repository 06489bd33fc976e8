"""Validating a parsed cassette document and building the model from it.

Every problem with a file is a :class:`CassetteError` that names the file, the field, what was expected
and what to do, never an exception from deep inside a YAML or JSON library.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import difflib
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import RERECORD_HINT, CassetteError
from .codec import _JSON_STYLES, TIMED_FORMS, Headers, headers_from_doc
from .model import FAULT_NAMES, Cassette, Fault, Interaction, RecordedRequest, RecordedResponse

FORMAT_VERSION = 1
ORIGINS = ("recorded", "synthetic")


class _Shape:
    """Validates one document level and reports problems with the path of the field."""

    def __init__(self, path: str | Path | None, meta: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self.rerecord = _rerecord_hint(meta or {})

    def fail(self, where: str, problem: str, fix: str = "fix the file by hand") -> CassetteError:
        return CassetteError(self.path, f"{where}: {problem}", f"{fix} or {self.rerecord}")

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
            if not all(_is_header_value(v) for v in values):
                raise self.fail(
                    f"{where}.headers.{name}",
                    f"expected a string, a {{latin1: string}} or a list of them, found {_kind(value)}",
                )
        return headers_from_doc(raw)

    def body(self, doc: Mapping[str, Any], where: str, *, response: bool = False) -> dict[str, Any]:
        body = doc.get("body")
        if body is None:
            return {}
        body = dict(self.mapping(body, f"{where}.body"))
        chunks = body.pop("chunks", None)
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
        if chunks is not None:
            body["chunks"] = self.chunks(chunks, body, forms, f"{where}.body.chunks", response)
        return body

    def chunks(
        self, chunks: Any, body: Mapping[str, Any], forms: list[str], where: str, response: bool
    ) -> Any:
        """The arrival of a streamed body: ``[[offset, ms], ...]`` that fits the body it describes."""
        if not response:
            raise self.fail(where, "only a response body records how its chunks arrived")
        if not forms or forms[0] not in TIMED_FORMS:
            raise self.fail(where, f"chunk timing needs the body as {', '.join(TIMED_FORMS)}, found {forms}")
        if not isinstance(chunks, list) or not chunks:
            raise self.fail(where, f"expected a list of [offset, ms] pairs, found {_kind(chunks)}")
        size = _byte_length(body, forms[0])
        previous_offset, previous_ms = -1, 0.0
        for i, entry in enumerate(chunks):
            if not (
                isinstance(entry, list)
                and len(entry) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in entry)
            ):
                raise self.fail(f"{where}[{i}]", f"expected an [offset, ms] pair, found {_kind(entry)}")
            offset, ms = entry
            if i == 0 and offset != 0:
                raise self.fail(f"{where}[0]", f"the first chunk must start at offset 0, found {offset}")
            if offset <= previous_offset:
                raise self.fail(
                    f"{where}[{i}]", f"offsets must be increasing: {offset} after {previous_offset}"
                )
            if offset >= size:
                raise self.fail(
                    f"{where}[{i}]", f"offset {offset} is beyond the end of the body ({size} bytes)"
                )
            if ms < 0:
                raise self.fail(f"{where}[{i}]", f"negative time {ms} ms")
            if ms < previous_ms:
                raise self.fail(
                    f"{where}[{i}]", f"arrives at {ms} ms, earlier than the chunk before ({previous_ms} ms)"
                )
            previous_offset, previous_ms = offset, ms
        return chunks


def _unknown_fault(name: str) -> str:
    close = [known for known in FAULT_NAMES if known.casefold() == name.casefold()]
    close = close or difflib.get_close_matches(name, FAULT_NAMES, n=1, cutoff=0.6)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown fault {name!r}{guess}; expected one of {', '.join(FAULT_NAMES)}"


# reprlib bounds the work: repr() of a huge (or deeply nested) hand-edited value would be built in full
# only to be cut to 80 characters.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60
_SHORT_REPR.maxlevel = 3


def _is_header_value(value: Any) -> bool:
    if isinstance(value, Mapping):  # {latin1: text}: a value whose bytes were not UTF-8
        return set(value) == {"latin1"} and isinstance(value["latin1"], str)
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {_SHORT_REPR.repr(value)}"[:80]


def _byte_length(body: Mapping[str, Any], form: str) -> int:
    if form == "base64":
        return len(base64.b64decode(body[form]))
    text = body[form]
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _fault_ms(shape: _Shape, doc: Mapping[str, Any], response: RecordedResponse | None, where: str) -> Any:
    ms = doc.get("ms")
    if ms is None:
        return None
    if not isinstance(ms, (int, float)) or isinstance(ms, bool):
        raise shape.fail(f"{where}.ms", f"expected a time in ms, found {_kind(ms)}")
    if ms < 0:
        raise shape.fail(f"{where}.ms", f"negative time {ms} ms")
    chunks = response.chunks if response is not None else None
    if chunks and ms < chunks[-1][1]:
        raise shape.fail(
            f"{where}.ms", f"{ms} ms is before the last chunk ({chunks[-1][1]} ms) of the body it ended"
        )
    return ms


def _rerecord_hint(meta: Mapping[str, Any]) -> str:
    """The command that writes this cassette again, naming its test when ``meta.test`` says which."""
    test = meta.get("test")
    if not isinstance(test, str) or "::" not in test:
        return RERECORD_HINT
    if meta.get("origin") == "synthetic":
        return f'regenerate it with `llm-cassettes generate "{test}"`'
    return f're-record it with `pytest --real-api "{test}"`'


def from_document(doc: Any, path: str | Path | None = None, *, check_json: bool = True) -> Cassette:
    """Validate a parsed document and build the cassette; every problem is a CassetteError naming ``path``.

    ``check_json``: look for values JSON cannot hold (dates, bytes, sets) in JSON bodies. The loader
    knows whether YAML produced any, so :func:`parse` skips the walk when it did not.
    """
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
    shape = _Shape(path, meta)
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
    if "interactions" in meta:  # written on save since the count exists; older files go without
        _check_complete(shape, meta["interactions"], raw_interactions)
    interactions = [
        _well_formed_interaction(item) or _interaction(shape, item, i)
        for i, item in enumerate(raw_interactions)
    ]
    if check_json:
        for index, interaction in enumerate(interactions):
            _check_json_bodies(shape, interaction, f"interactions[{index}]")
    path = path if isinstance(path, Path) or not path else Path(path)
    return Cassette(meta=meta, interactions=interactions, path=path or None)


def _check_complete(shape: _Shape, count: Any, raw: list[Any]) -> None:
    """The file holds as many interactions as it says, and the last one ends with what a save writes.

    A cut at a line break leaves valid YAML: the count catches lost interactions, and the last field
    written (the response body, a JSON body's ``style``, a fault's ``message``) catches a cut inside the
    last one, where a response without its body would replay as an empty 200.
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise shape.fail("meta.interactions", f"expected the number of interactions, found {_kind(count)}")
    restore = f"restore it (`git checkout -- {shape.path}`)"
    if count != len(raw):
        raise shape.fail(
            "meta.interactions",
            f"expected {count} interaction(s) (as it says), found {len(raw)}: the file is cut short "
            "(truncated), or interactions were removed by hand",
            f"{restore}, set `interactions: {len(raw)}` in meta if you removed them on purpose,",
        )
    if not raw or not isinstance(raw[-1], Mapping):
        return
    where, last = f"interactions[{len(raw) - 1}]", raw[-1]
    missing = None
    response, fault = last.get("response"), last.get("fault")
    if response is None and fault is None:
        missing = "response"
    elif isinstance(fault, Mapping) and "message" not in fault:
        where, missing = f"{where}.fault", "message"
    elif isinstance(response, Mapping) and fault is None:
        body = response.get("body")
        if body is None:  # a save writes `body: {}` for an empty body, never a bare `body:`
            where, missing = f"{where}.response", "body"
        elif isinstance(body, Mapping) and "json" in body and "style" not in body:
            where, missing = f"{where}.response.body", "style"
    if missing is not None:
        raise shape.fail(where, f"ends before its {missing!r}: the file is cut short (truncated)", restore)


_JSON_SCALARS = (str, int, float, bool, type(None))
_YAML_TYPES = {dt.datetime: "datetime", dt.date: "date", bytes: "bytes (!!binary)", set: "set (!!set)"}


def _non_json(value: Any, where: str) -> tuple[str, Any] | None:
    """The first value under ``value`` that JSON cannot hold, and where it is."""
    stack = [(value, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, _JSON_SCALARS):
                    return f"{at} (a key)", key
                stack.append((child, f"{at}.{key}"))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, f"{at}[{i}]") for i, child in enumerate(item))
        elif not isinstance(item, _JSON_SCALARS):
            return at, item
    return None


def _check_json_bodies(shape: _Shape, interaction: Interaction, where: str) -> None:
    parts = (("request", interaction.request), ("response", interaction.response))
    for name, record in parts:
        if record is None or "json" not in record.body_doc:
            continue
        found = _non_json(record.body_doc["json"], f"{where}.{name}.body.json")
        if found is None:
            continue
        at, value = found
        kind = next((label for cls, label in _YAML_TYPES.items() if isinstance(value, cls)), None)
        kind = kind or type(value).__name__
        if isinstance(value, dt.date):
            fix = f"quote the value ('{value}') so YAML reads it as the string JSON sent,"
        else:
            fix = "remove the YAML tag and quote the value so YAML reads a string,"
        raise shape.fail(
            at, f"YAML read an unquoted {kind} ({_SHORT_REPR.repr(value)}), which JSON cannot hold", fix
        )


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
            body_doc=shape.body(resp_doc, f"{where}.response", response=True),
        )
    fault = None
    if item.get("fault") is not None:
        fault_doc = item["fault"]
        if isinstance(fault_doc, str):
            fault = Fault(error=fault_doc)
            field_where = f"{where}.fault"
        else:
            fault_doc = shape.mapping(fault_doc, f"{where}.fault")
            fault = Fault(
                error=shape.field(fault_doc, "error", str, f"{where}.fault"),
                message=str(fault_doc.get("message") or ""),
                ms=_fault_ms(shape, fault_doc, response, f"{where}.fault"),
            )
            field_where = f"{where}.fault.error"
        if fault.error not in FAULT_NAMES:
            raise shape.fail(field_where, _unknown_fault(fault.error))
    if response is None and fault is None:
        raise shape.fail(where, "has neither a 'response' nor a 'fault'; an interaction needs one of them")
    return Interaction(request=request, response=response, fault=fault)


# ------------------------------------------------------------------------- the well-formed fast path
#
# What a recording writes (string headers, a json/sse/text body, a response and no fault) checked with
# exact type tests and no per-field error context: ~5x faster than _interaction on a 10,000-interaction
# cassette. Anything else returns None and goes through _interaction, which accepts or explains it;
# what both accept they build identically.


def _plain_headers(raw: Any) -> Headers | None:
    if raw is None:
        return []
    if type(raw) is not dict or not _ONLY_STR.issuperset(map(type, raw)):
        return None
    value_types = set(map(type, raw.values()))
    if value_types <= _ONLY_STR:
        return list(raw.items())
    if not value_types <= _STR_OR_LIST:
        return None
    pairs: Headers = []
    for name, value in raw.items():
        if type(value) is str:
            pairs.append((name, value))
        elif all(type(v) is str for v in value):  # set-cookie and its kind: one pair per value
            pairs.extend((name, v) for v in value)
        else:
            return None
    return pairs


_ONLY_STR = frozenset({str})
_STR_OR_LIST = frozenset({str, list})


def _plain_body(body: Any, *, response: bool = False) -> dict[str, Any] | None:
    if body is None:
        return {}
    if type(body) is not dict:
        return None
    if "chunks" in body:  # a streamed response's arrival: checked by the full rule, without context
        if not response:
            return None
        plain = _plain_body({k: v for k, v in body.items() if k != "chunks"})
        if not plain:
            return None
        try:
            plain["chunks"] = _NO_CONTEXT.chunks(body["chunks"], plain, list(plain)[:1], "chunks", True)
        except CassetteError:
            return None  # _interaction says where and what
        return plain
    size = len(body)
    if "json" in body:
        if size == 1:
            return dict(body)
        style = body.get("style", _MISSING)
        if size == 2 and (style is None or (type(style) is str and style in _KNOWN_STYLES)):
            return dict(body)
        return None
    if size == 1 and type(body.get("sse", body.get("text"))) is str:
        return dict(body)
    return {} if size == 0 else None


_MISSING = object()
_NO_CONTEXT = _Shape(None)
_KNOWN_STYLES = frozenset(style for base in _JSON_STYLES for style in (base, base + "+newline"))


def _well_formed_interaction(item: Any) -> Interaction | None:
    if type(item) is not dict or item.get("fault") is not None:
        return None
    request, response = item.get("request"), item.get("response")
    if type(request) is not dict or type(response) is not dict:
        return None
    method, uri, status = request.get("method"), request.get("uri"), response.get("status")
    if type(method) is not str or type(uri) is not str or type(status) is not dict:
        return None
    code = status.get("code")
    if type(code) is not int or not 100 <= code <= 599:
        return None
    request_headers, request_body = _plain_headers(request.get("headers")), _plain_body(request.get("body"))
    response_headers = _plain_headers(response.get("headers"))
    response_body = _plain_body(response.get("body"), response=True)
    if request_headers is None or request_body is None or response_headers is None or response_body is None:
        return None
    return Interaction(
        request=RecordedRequest(method.upper(), uri, request_headers, request_body),
        response=RecordedResponse(code, str(status.get("message") or ""), response_headers, response_body),
    )
