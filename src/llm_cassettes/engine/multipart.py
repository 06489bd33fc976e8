"""multipart/form-data bodies as what they mean: their parts, not the random boundary between them.

httpx (and httpx2) pick a fresh boundary for every upload, so two sends of the same file never have the
same bytes. Matching compares the parts instead: each part's field name, file name, content type and
content. The boundary is read from the body itself (its first line), so no header is needed and a
recorded body and a live one are reduced the same way.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

# RFC 2046: 1-70 characters from a restricted set.
_BOUNDARY_LINE = re.compile(rb"--([0-9A-Za-z'()+_,./:=?-]{1,70})\r\n")
_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)="((?:[^"\\]|\\.)*)"|;\s*([A-Za-z0-9_*-]+)=([^;\s]+)')
# Longer text parts are matched by digest: a key (and a miss report) need not hold a whole upload.
TEXT_LIMIT = 4096


def _content(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and len(text) <= TEXT_LIMIT:
        return text
    return {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


def _part(raw: bytes) -> dict[str, Any] | None:
    head, separator, content = raw.partition(b"\r\n\r\n")
    if not separator:
        return None
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition", "")
    params = {}
    for quoted_name, quoted, bare_name, bare in _PARAM.findall(disposition):
        params[(quoted_name or bare_name).lower()] = quoted if quoted_name else bare
    return {
        "name": params.get("name"),
        "filename": params.get("filename"),
        "content_type": headers.get("content-type"),
        "content": _content(content),
    }


def multipart_parts(body: bytes) -> list[dict[str, Any]] | None:
    """The parts of a multipart body, or None when ``body`` is not one (then it is matched as it is)."""
    match = _BOUNDARY_LINE.match(body)
    if match is None:
        return None
    delimiter = b"\r\n--" + match.group(1)
    if not body.rstrip(b"\r\n").endswith(delimiter + b"--"):
        return None
    inner = body[match.end() : body.rstrip(b"\r\n").rindex(delimiter + b"--")]
    parts = []
    for raw in inner.split(delimiter + b"\r\n"):
        part = _part(raw)
        if part is None:
            return None
        parts.append(part)
    return parts
