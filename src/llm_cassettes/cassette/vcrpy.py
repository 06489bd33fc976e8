"""Moving between vcrpy cassettes and llm-cassettes, through vcrpy's own serializer.

Teams adopting llm-cassettes usually have vcrpy / pytest-recording cassettes already: ``import`` turns
them into this format (bodies decoded, gzip undone, requests matchable; ``convert`` then scrubs), and
``export`` writes a cassette back in vcrpy's format, for tools that read vcrpy cassettes. vcrpy's own
``serialize`` / ``deserialize`` read and write its side, so both directions stay exactly what vcrpy does.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from pathlib import Path
from typing import Any

from vcr.request import Request as VcrRequest
from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

from ..errors import CassetteError
from .codec import header, headers_to_doc
from .model import Cassette, Interaction, RecordedRequest, RecordedResponse

# The body is stored decoded and whole; these describe the transfer of the original bytes.
_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _decoded(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]  # only needed for brotli bodies

        return brotli.decompress(body)
    return body


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (str(k), str(v))
        for k, values in dict(headers).items()
        for v in (values if isinstance(values, list) else [values])
    ]


def decode_vcrpy_text(text: str, path: str | Path = "<vcrpy cassette>") -> Cassette:
    """A vcrpy cassette's interactions, decoded, as an llm-cassettes ``Cassette`` (NOT yet scrubbed:
    ``llm-cassettes convert`` scrubs it before anything is written)."""
    try:
        loaded = deserialize(text, yamlserializer)
    except Exception as exc:  # vcrpy raises ValueError, KeyError, YAML errors… for foreign files
        raise CassetteError(
            path,
            f"not a vcrpy cassette ({type(exc).__name__}: {exc})"[:300],
            "pass a vcrpy / pytest-recording YAML cassette",
        ) from None
    requests, responses = loaded[0], loaded[1]
    interactions = []
    for request, response in zip(requests, responses, strict=True):
        response_headers = _pairs(response.get("headers") or {})
        body = _decoded(
            _as_bytes((response.get("body") or {}).get("string")),
            header(response_headers, "content-encoding"),
        )
        status = response.get("status") or {}
        interactions.append(
            Interaction(
                RecordedRequest.from_wire(
                    request.method, request.uri, _pairs(request.headers), _as_bytes(request.body)
                ),
                RecordedResponse.from_wire(
                    int(status.get("code", 200)),
                    str(status.get("message") or ""),
                    [(k, v) for k, v in response_headers if k.lower() not in _TRANSFER_HEADERS],
                    body,
                ),
            )
        )
    meta = {
        "origin": "recorded",
        "recorded_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "imported_from": f"vcrpy cassette {Path(path).name}",
    }
    return Cassette(meta=meta, interactions=interactions)


def to_vcrpy_text(cassette: Cassette) -> str:
    """The cassette in vcrpy's format (faults have no vcrpy form and are left out)."""
    requests, responses = [], []
    for interaction in cassette.interactions:
        if interaction.response is None:
            continue
        request, response = interaction.request, interaction.response
        requests.append(
            VcrRequest(
                request.method,
                request.uri,
                request.body or None,
                {k: [v] for k, v in headers_to_doc(request.headers).items()},
            )
        )
        responses.append(
            {
                "status": {"code": response.status, "message": response.reason},
                "headers": {
                    k: v if isinstance(v, list) else [v] for k, v in headers_to_doc(response.headers).items()
                },
                "body": {"string": response.body},
            }
        )
    return serialize({"requests": requests, "responses": responses}, yamlserializer)
