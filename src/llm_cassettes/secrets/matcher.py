"""All secret patterns as one compiled alternation, gated by cheap literal searches.

Both scrubbing and scanning use one compiled alternation of all patterns (defaults + the user's extra
patterns), so scrubbing a 1,000-interaction cassette costs one regex pass per string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import SecretPatternError
from .known import KnownValue, text_forms, unique
from .patterns import (
    _FIELD_LINE,
    _NAMED_PATTERNS,
    _SCHEME,
    REDACTED,
    _field_kind,
    _redact_value,
    _split_quotes,
    _value_is_safe,
    is_redacted,
)

# ------------------------------------------------------------------------------------------- matcher


_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _scoped(pattern: str) -> str:
    # Python 3.11 rejects global flags ("(?i)...") anywhere but the very start of a pattern; inside the
    # combined alternation a user's leading "(?i)" must become a scoped group "(?i:...)".
    m = _GLOBAL_FLAGS.match(pattern)
    if m:
        flags = m.group(1).replace("u", "").replace("a", "").replace("L", "")
        rest = pattern[m.end() :]
        return f"(?{flags}:{rest})" if flags else rest
    return pattern


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    kind: str
    excerpt: str
    secret: tuple[int, int] = (0, 0)  # the span of the secret itself (within start..end)


# Python's regex engine tries every alternative at every character (~1 us/char for this alternation),
# while ``str.find`` scans at GB/s. So every default pattern contains one of these lowercase literals,
# and the full alternation only runs on the lines where one occurs (test_gate_covers_every_pattern
# keeps the lists in step). Context words only count when a separator follows ("token:", "key=",
# '"api_key":'), so "max_tokens" and "x-ratelimit-remaining-tokens" lines are not scanned.
_GATE_LITERALS: tuple[str, ...] = (
    "sk-", "bearer", "akia", "asia", "abia", "acca", "aiza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "hf_", "gsk_", "xai-", "xox", "eyj", "-----begin", "org-", "proj_", "@", "basic",
)  # fmt: skip
_GATE_WORDS: tuple[str, ...] = (
    "key", "token", "secret", "password", "passwd", "auth", "authorization", "cookie", "organization",
    "organization-id", "project", "sig", "signature", "credential",
    # account-id keys that _scrub_json redacts by name
    "orgid", "org_id", "org-id", "organizationid", "organization_id", "projectid", "project_id", "project-id",
)  # fmt: skip
_ALL_GATES = _GATE_LITERALS + _GATE_WORDS
_GATE_WORD_SET = frozenset(_GATE_WORDS)
_GATE_SEPARATOR = re.compile(r"\\?[\"']?[ \t]*[:=]")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # keeps offsets


class _Matcher:
    """All patterns as one compiled alternation; group ``_lc{i}`` wraps pattern i, ``_lcs{i}`` its secret."""

    def __init__(self, extra_patterns: tuple[str, ...], known: tuple[KnownValue, ...] = ()) -> None:
        # Known values first: at a position where a pattern also matches, the finding names the value.
        named = [
            *((k.kind, "|".join(re.escape(form) for form in text_forms(k.value))) for k in known),
            *_NAMED_PATTERNS,
            *(("custom-pattern", p) for p in extra_patterns),
        ]
        self.known = known
        self.kinds = [kind for kind, _ in named]
        parts = [f"(?P<_lcf>{_FIELD_LINE})"]
        for i, (_, pattern) in enumerate(named):
            body = _scoped(pattern).replace("(?P<secret>", f"(?P<_lcs{i}>")
            body = body.replace("(?P=secret)", f"(?P=_lcs{i})")
            parts.append(f"(?P<_lc{i}>{body})")
        # MULTILINE: the field rule and users' ^/$ anchors mean "line" inside multi-line bodies.
        self.regex = re.compile("|".join(parts), re.MULTILINE)
        self.secret_groups = {f"_lc{i}": f"_lcs{i}" for i in range(len(named))}
        # User patterns have no known literal, so they find their own lines (fast if they start with one).
        self.extras = (
            re.compile("|".join(f"(?:{_scoped(p)})" for p in extra_patterns), re.MULTILINE)
            if (extra_patterns)
            else None
        )
        # A known value is its own gate literal (each of its forms, lowercased like the text searched).
        known_literals = tuple(
            dict.fromkeys(form.translate(_ASCII_LOWER) for k in known for form in text_forms(k.value))
        )
        self.literals = _GATE_LITERALS + known_literals
        self.all_gates = _ALL_GATES + known_literals

    def present(self, text: str) -> tuple[str, ...]:
        """The gate literals that occur in ``text``: checked once for a whole body, then only those
        few are searched for in each of its strings."""
        # str.lower() is ~20x faster than the offset-keeping translate(); it may lowercase a few more
        # characters to ASCII (the Kelvin sign to "k"), which only ever adds a gate, never hides one.
        low = text.lower()
        found = [literal for literal in self.literals if literal in low]
        for word in _GATE_WORDS:
            i = low.find(word)
            while i != -1:
                if _GATE_SEPARATOR.match(low, i + len(word)):
                    found.append(word)
                    break
                i = low.find(word, i + len(word))
        return tuple(found)

    def regions(self, text: str, gates: tuple[str, ...] | None = None) -> list[tuple[int, int]]:
        """Sorted, disjoint (start, end) spans of whole lines that may hold a match."""
        if gates is None:
            gates = self.all_gates
        if not gates and self.extras is None:
            return []
        low = text.translate(_ASCII_LOWER)
        spans: list[tuple[int, int]] = []
        for literal in [g for g in gates if g in low]:  # `in` first: most literals are absent
            word = literal in _GATE_WORD_SET
            i = low.find(literal)
            while i != -1:
                if word and not _GATE_SEPARATOR.match(low, i + len(literal)):
                    i = low.find(literal, i + len(literal))
                    continue
                start = text.rfind("\n", 0, i) + 1
                end = text.find("\n", i)
                end = len(text) if end == -1 else end
                if literal == "-----begin":  # a PEM block spans lines: take it up to its END line
                    stop = low.find("-----end", i)
                    if stop != -1:
                        end = text.find("\n", stop)
                        end = len(text) if end == -1 else end
                spans.append((start, end))
                i = low.find(literal, end)  # one span per line and literal is enough
        if self.extras is not None:
            for m in self.extras.finditer(text):
                end = text.find("\n", m.end())
                spans.append((text.rfind("\n", 0, m.start()) + 1, len(text) if end == -1 else end))
        if len(spans) <= 1:
            return spans
        spans.sort()
        merged = [spans[0]]
        for start, end in spans[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        return merged

    def _secret_span(self, m: re.Match[str]) -> tuple[int, int]:
        group = self.secret_groups[m.lastgroup or ""]
        if group in self.regex.groupindex and m.start(group) >= 0:
            return m.span(group)
        return m.span()

    def _field_is_safe(self, m: re.Match[str]) -> bool:
        return _value_is_safe(m["_lcfn"], m["_lcfv"]) and next(self.matches(m["_lcfv"]), None) is None

    def _replace(self, m: re.Match[str]) -> str:
        text = m.group()
        if not text:  # a user pattern that matches the empty string must not redact every position
            return text
        if m.lastgroup == "_lcf":
            if self._field_is_safe(m):
                return text
            quote, core, tail = _split_quotes(m["_lcfv"])
            start, end = m.span("_lcfv")
            new_value = f"{quote}{_redact_value(m['_lcfn'], core)}{quote}{tail}"
            return text[: start - m.start()] + new_value + text[end - m.start() :]
        start, end = self._secret_span(m)
        if is_redacted(m.string[start:end]):
            return text
        offset = m.start()
        return text[: start - offset] + REDACTED + text[end - offset :]

    def substitute(self, text: str) -> str:
        """Every pattern applied until nothing changes: redacting one secret can leave a remainder
        that another pattern matches (``Bearer sk-…0123`` → ``Bearer REDACTED0123``), and scrubbing
        must be idempotent so a re-scan or a second save finds nothing more."""
        for _ in range(4):
            replaced = self.regex.sub(self._replace, text)
            if replaced == text:
                break
            text = replaced
        return text

    def scrub(self, text: str, gates: tuple[str, ...] | None = None) -> str:
        """``text`` with every secret replaced; the very same object when there was nothing to replace.

        ``gates``: the gate literals that can occur in ``text`` (see :meth:`present`), all by default.
        """
        regions = self.regions(text, gates)
        if not regions:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in regions:
            # Regions are whole lines, so slicing loses no context the patterns look at.
            pieces += [text[last:start], self.substitute(text[start:end])]
            last = end
        pieces.append(text[last:])
        result = "".join(pieces)
        return text if result == text else result

    def matches(self, text: str, regions: list[tuple[int, int]] | None = None) -> Iterator[re.Match[str]]:
        for start, end in self.regions(text) if regions is None else regions:
            yield from self.regex.finditer(text, start, end)

    def hits(self, text: str, regions: list[tuple[int, int]] | None = None) -> Iterator[_Hit]:
        for m in self.matches(text, regions):
            if not m.group():
                continue
            if m.lastgroup == "_lcf":
                if self._field_is_safe(m):
                    continue
                name, value = m["_lcfn"], m["_lcfv"]
                inner = next(self.hits(value), None)
                kind = inner.kind if inner else _field_kind(name)
                quote, core, _ = _split_quotes(value)
                core_start = m.start("_lcfv") + len(quote)
                excerpt = f"{name}: {_mask_value(core)}"
                yield _Hit(m.start(), m.end(), kind, excerpt, (core_start, core_start + len(core)))
                continue
            start, end = self._secret_span(m)
            secret = text[start:end]
            if is_redacted(secret):
                continue
            kind = self.kinds[int((m.lastgroup or "_lc0")[3:])]
            excerpt = text[m.start() : start] + _mask(secret) + text[end : m.end()]
            yield _Hit(m.start(), m.end(), kind, excerpt, (start, end))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sorted, disjoint spans of the secrets in ``text`` (what :meth:`scrub` would replace)."""
        found = sorted(hit.secret for hit in self.hits(text) if hit.secret[1] > hit.secret[0])
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _mask_value(core: str) -> str:
    scheme = _SCHEME.fullmatch(core)
    return f"{scheme['scheme']} {_mask(scheme['rest'])}" if scheme else _mask(core)


