"""Reading a few environment variables on every cassette load or replayed call, cheaply.

``os.environ.get`` of an unset name raises and catches a KeyError inside (~2-3 us each); the mapping's
own store answers in ~0.1 us. Values are read live, so variables the plugin (or a test) sets later are
seen; where the store is not there, the public API is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def reader(names: tuple[str, ...]) -> Callable[[], tuple[str | None, ...]]:
    """A function returning the current values of ``names``, None for a name that is not set."""
    data = getattr(os.environ, "_data", None)
    encode = getattr(os.environ, "encodekey", None)
    decode = getattr(os.environ, "decodevalue", None)
    if not isinstance(data, dict) or encode is None or decode is None:
        return lambda: tuple(os.environ.get(name) for name in names)
    keys = tuple(encode(name) for name in names)
    return lambda: tuple(decode(raw) if (raw := data.get(key)) is not None else None for key in keys)
