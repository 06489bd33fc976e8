"""multipart/form-data bodies, part by part: each part's headers and content scrubbed on their own.

Uploads (files, audio, images) are multipart bodies; their bytes are often not UTF-8, so a cassette
stores them as ``base64:``. The boundary is found from the body itself
(:func:`llm_cassettes.cassette.codec.multipart_boundary`), as matching finds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NAME = re.compile(rb'(?i)content-disposition:[^\r\n]*?\bname="(?P<name>[^"\r\n]*)"')


def scrub_parts(
    body: bytes,
    boundary: bytes,
    scrub_bytes: Callable[[bytes], bytes],
    is_credential_name: Callable[[str], bool],
    redacted: bytes = b"REDACTED",
) -> bytes:
    """Every part scrubbed on its own; a part named like a credential (``api_key``) loses its content."""
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    out = [chunks[0]]
    for chunk in chunks[1:]:
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:  # the closing "--\r\n", or something that is not a part
            out.append(scrub_bytes(chunk))
            continue
        ending = b"\r\n" if content.endswith(b"\r\n") else b""
        value = content[: len(content) - len(ending)]
        name = _NAME.search(head)
        if name is not None and value and is_credential_name(name["name"].decode("latin-1")):
            value = redacted
        else:
            value = scrub_bytes(value)
        out.append(scrub_bytes(head) + separator + value + ending)
    return delimiter.join(out)


def part_fields(body: bytes, boundary: bytes) -> list[tuple[str, bytes]]:
    """(form field name, content) of each named part, for the scanner."""
    fields: list[tuple[str, bytes]] = []
    for chunk in body.split(b"--" + boundary)[1:]:
        head, separator, content = chunk.partition(b"\r\n\r\n")
        name = _NAME.search(head) if separator else None
        if name is not None:
            fields.append((name["name"].decode("latin-1"), content.removesuffix(b"\r\n")))
    return fields
