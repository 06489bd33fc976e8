"""Numbers and strings that satisfy a JSON schema's leaf keywords (see ``arguments`` for the rules).

``fail(keyword, problem)`` is the caller's error factory: it knows the tool and the schema path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

Fail = Callable[[str, str], Exception]

FORMATS = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uri-reference": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "hostname": "example.com",
}


def number_value(
    schema: dict[str, Any], kind: str, index: int, hints: list[float], fail: Fail
) -> int | float:
    """The first hint that fits (removed from ``hints``), else the most natural value that does."""
    integer = kind == "integer"
    low, low_open = _lower(schema)
    high, high_open = _upper(schema)
    step = schema.get("multipleOf")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int | float) or step <= 0):
        raise fail("multipleOf", f"multipleOf must be a positive number, not {step!r}")

    def fits(value: float) -> bool:
        if integer and not float(value).is_integer():
            return False
        if low is not None and (value < low or (low_open and value == low)):
            return False
        if high is not None and (value > high or (high_open and value == high)):
            return False
        return step is None or _is_multiple(value, step)

    for i, hint in enumerate(hints):
        if fits(hint):
            del hints[i]
            return int(hint) if integer else hint
    for candidate in _candidates(low, low_open, high, integer, step, index):
        if fits(candidate):
            return int(candidate) if integer else candidate
    keyword = "multipleOf" if step is not None else "minimum" if low is not None else "maximum"
    extra = f" that is a multiple of {step}" if step is not None else ""
    raise fail(keyword, f"no {kind}{extra} lies in {_range(low, low_open, high, high_open)}")


def string_value(schema: dict[str, Any], name: str | None, index: int, hints: list[str], fail: Fail) -> str:
    """A fixed value for a known ``format``; else the first fitting hint; else one made from ``name``."""
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    if high is not None and low > high:
        raise fail("minLength", f"minLength {low} is above maxLength {high}")
    pattern = schema.get("pattern")
    try:
        regex = re.compile(pattern) if pattern is not None else None
    except (re.error, TypeError):
        raise fail("pattern", f"{pattern!r} is not a regular expression Python can read") from None

    def fits(text: str) -> bool:
        return (
            len(text) >= low
            and (high is None or len(text) <= high)
            and (regex is None or regex.search(text) is not None)
        )

    fmt = schema.get("format")
    if fmt in FORMATS:
        if not fits(FORMATS[fmt]):
            raise fail("format", f"the {fmt} value {FORMATS[fmt]!r} breaks the length or pattern limits")
        return FORMATS[fmt]
    for i, hint in enumerate(hints):
        if fits(hint):
            del hints[i]
            return hint
    base = f"example {name}" if name else "example"
    if index:
        base = f"{base} {index + 1}"  # array items differ, so uniqueItems holds
    for candidate in (base, base.replace(" ", "_"), "example", "a", "A", "0"):
        if regex is None:  # pad or cut to the length limits; a pattern's candidates stay as they are
            candidate = (candidate + "x" * max(0, low - len(candidate)))[
                : None if high is None else int(high)
            ]
        if fits(candidate):
            return candidate
    keyword = "pattern" if regex is not None else "maxLength"
    raise fail(keyword, f"no generated string fits {keyword} {pattern if regex else high!r}")


def _lower(schema: dict[str, Any]) -> tuple[float | None, bool]:
    """The tighter of minimum / exclusiveMinimum, and whether it is open."""
    value = _num(schema.get("minimum"))
    exclusive = schema.get("exclusiveMinimum")
    if isinstance(exclusive, bool):  # draft 4: a flag that opens "minimum"
        return value, exclusive and value is not None
    exclusive = _num(exclusive)
    if exclusive is not None and (value is None or exclusive >= value):
        return exclusive, True
    return value, False


def _upper(schema: dict[str, Any]) -> tuple[float | None, bool]:
    value = _num(schema.get("maximum"))
    exclusive = schema.get("exclusiveMaximum")
    if isinstance(exclusive, bool):
        return value, exclusive and value is not None
    exclusive = _num(exclusive)
    if exclusive is not None and (value is None or exclusive <= value):
        return exclusive, True
    return value, False


def _num(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _candidates(
    low: float | None, low_open: bool, high: float | None, integer: bool, step: float | None, index: int
) -> list[float]:
    """Values to try, most natural first: 1 (plus the item index, so array items differ), else the
    lower bound, else just below the upper bound. ``fits`` has the last word on each."""
    if low is not None:
        start, offset = low, index
    elif high is not None and high < 1 + index:
        start, offset = (math.floor(high) - 1 if integer else high - 1), 0
    else:
        start, offset = 1 + index, 0
    if step is not None:
        first = math.ceil(start / step) * step
        if low is not None and low_open and first <= low:
            first += step
        multiples = [first + k * step for k in [*range(offset, offset + 200), *range(offset)]]
        return [v for v in multiples if not integer or float(v).is_integer()]
    if integer:
        first = math.ceil(start)
        if low is not None and low_open and first == low:
            first += 1
        return [first + offset, first, math.floor(high) if high is not None else first]
    if low is not None and low_open:
        gap = 1.0 if high is None else min(1.0, (high - low) / 2)
        return [low + gap + offset, low + gap]
    return [start + offset, start, high if high is not None else start]


def _range(low: float | None, low_open: bool, high: float | None, high_open: bool) -> str:
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    return f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"


def _is_multiple(value: float, step: float) -> bool:
    quotient = value / step
    return abs(quotient - round(quotient)) < 1e-9
