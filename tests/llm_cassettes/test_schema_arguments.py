"""Tool arguments and structured output generated from JSON schemas, checked by a real validator."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_cassettes.synthetic.arguments import Hints, UnsatisfiableSchema, generate


def _valid(schema: dict, hints: Hints | None = None) -> object:
    value = generate(schema, owner="tool 'probe'", hints=hints)
    jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)
    return value


def test_numbers_from_the_prompt_fill_numeric_arguments_in_order() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    }
    assert _valid(schema, Hints.from_texts(["What is 1231 * 2331?"])) == {"a": 1231, "b": 2331}


def test_proper_names_and_quoted_strings_fill_string_arguments() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    assert _valid(schema, Hints.from_texts(["What's the weather in Paris today?"])) == {"city": "Paris"}
    quoted = Hints.from_texts(['Look up the password "mellon" please'])
    assert _valid(schema, quoted) == {"city": "mellon"}
    # A capital at the start of a sentence is not a name.
    assert _valid(schema, Hints.from_texts(["Weather please. Thanks"])) == {"city": "example city"}


def test_a_hint_that_breaks_a_constraint_is_skipped() -> None:
    schema = {
        "type": "object",
        "properties": {"days": {"type": "integer", "minimum": 1, "maximum": 7}},
        "required": ["days"],
    }
    assert _valid(schema, Hints.from_texts(["Forecast for 30 or 3 days"])) == {"days": 3}


def test_every_required_property_present_with_its_type_and_enums_respected() -> None:
    schema = {
        "type": "object",
        "properties": {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "count": {"type": "integer"},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
            "flag": {"type": "boolean"},
            "nothing": {"type": "null"},
            "when": {"type": "string", "format": "date-time"},
            "kind": {"const": "fixed"},
        },
        "required": ["unit", "count", "ratio", "flag", "nothing", "when", "kind"],
        "additionalProperties": False,
    }
    value = _valid(schema)
    assert value["unit"] == "celsius" and value["kind"] == "fixed"
    assert isinstance(value["count"], int) and not isinstance(value["count"], bool)
    assert 0 < value["ratio"] <= 0.5 and value["flag"] is True and value["nothing"] is None


def test_nested_objects_and_arrays_are_filled() -> None:
    schema = {
        "type": "object",
        "properties": {
            "order": {
                "type": "object",
                "properties": {
                    "lines": {
                        "type": "array",
                        "minItems": 2,
                        "items": {
                            "type": "object",
                            "properties": {
                                "sku": {"type": "string"},
                                "qty": {"type": "integer", "minimum": 1},
                            },
                            "required": ["sku", "qty"],
                        },
                    },
                    "tags": {
                        "type": "array",
                        "items": {"type": "string"},
                        "uniqueItems": True,
                        "minItems": 3,
                    },
                },
                "required": ["lines", "tags"],
            }
        },
        "required": ["order"],
    }
    value = _valid(schema)
    assert len(value["order"]["lines"]) == 2
    assert len(set(value["order"]["tags"])) == 3


def test_pydantic_style_refs_optional_and_recursion() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
                "required": ["name", "children"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    value = _valid(schema)
    assert isinstance(value["note"], str)  # Optional[str] gives the str, not None

    def depth(node: dict) -> int:
        return 1 + max((depth(child) for child in node["children"]), default=0)

    assert 1 < depth(value) < 10


def test_all_of_merges_and_strict_output_schemas_validate() -> None:
    schema = {
        "allOf": [
            {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]},
            {"properties": {"explanation": {"type": "string", "minLength": 20}}, "required": ["explanation"]},
        ]
    }
    value = _valid(schema, Hints.from_texts(["4", "What is 2+2?"]))
    assert value["answer"] == 4 and len(value["explanation"]) >= 20


def test_the_same_schema_and_hints_always_give_the_same_value() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "number"}, "s": {"type": "string"}}}
    first = generate(schema, owner="t", hints=Hints.from_texts(["3.5 in Rome"]))
    assert (
        first
        == generate(schema, owner="t", hints=Hints.from_texts(["3.5 in Rome"]))
        == {"x": 3.5, "s": "Rome"}
    )


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": "object", "properties": {"a": {"not": {"type": "string"}}}}, "not"),
        ({"type": "object", "if": {"type": "object"}, "then": {}}, "if"),
        ({"type": "array", "contains": {"type": "integer"}}, "contains"),
        ({"type": "integer", "minimum": 5, "maximum": 3}, "minimum"),
        ({"type": "integer", "minimum": 1.2, "maximum": 1.8}, "minimum"),
        ({"type": "integer", "multipleOf": 7, "minimum": 1, "maximum": 6}, "multipleOf"),
        ({"type": "string", "minLength": 5, "maxLength": 2}, "minLength"),
        ({"type": "array", "minItems": 3, "maxItems": 1}, "minItems"),
        ({"type": "string", "enum": []}, "enum"),
        ({"type": "integer", "enum": ["a", "b"]}, "enum"),
        ({"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 3}, "uniqueItems"),
        ({"type": "string", "pattern": "^\\d{3}$"}, "pattern"),
        ({"allOf": [{"type": "string"}, {"type": "integer"}]}, "allOf"),
        ({"type": "object", "required": ["x"], "additionalProperties": False}, "required"),
        ({"$ref": "#/$defs/Missing"}, "$ref"),
        ({"$ref": "https://example.com/schema.json"}, "$ref"),
        ({"type": "widget"}, "type"),
    ],
)
def test_unsatisfiable_schema_names_the_tool_and_the_keyword(schema: dict, keyword: str) -> None:
    with pytest.raises(UnsatisfiableSchema) as caught:
        generate(
            {"type": "object", "properties": {"arg": schema}, "required": ["arg"]}, owner="tool 'lookup'"
        )
    error = caught.value
    assert error.keyword == keyword
    assert str(error).startswith("tool 'lookup': the emulator cannot generate")
    assert f"keyword {keyword!r} at #/properties/arg" in str(error)


def test_infinitely_recursive_schema_is_an_error_not_a_hang() -> None:
    schema = {
        "$defs": {
            "L": {"type": "object", "properties": {"next": {"$ref": "#/$defs/L"}}, "required": ["next"]}
        },
        "$ref": "#/$defs/L",
    }
    with pytest.raises(UnsatisfiableSchema, match="recursive"):
        generate(schema, owner="tool 'chain'")


def test_the_quoted_value_workaround_for_patterns_works() -> None:
    schema = {"type": "string", "pattern": "^\\d{3}$"}
    assert _valid(schema, Hints.from_texts(['use code "042"'])) == "042"


# --- property: whatever the supported subset produces is valid, or a named error -----------------

_leaf = st.one_of(
    st.builds(
        lambda lo, span, step: {
            "type": "integer",
            **({"minimum": lo} if lo is not None else {}),
            **({"maximum": lo + span} if lo is not None and span is not None else {}),
            **({"multipleOf": step} if step else {}),
        },
        st.none() | st.integers(-50, 50),
        st.none() | st.integers(0, 40),
        st.none() | st.integers(1, 9),
    ),
    st.builds(
        lambda lo, hi: {"type": "number", "exclusiveMinimum": lo, "maximum": lo + hi},
        st.floats(-10, 10, allow_nan=False),
        st.floats(0.001, 10),
    ),
    st.builds(
        lambda lo, extra: {"type": "string", "minLength": lo, "maxLength": lo + extra},
        st.integers(0, 30),
        st.integers(0, 5),
    ),
    st.sampled_from([{"type": "boolean"}, {"type": "null"}, {"type": "string", "format": "email"}]),
    st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4, unique=True).map(lambda e: {"enum": e}),
)


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    objects = st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), children, max_size=4).flatmap(
        lambda props: st.builds(
            lambda required: {"type": "object", "properties": props, "required": required},
            st.lists(st.sampled_from(sorted(props)), unique=True) if props else st.just([]),
        )
    )
    arrays = st.builds(
        lambda items, low, extra: {"type": "array", "items": items, "minItems": low, "maxItems": low + extra},
        children,
        st.integers(0, 3),
        st.integers(0, 3),
    )
    unions = st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches})
    return objects | arrays | unions


_schemas = st.recursive(_leaf, _containers, max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(_schemas, st.lists(st.integers(-100, 100), max_size=3), st.lists(st.text(max_size=8), max_size=3))
def test_generated_values_validate_or_the_error_names_a_keyword(schema, numbers, strings) -> None:
    try:
        value = generate(schema, owner="tool 'fuzz'", hints=Hints(list(numbers), list(strings)))
    except UnsatisfiableSchema as error:
        # Only numeric ranges with multipleOf can be empty in this strategy.
        assert error.keyword in ("multipleOf", "minimum", "maximum"), str(error)
        return
    jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)
