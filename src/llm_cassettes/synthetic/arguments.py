"""Values that satisfy a JSON schema: the emulated model's tool arguments and structured output.

Pure and deterministic: the same schema and hints always give the same value. The rules, in order:

- ``const`` is used as is; ``enum`` gives its first member that fits the other keywords.
- ``$ref`` (local ``#/...`` pointers, as pydantic writes ``#/$defs/Model``) is followed; a recursive
  schema gets its minimal value (required properties only, ``minItems`` items) below a small depth.
- ``anyOf`` / ``oneOf`` take the first branch that can be satisfied; ``allOf`` is merged first.
- objects get every declared property (so every required one), in declaration order;
- arrays get ``minItems`` items (at least one, at most ``maxItems``), or one per unused hint when the
  items are plain strings or numbers; ``uniqueItems`` makes them distinct;
- numbers take the next number hint that fits ``minimum``/``maximum``/``exclusive*``/``multipleOf``,
  else the smallest value that fits; integers stay integers;
- strings take the next string hint that fits ``minLength``/``maxLength``/``pattern``, else a value made
  from the property name; ``format`` (date, date-time, time, email, uri, uuid, ipv4, ipv6, hostname)
  gives a fixed value of that format;
- booleans are ``true``, null is ``null``.

Hints are what the conversation offers (the numbers and proper names of the last user message, the
default responder's answer), so ``multiply(a, b)`` for "What is 1231 * 2331?" gets ``a=1231, b=2331``.

A schema that cannot be satisfied (an unsupported keyword such as ``not``, or contradictory
constraints such as ``minimum`` above ``maximum``) raises :class:`UnsatisfiableSchema` naming the tool,
the keyword and where it sits: the emulator never invents an argument the schema forbids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..errors import ScenarioError
from . import scalars


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Keywords that only describe a value, or constrain what is never generated (extra properties, names
# other than the declared ones); generation may ignore them. ``discriminator`` is OpenAPI's helper
# next to ``oneOf`` (the branches carry the constraint); ``strict`` is OpenAI's flag.
ANNOTATIONS = _words(
    "title description default examples $schema $id $comment $defs definitions deprecated readOnly"
    " writeOnly discriminator contentEncoding contentMediaType additionalProperties"
    " unevaluatedProperties propertyNames strict"
)
SUPPORTED = _words(
    "type enum const $ref anyOf oneOf allOf properties required minProperties maxProperties items"
    " prefixItems minItems maxItems uniqueItems minimum maximum exclusiveMinimum exclusiveMaximum"
    " multipleOf minLength maxLength pattern format"
)
_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
# Below this many nested visits of one $ref the full value is built; then the minimal one.
_REF_FULL_DEPTH = 2
_REF_MAX_DEPTH = 8


class UnsatisfiableSchema(ScenarioError):
    """A tool or output schema the emulator cannot produce a valid value for."""

    def __init__(self, owner: str, keyword: str, path: str, problem: str) -> None:
        self.owner = owner
        self.keyword = keyword
        self.path = path
        self.problem = problem
        if keyword not in SUPPORTED:
            fix = f"use only these keywords (and annotations): {', '.join(sorted(SUPPORTED))}"
        elif keyword == "pattern":
            fix = "quote a matching value in the prompt (quoted strings are tried first), or drop the pattern"
        else:
            fix = "fix the schema: as written, no value satisfies it"
        super().__init__(
            f"{owner}: the emulator cannot generate a value for this schema: {problem} "
            f"(keyword {keyword!r} at {path}); {fix}"
        )


@dataclass
class Hints:
    """Values the conversation suggests, consumed in order as leaves are generated."""

    numbers: list[float] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Hints:
        numbers: list[float] = []
        strings: list[str] = []
        for text in texts:
            numbers += [_number(m) for m in _NUMBER_RE.findall(text.replace(",", ""))]
            strings += _quoted_and_proper_names(text)
        return cls(numbers, list(dict.fromkeys(strings)))


_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")
_QUOTED_RE = re.compile(r"[\"“']([^\"”']{1,80})[\"”']")
_WORD_RE = re.compile(r"[A-Za-z][\w'-]*")


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _quoted_and_proper_names(text: str) -> list[str]:
    """Quoted strings, then capitalised words that do not open a sentence ("weather in Paris")."""
    found = [m.strip() for m in _QUOTED_RE.findall(text) if m.strip()]
    sentence_start = True
    for match in _WORD_RE.finditer(text):
        word = match.group(0)
        before = text[: match.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?:\n"
        if word[0].isupper() and not sentence_start and word.lower() not in ("i", "i'm", "i'd"):
            found.append(word)
    return found


def generate(schema: Any, *, owner: str, hints: Hints | None = None) -> Any:
    """A value valid against ``schema``; ``owner`` names the tool (or output) in errors."""
    generator = _Generator(schema, owner, hints or Hints())
    return generator.value(schema, "#", name=None, index=0, minimal=False)


class _Generator:
    def __init__(self, root: Any, owner: str, hints: Hints) -> None:
        self.root = root
        self.owner = owner
        self.hints = hints
        self.numbers = list(hints.numbers)
        self.strings = list(hints.strings)
        self.ref_depth: dict[str, int] = {}

    def fail(self, keyword: str, path: str, problem: str) -> UnsatisfiableSchema:
        return UnsatisfiableSchema(self.owner, keyword, path, problem)

    def fail_at(self, path: str, keyword: str, problem: str) -> UnsatisfiableSchema:
        return UnsatisfiableSchema(self.owner, keyword, path, problem)

    # --- dispatch ---------------------------------------------------------------------------

    def value(self, schema: Any, path: str, *, name: str | None, index: int, minimal: bool) -> Any:
        if schema is True or schema == {}:
            return scalars.string_value({}, name, index, self.strings, partial(self.fail_at, path))
        if schema is False:
            raise self.fail("false", path, "the schema `false` admits no value")
        if not isinstance(schema, dict):
            raise self.fail("type", path, f"a schema must be an object or a boolean, not {schema!r}")
        for keyword in schema:
            if keyword not in SUPPORTED and keyword not in ANNOTATIONS:
                raise self.fail(keyword, path, f"{keyword!r} is not supported")
        if "$ref" in schema:
            return self._ref(schema, path, name=name, index=index, minimal=minimal)
        if "allOf" in schema:
            return self.value(self._merge_all_of(schema, path), path, name=name, index=index, minimal=minimal)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._first_branch(schema, keyword, path, name=name, index=index, minimal=minimal)
        if "const" in schema:
            return self._checked_choice(schema, [schema["const"]], "const", path)
        if "enum" in schema:
            if not isinstance(schema["enum"], list) or not schema["enum"]:
                raise self.fail("enum", path, "an empty enum admits no value")
            return self._checked_choice(schema, schema["enum"], "enum", path, index=index)
        kind = self._type(schema, path)
        if kind == "object":
            return self._object(schema, path, minimal)
        if kind == "array":
            return self._array(schema, path, name, minimal)
        fail = partial(self.fail_at, path)
        if kind in ("integer", "number"):
            return scalars.number_value(schema, kind, index, self.numbers, fail)
        if kind == "boolean":
            return index % 2 == 0
        if kind == "null":
            return None
        return scalars.string_value(schema, name, index, self.strings, fail)

    def _type(self, schema: dict[str, Any], path: str) -> str:
        declared = schema.get("type")
        if declared is None:
            if "properties" in schema or "required" in schema:
                return "object"
            if "items" in schema or "prefixItems" in schema:
                return "array"
            if any(k in schema for k in ("minimum", "maximum", "multipleOf")):
                return "number"
            return "string"
        kinds = declared if isinstance(declared, list) else [declared]
        unknown = [k for k in kinds if k not in _TYPES]
        if unknown or not kinds:
            raise self.fail("type", path, f"unknown type {unknown[0] if unknown else '[]'!r}")
        # Prefer a real value over null (Optional[X] is ["X", "null"]).
        return next((k for k in kinds if k != "null"), "null")

    # --- combinators ------------------------------------------------------------------------

    def _ref(self, schema: dict[str, Any], path: str, *, name: str | None, index: int, minimal: bool) -> Any:
        ref = schema["$ref"]
        target = self._resolve(ref, path)
        depth = self.ref_depth.get(ref, 0)
        if depth >= _REF_MAX_DEPTH:
            raise self.fail("$ref", path, f"{ref} is recursive and every value of it is infinite")
        self.ref_depth[ref] = depth + 1
        try:
            merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            return self.value(
                merged, f"{path}/$ref", name=name, index=index, minimal=minimal or depth >= _REF_FULL_DEPTH
            )
        finally:
            self.ref_depth[ref] = depth

    def _resolve(self, ref: Any, path: str) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise self.fail("$ref", path, f"only local references (#/...) are supported, not {ref!r}")
        node = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise self.fail("$ref", path, f"{ref} points nowhere in the schema")
        return node

    def _merge_all_of(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for i, part in enumerate(schema["allOf"] or []):
            if isinstance(part, dict) and "$ref" in part:
                part = {**self._resolve(part["$ref"], path), **{k: v for k, v in part.items() if k != "$ref"}}
            if not isinstance(part, dict):
                raise self.fail("allOf", f"{path}/allOf/{i}", "each allOf entry must be a schema object")
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                elif key == "type" and "type" in merged:
                    left = set(merged["type"] if isinstance(merged["type"], list) else [merged["type"]])
                    right = set(value if isinstance(value, list) else [value])
                    if {"number", "integer"} <= left | right and not left & right:
                        left |= {"integer"}
                        right |= {"integer"}
                    common = sorted(left & right)
                    if not common:
                        raise self.fail(
                            "allOf", path, f"allOf requires types {sorted(left)} and {sorted(right)} at once"
                        )
                    merged["type"] = common if len(common) > 1 else common[0]
                elif key in merged and merged[key] != value and key not in ANNOTATIONS:
                    raise self.fail("allOf", path, f"allOf gives {key!r} two different values")
                else:
                    merged[key] = value
        return merged

    def _first_branch(
        self, schema: dict[str, Any], keyword: str, path: str, *, name: str | None, index: int, minimal: bool
    ) -> Any:
        branches = schema[keyword]
        if not isinstance(branches, list) or not branches:
            raise self.fail(keyword, path, f"{keyword} needs a non-empty list of schemas")
        rest = {k: v for k, v in schema.items() if k != keyword}
        last: UnsatisfiableSchema | None = None
        for i, branch in enumerate(branches):
            if isinstance(branch, dict) and branch.get("type") == "null" and len(branches) > 1:
                continue  # Optional[X]: give the X, which a test can assert on
            saved = (list(self.numbers), list(self.strings))
            try:
                combined = {"allOf": [rest, branch]} if rest else branch
                return self.value(combined, f"{path}/{keyword}/{i}", name=name, index=index, minimal=minimal)
            except UnsatisfiableSchema as exc:
                self.numbers, self.strings = saved
                last = exc
        if last is None:
            return None  # every branch was null
        raise last

    def _checked_choice(
        self, schema: dict[str, Any], choices: list[Any], keyword: str, path: str, index: int = 0
    ) -> Any:
        fitting = [c for c in choices if self._fits_type(schema, c)]
        if not fitting:
            raise self.fail(keyword, path, f"no {keyword} value {choices!r} has type {schema.get('type')!r}")
        return fitting[index % len(fitting)]  # array items walk the members, so uniqueItems holds

    def _fits_type(self, schema: dict[str, Any], value: Any) -> bool:
        declared = schema.get("type")
        if declared is None:
            return True
        kinds = declared if isinstance(declared, list) else [declared]
        return any(_is_type(value, kind) for kind in kinds)

    # --- containers -------------------------------------------------------------------------

    def _object(self, schema: dict[str, Any], path: str, minimal: bool) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        if not isinstance(properties, dict) or not isinstance(required, list):
            raise self.fail("properties", path, "'properties' must be an object and 'required' a list")
        closed = schema.get("additionalProperties") is False
        missing = [name for name in required if name not in properties]
        if missing and closed:
            raise self.fail(
                "required",
                path,
                f"{missing[0]!r} is required but additionalProperties is false "
                "and it is not among the properties",
            )
        names = [n for n in properties if not minimal or n in required]
        names += [n for n in missing if n not in names]
        low, high = schema.get("minProperties", 0), schema.get("maxProperties")
        if high is not None and len(required) > high:
            raise self.fail(
                "maxProperties", path, f"{len(required)} required properties exceed maxProperties {high}"
            )
        if high is not None:
            names = [n for n in names if n in required] + [n for n in names if n not in required]
            names = names[:high]
        if len(names) < low:
            raise self.fail(
                "minProperties", path, f"minProperties {low} but only {len(names)} properties are declared"
            )
        result: dict[str, Any] = {}
        for name in names:
            sub = properties.get(name, {"type": "string"})
            result[name] = self.value(sub, f"{path}/properties/{name}", name=name, index=0, minimal=minimal)
        return result

    def _array(self, schema: dict[str, Any], path: str, name: str | None, minimal: bool) -> list[Any]:
        prefix = schema.get("prefixItems") or []
        items = schema.get("items", {} if not prefix else False)
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        if high is not None and low > high:
            raise self.fail("minItems", path, f"minItems {low} is above maxItems {high}")
        wanted = max(low, 0 if minimal else 1, len(prefix) if not minimal else 0)
        if not minimal and isinstance(items, dict) and items.get("type") in ("string", "number", "integer"):
            pool = self.strings if items["type"] == "string" else self.numbers
            plain = not any(k in items for k in ("enum", "const", "format", "pattern"))
            if plain and len(pool) > wanted:
                wanted = len(pool)
        if high is not None:
            wanted = min(wanted, int(high))
        if items is False and wanted > len(prefix):
            if low > len(prefix):
                raise self.fail(
                    "items", path, f"minItems {low} but only {len(prefix)} prefixItems are allowed"
                )
            wanted = len(prefix)
        element = f"{name} item" if name else "item"
        result = []
        for i in range(wanted):
            sub = prefix[i] if i < len(prefix) else items
            result.append(self.value(sub, f"{path}/items/{i}", name=element, index=i, minimal=minimal))
        if schema.get("uniqueItems") and len({_freeze(v) for v in result}) < len(result):
            raise self.fail(
                "uniqueItems", path, f"the item schema admits fewer than {wanted} distinct values"
            )
        return result

    # --- leaves -----------------------------------------------------------------------------


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }.get(kind, False)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
