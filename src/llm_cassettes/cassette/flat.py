"""A validated cassette as the plain values ``marshal`` holds, and back: what a parse pack stores.

The flat form is made from the cassette the validator built, so the pack holds what a parse of the text
gave, not a document to validate again; each JSON response keeps its wire bytes too, because rendering
them costs more than building the whole cassette from this form. A flat form that does not have the
expected shape raises ValueError: the caller parses the text instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import Cassette, Fault, Interaction, RecordedRequest, RecordedResponse


def flatten(cassette: Cassette) -> tuple[Any, ...]:
    """``(meta, interactions)`` of tuples, lists, dicts, strings, numbers and bytes."""
    return (cassette.meta, [_flat_interaction(interaction) for interaction in cassette.interactions])


def _flat_interaction(interaction: Interaction) -> tuple[Any, ...]:
    request, response, fault = interaction.request, interaction.response, interaction.fault
    flat_response = None
    if response is not None:
        wire = response.body if "json" in response.body_doc else None
        flat_response = (response.status, response.reason, response.headers, response.body_doc, wire)
    flat_fault = (fault.error, fault.message, fault.ms) if fault is not None else None
    return (request.method, request.uri, request.headers, request.body_doc, flat_response, flat_fault)


def unflatten(flat: Any, path: Path | None) -> Cassette:
    """The cassette ``flatten`` was given (with ``path``); ValueError if ``flat`` is not such a form."""
    try:
        meta, interactions = flat
        if type(meta) is not dict or type(interactions) is not list:
            raise ValueError("not a flat cassette")
        return Cassette(meta=meta, interactions=[_interaction(item) for item in interactions], path=path)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a flat cassette: {exc}") from None


def _interaction(flat: Any) -> Interaction:
    method, uri, headers, body_doc, flat_response, flat_fault = flat
    response = None
    if flat_response is not None:
        status, reason, response_headers, response_doc, wire = flat_response
        response = RecordedResponse(status, reason, response_headers, response_doc)
        if wire is not None:
            if type(wire) is not bytes:
                raise ValueError("a response's wire bytes are not bytes")
            response.knowing_body(wire)
    fault = Fault(*flat_fault) if flat_fault is not None else None
    return Interaction(RecordedRequest(method, uri, headers, body_doc), response, fault)
