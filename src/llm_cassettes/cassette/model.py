"""The cassette model: a test's recorded exchanges, as the engine, the recorder and the tools see them.

A cassette is one YAML file per test::

    meta: {format: 1, origin: recorded, recorded_at: ..., litellm: ..., scenario: ...}
    interactions:
    - request:  {method, uri, headers, body}
      response: {status: {code, message}, headers, body}    # absent when the request failed outright
      fault:    {error: ReadTimeout, message: ..., ms: ...}  # the transport error, if any, and its moment

The body bytes are computed lazily from the stored body document (see :mod:`.codec`): loading a large
cassette only parses YAML.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Self

from .codec import Headers, Timing, decode_body, encode_body, header, with_chunks


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
    def from_wire(
        cls,
        status: int,
        reason: str,
        headers: Headers,
        body: bytes,
        chunks: Sequence[Sequence[int]] | None = None,
    ) -> RecordedResponse:
        """``chunks``: how a streamed body arrived, ``[(offset, ms), ...]`` (kept for text forms only)."""
        doc = encode_body(body, header(headers, "content-type"))
        return cls(status, reason, list(headers), with_chunks(doc, chunks)).knowing_body(body)

    @property
    def chunks(self) -> Timing | None:
        """``[[offset, ms], ...]`` of a streamed body recorded with its arrival; None otherwise."""
        return self.body_doc.get("chunks")


# The faults a cassette can hold: httpx's transport exception classes (all exist in httpx2 too).
FAULT_NAMES = (
    "ReadTimeout",
    "ConnectTimeout",
    "WriteTimeout",
    "PoolTimeout",
    "ConnectError",
    "ReadError",
    "WriteError",
    "RemoteProtocolError",
    "LocalProtocolError",
    "ProxyError",
    "NetworkError",
    "TimeoutException",
    "TransportError",
)


@dataclass
class Fault:
    """A transport error the client saw: before any response, or while reading the body.

    ``error`` is one of :data:`FAULT_NAMES`, checked on load.
    ``ms``: when the client saw it, in ms after the request was sent (None in older cassettes).
    """

    error: str
    message: str = ""
    ms: int | None = None


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
