"""OpenAI embeddings and the model catalogues (OpenAI and Anthropic), plus Anthropic's count_tokens.

Embeddings (POST /v1/embeddings): one vector per input, of the model's real dimension
(text-embedding-3-small 1536, -3-large 3072, ada-002 1536; ``dimensions`` shortens the -3 models),
unit length like the real ones, derived from a hash of the model and the text, so the same text always
gets the same vector and different texts differ. ``encoding_format: float`` lists float32 values in
their shortest decimal form; ``base64`` packs the little-endian float32 bytes (what the official SDK
asks for by default). The body is pretty-printed like every OpenAI body.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from collections.abc import Sequence
from typing import Any

from ..responder import tokenize
from . import _common as common

EMBEDDINGS_PATH = "/v1/embeddings"
MODELS_PATH = "/v1/models"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"

DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
# The name the API reports back (ada's is a versioned alias).
REPORTED = {"text-embedding-ada-002": "text-embedding-ada-002-v2"}
SHORTENABLE = frozenset({"text-embedding-3-small", "text-embedding-3-large"})


def vector(model: str, text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector: hash-derived coordinates, rounded to float32."""
    raw: list[float] = []
    counter = 0
    while len(raw) < dimensions:
        digest = hashlib.sha256(f"{model}\0{text}\0{counter}".encode()).digest()
        raw += [(value / 0xFFFF) * 2 - 1 for value in struct.unpack("<16H", digest)]
        counter += 1
    raw = raw[:dimensions]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [_float32(x / norm) for x in raw]


def _float32(value: float) -> float:
    """The float32 nearest ``value``, as the shortest decimal that reads back to it (what the API prints)."""
    exact = struct.unpack("<f", struct.pack("<f", value))[0]
    for digits in range(6, 10):
        candidate = float(f"{exact:.{digits}g}")
        if struct.unpack("<f", struct.pack("<f", candidate))[0] == exact:
            return candidate
    return exact


def inputs_of(value: Any) -> list[str | list[int]] | None:
    """The request's inputs as a list (a string, strings, a token list or token lists); None if invalid."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return [value]
        if all(isinstance(v, str) for v in value) or all(
            isinstance(v, list) and all(isinstance(t, int) for t in v) for v in value
        ):
            return list(value)
    return None


def input_tokens(item: str | list[int]) -> int:
    return len(item) if isinstance(item, list) else len([t for t in tokenize(item) if t.strip()])


def embeddings_body(
    model: str, inputs: Sequence[str | list[int]], *, encoding: str, dimensions: int
) -> bytes:
    data = []
    for index, item in enumerate(inputs):
        text = item if isinstance(item, str) else " ".join(map(str, item))
        values = vector(model, text, dimensions)
        embedding: Any = values
        if encoding == "base64":
            embedding = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(input_tokens(item) for item in inputs)
    body = {
        "object": "list",
        "data": data,
        "model": REPORTED.get(model, model),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return common.indented_json(body, 2)


# --- model catalogues --------------------------------------------------------------------------------

# (id, created) as GET /v1/models lists them; "created" is the epoch the API reports for the model.
OPENAI_MODELS = (
    ("gpt-4o-mini", 1721172741),
    ("gpt-4o-mini-2024-07-18", 1721172717),
    ("gpt-4o", 1715367049),
    ("gpt-4.1", 1744316542),
    ("gpt-4.1-mini", 1744318173),
    ("gpt-5", 1754425777),
    ("gpt-5-mini", 1754425928),
    ("o3-mini", 1737146383),
    ("o4-mini", 1744225351),
    ("text-embedding-3-small", 1705948997),
    ("text-embedding-3-large", 1705953180),
    ("text-embedding-ada-002", 1671217299),
)
# (id, display name, created_at) as Anthropic's GET /v1/models lists them, newest first.
ANTHROPIC_MODELS = (
    ("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24T00:00:00Z"),
    ("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
    ("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
    ("claude-opus-4-20250514", "Claude Opus 4", "2025-05-22T00:00:00Z"),
    ("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z"),
    ("claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "2025-02-24T00:00:00Z"),
    ("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z"),
    ("claude-3-haiku-20240307", "Claude Haiku 3", "2024-03-07T00:00:00Z"),
)


def _openai_model(model_id: str, created: int) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": "system"}


def openai_models_body() -> bytes:
    data = [_openai_model(model_id, created) for model_id, created in OPENAI_MODELS]
    return common.indented_json({"object": "list", "data": data}, 2)


def openai_model_body(model_id: str) -> bytes | None:
    """GET /v1/models/{id}; None when the catalogue has no such model (the caller answers 404)."""
    created = dict(OPENAI_MODELS).get(model_id)
    return None if created is None else common.indented_json(_openai_model(model_id, created), 2)


def anthropic_models_body() -> bytes:
    data = [
        {"type": "model", "id": model_id, "display_name": name, "created_at": created}
        for model_id, name, created in ANTHROPIC_MODELS
    ]
    body = {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
    return common.compact_json(body)


def count_tokens_body(input_tokens: int) -> bytes:
    return common.compact_json({"input_tokens": input_tokens})
