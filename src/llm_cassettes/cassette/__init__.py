"""The cassette room: the model, how it is stored (codec, validation, YAML), and crash-safe writes."""

from ..errors import CassetteError, CassetteWriteError
from .codec import (
    Headers,
    Timing,
    decode_body,
    encode_body,
    header,
    headers_from_doc,
    headers_to_doc,
    rebase_chunks,
    with_chunks,
)
from .model import FAULT_NAMES, Cassette, Fault, Interaction, RecordedRequest, RecordedResponse
from .validate import FORMAT_VERSION, ORIGINS, from_document
from .yaml_io import dumps, load, parse, same_content, to_document

__all__ = [
    "FAULT_NAMES",
    "FORMAT_VERSION",
    "ORIGINS",
    "Cassette",
    "CassetteError",
    "CassetteWriteError",
    "Fault",
    "Headers",
    "Interaction",
    "RecordedRequest",
    "RecordedResponse",
    "Timing",
    "decode_body",
    "dumps",
    "encode_body",
    "from_document",
    "header",
    "headers_from_doc",
    "headers_to_doc",
    "load",
    "parse",
    "rebase_chunks",
    "same_content",
    "to_document",
    "with_chunks",
]