def _mask(secret: str) -> str:
    """Enough of a secret to recognise it in a report, never enough to use it."""
    n = len(secret)
    head = min(6, n // 4)
    tail = min(2, n // 10)
    return secret[:head] + "***" + (secret[n - tail :] if tail else "")


def check_patterns(patterns: Sequence[str], source: str) -> None:
    """Raise :class:`SecretPatternError` naming the first pattern that is not a valid regex and
    ``source``, where it was configured (an ini option, the configure hook, ``--pattern``)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SecretPatternError(f"invalid secret pattern {pattern!r} in {source}: {exc}") from None


@lru_cache(maxsize=64)
def _matcher(extra_patterns: tuple[str, ...], known: tuple[KnownValue, ...] = ()) -> _Matcher:
    check_patterns(extra_patterns, "the secret patterns")
    return _Matcher(extra_patterns, known)


def matcher_for(extra_patterns: Sequence[str] = (), known: Iterable[KnownValue] = ()) -> _Matcher:
    """The (cached) matcher of these patterns and known values."""
    return _matcher(tuple(extra_patterns), unique(known))


def compile_patterns(extra_patterns: Sequence[str] = (), source: str = "the secret patterns") -> None:
    """Validate extra patterns early (e.g. at plugin start-up); raises SecretPatternError naming a bad one."""
    check_patterns(extra_patterns, source)
