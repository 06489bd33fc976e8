"""Structured output: ask for an answer in a JSON schema, get it back parsed and validated.

``schema`` is a JSON schema (a dict) or a pydantic model class. It is sent as OpenAI's
``response_format={"type": "json_schema", "json_schema": {"name", "schema", "strict": True}}``
(litellm translates it for Anthropic). The answer is parsed to a dict (JSON schema) or a model
instance (pydantic); anything else raises :class:`ttt.ResponseFormatError`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any, TypeGuard, cast

from ttt.errors import ResponseFormatError

__all__ = ["Schema", "check_schema", "parse_answer", "response_format"]

#: A JSON schema dict, or a pydantic model class (typed loosely: pydantic is imported lazily).
Schema = Mapping[str, Any] | type

_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _is_model(schema: Any) -> TypeGuard[type[Any]]:
    return isinstance(schema, type) and callable(getattr(schema, "model_json_schema", None))


def check_schema(schema: Any) -> Schema:
    """The schema, copied (a dict) or as is (a pydantic class); ValueError when it is neither,
    or when a dict is not a valid JSON schema, before any request is paid for."""
    if _is_model(schema):
        return schema
    if not isinstance(schema, Mapping):
        raise ValueError(f"schema must be a JSON schema dict or a pydantic model class, not {schema!r}")
    schema = copy.deepcopy(dict(schema))
    validator = _validator_class(schema)
    if validator is not None:
        from jsonschema.exceptions import SchemaError

        try:
            validator.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"schema is not a valid JSON schema: {exc.message}") from exc
    return schema


def _name(schema: Schema) -> str:
    if _is_model(schema):
        raw = schema.__name__
    else:
        raw = str(cast(Mapping[str, Any], schema).get("title") or "response")
    return (_NAME.sub("_", raw).strip("_") or "response")[:64]  # OpenAI: ^[a-zA-Z0-9_-]{1,64}$


def _json_schema(schema: Schema) -> dict[str, Any]:
    if not _is_model(schema):
        return copy.deepcopy(dict(cast(Mapping[str, Any], schema)))
    # OpenAI's strict mode needs additionalProperties=false and every property required; litellm
    # applies the openai SDK's own conversion (the one it uses for a pydantic response_format).
    from ttt import _litellm

    converted = _litellm.get().utils.type_to_response_format_param(schema)
    return converted["json_schema"]["schema"]


def response_format(schema: Schema) -> dict[str, Any]:
    """The ``response_format`` request parameter for ``schema``; the same schema always gives
    the same dict (record/replay matches on the request body)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": _name(schema), "schema": _json_schema(schema), "strict": True},
    }


def _validator_class(schema: Mapping[str, Any]) -> Any:
    try:
        from jsonschema.validators import validator_for
    except ImportError:  # jsonschema comes with litellm; without it, answers are only JSON-parsed
        return None
    return validator_for(schema)


def parse_answer(
    schema: Schema,
    content: str,
    *,
    provider: str | None,
    model: str | None,
    finish_reason: str | None = None,
    refusal: str | None = None,
) -> Any:
    """``content`` parsed and validated against ``schema``: a dict, or a model instance."""
    name = _name(schema)
    where = f"answer from {provider or 'the model'} for schema {name!r}"
    kw: dict[str, Any] = {"content": content, "provider": provider, "model": model}
    if refusal:
        raise ResponseFormatError(f"{where}: the model refused: {refusal}", **kw)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        hint = " (the answer was cut off: finish_reason=length)" if finish_reason == "length" else ""
        raise ResponseFormatError(
            f"{where} is not valid JSON{hint}: {exc.msg} at position {exc.pos}: {content[:200]!r}", **kw
        ) from exc
    if _is_model(schema):
        from pydantic import ValidationError

        try:
            return schema.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()
            )
            raise ResponseFormatError(f"{where} does not validate: {problems}", **kw) from exc
    validator = _validator_class(cast(Mapping[str, Any], schema))
    if validator is not None:
        from jsonschema.exceptions import best_match

        error = best_match(validator(schema).iter_errors(data))
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path) or "<root>"
            raise ResponseFormatError(f"{where} does not validate at {path}: {error.message}", **kw)
    return data
