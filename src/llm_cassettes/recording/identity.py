"""A test's cassette path: an injective function of its full pytest node id.

``tests/a/test_same.py::TestOuter::TestInner::test_x[gpt-4o-mini]`` is stored at::

    <cassette dir>/tests/a/test_same.py/TestOuter.TestInner.test_x[gpt-4o-mini].yaml

- the test file's path relative to the rootdir, folders kept (two ``test_same.py`` in different folders
  never meet), the file name with its ``.py`` (so a module and a package of the same name stay apart);
- the class chain, every class, joined with ``.`` (class and function names cannot contain ``.``);
- the test name and its parametrize id, or the marker's ``cassette=`` name instead of both.

Names stay as they are when they are safe everywhere. Whatever has to change gets a short hash of the
original text appended (``~`` + 8 hex digits), so the mapping stays injective: ``test_x[a/b]`` becomes
``test_x[a-b]~804c3669`` while ``test_x[a-b]`` stays itself (``~`` is never kept from the input, so an
unchanged name cannot look like a changed one). A change is needed for

- characters outside the safe set (path separators, ``:*?"<>|``, spaces, non-ASCII, control characters);
- upper-case letters in a parametrize id: macOS and Windows would take ``[A]`` and ``[a]`` for one
  file; class and function names keep their case (Python code rarely has two that differ only in
  case), and :func:`collisions` catches those that do;
- secret-shaped text in an id or a ``cassette=`` name (``sk-proj-…``): it is redacted
  (``REDACTED-<8 hex>``, by the secrets room), never written;
- names of more than :data:`MAX_NAME_BYTES` bytes (255 is the limit of most file systems; a cassette's
  temp file and a checkout below a deep folder need room), cut and hashed;
- names Windows reserves (``con``, ``nul``, ``com1``…).

Two tests that still map to one file (a hash collision, names that differ only in case, a ``cassette=``
name equal to another test's) are reported by :func:`collisions` and fail the collection.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings

SUFFIX = ".yaml"
MAX_NAME_BYTES = 150  # a file or folder name, suffix included: well below the common 255-byte limit
HASH_MARK = "~"
HASH_LENGTH = 8  # hex digits: 32 bits, for the few tests of one file whose names needed changing

# What may stay as written. Everything else becomes "-" (and the name gets its hash).
_UNSAFE_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_.,+=@-]")
# Folder and file names of the test path come from the file system, so they were valid where the test
# was written; only what another system refuses is changed.
_UNSAFE_FOLDER = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\]')
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{p}{d}" for p in ("com", "lpt") for d in "123456789"}
)
PARENT_FOLDER = "(parent)"  # stands for ".." in a test path outside the rootdir

Redactor = Callable[[str], str]


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_LENGTH]


@dataclass(frozen=True)
class NodeParts:
    """A node id taken apart: ``folders/file.py::Class::Inner::name[param id]``."""

    file: tuple[str, ...]
    classes: tuple[str, ...]
    name: str
    param_id: str | None

    @classmethod
    def from_nodeid(cls, nodeid: str) -> NodeParts:
        """Parse a pytest node id (as ``item.nodeid`` gives it: rootdir-relative, ``/``-separated).

        The parametrize id is everything after the first ``[`` of the part after the file: class and
        function names cannot hold ``[``, while an id can hold anything, ``::`` and ``]`` included.
        """
        file, sep, rest = nodeid.partition("::")
        if not sep or not rest or not file:
            raise ValueError(f"not a test node id (expected 'path/to/test_file.py::test_name'): {nodeid!r}")
        head, bracket, tail = rest.partition("[")
        param_id = tail[:-1] if bracket and tail.endswith("]") else (tail if bracket else None)
        *classes, name = head.split("::")
        return cls(tuple(p for p in file.split("/") if p not in ("", ".")), tuple(classes), name, param_id)

    @property
    def test_part(self) -> str:
        """The node id after the file: what the cassette's file name stands for."""
        name = self.name if self.param_id is None else f"{self.name}[{self.param_id}]"
        return "::".join((*self.classes, name))


def _fit(readable: str, original: str, changed: bool, suffix: str = "") -> str:
    """``readable + suffix``, or, if anything had to change, cut to fit and tagged with the hash."""
    if not changed and len((readable + suffix).encode("utf-8")) <= MAX_NAME_BYTES:
        return readable + suffix
    tag = HASH_MARK + short_hash(original)
    room = MAX_NAME_BYTES - len((tag + suffix).encode("utf-8"))
    cut = readable.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + tag + suffix


def _reserved(name: str) -> bool:
    return name.partition(".")[0].rstrip(" ").casefold() in _WINDOWS_RESERVED


@lru_cache(maxsize=1024)  # the same few folders and test files, for every test of a suite
def _folder(name: str) -> str:
    if name == "..":
        return PARENT_FOLDER
    safe = _UNSAFE_FOLDER.sub("-", name)
    if safe.endswith((".", " ")):  # Windows drops a trailing dot or space: "a." and "a" would meet
        safe = safe[:-1] + "-"
    return _fit(safe, name, safe != name or _reserved(safe))


def _identifier(name: str) -> tuple[str, bool]:
    safe = _UNSAFE_IDENTIFIER.sub("-", name)
    return safe, safe != name


def _param(text: str, redact: Redactor) -> tuple[str, bool]:
    redacted = redact(text)
    safe = _UNSAFE_ID.sub("-", redacted)
    return safe, safe != text or safe != safe.lower()


def _custom(text: str, redact: Redactor) -> tuple[str, bool]:
    # A name the test's author chose, like a function name: its case stays (collisions() guards it).
    redacted = redact(text)
    safe = _UNSAFE_ID.sub("-", redacted)
    return safe, safe != text or not safe


def cassette_relpath(
    nodeid: str, custom_name: str | None = None, *, redact: Redactor | None = None
) -> PurePosixPath:
    """The cassette's path relative to the cassette directory, for the test ``nodeid``.

    ``custom_name`` is the ``@pytest.mark.llm(cassette=...)`` name: it replaces the test name and id,
    the file and class chain stay. ``redact`` replaces secret-shaped text (default: the scrub patterns).
    """
    parts = NodeParts.from_nodeid(nodeid)
    redact = redact or redact_secrets
    folders = [_folder(p) for p in parts.file]
    names = [_identifier(c) for c in parts.classes]
    if custom_name is not None:
        names.append(_custom(custom_name, redact))
        original = "::".join((*parts.classes, f"cassette={custom_name}"))
        readable = ".".join(n for n, _ in names)
    else:
        names.append(_identifier(parts.name))
        readable = ".".join(n for n, _ in names)
        original = parts.test_part
        if parts.param_id is not None:
            param, param_changed = _param(parts.param_id, redact)
            names.append((param, param_changed))
            readable += f"[{param}]"
    changed = any(c for _, c in names) or _reserved(readable)
    return PurePosixPath(*folders, _fit(readable, original, changed, SUFFIX))


def collision_key(relpath: PurePosixPath | str) -> str:
    """Two paths with one key are one file somewhere (case-insensitive, Unicode-normalising systems)."""
    return unicodedata.normalize("NFC", str(relpath)).casefold()


def collisions(paths: Iterable[tuple[str, PurePosixPath]]) -> list[list[tuple[str, PurePosixPath]]]:
    """Groups of distinct tests (node id, cassette path) that would share one cassette file."""
    groups: dict[str, dict[str, PurePosixPath]] = {}
    for nodeid, path in paths:
        groups.setdefault(collision_key(path), {})[nodeid] = path
    return [sorted(group.items()) for group in groups.values() if len(group) > 1]


def describe_collisions(groups: Sequence[Sequence[tuple[str, PurePosixPath]]], cassette_dir: str) -> str:
    """One message for the groups: the tests, their files, why they meet and what to change."""
    lines = ["llm-cassettes: these tests would share one cassette file:"]
    for group in groups:
        for nodeid, path in group:
            lines.append(f"  {nodeid}\n      -> {cassette_dir}/{path}")
        if len({str(p) for _, p in group}) > 1:
            lines.append("    (the names differ only in case: macOS and Windows store them as one file)")
    lines.append(
        "expected: one cassette file per test; fix: rename one of the tests, or give one its own "
        "name with @pytest.mark.llm(cassette=...)"
    )
    return "\n".join(lines)


def redact_secrets(text: str, settings: Settings | None = None) -> str:
    """Secret-shaped text (provider keys, tokens, the run's known values) out of a file name.

    The one place cassette file names are redacted: the secrets room's :func:`redact_name` (each secret
    becomes ``REDACTED-<8 hex>``), with the project's patterns and known values from ``settings``.
    """
    from ..secrets import redact_name

    return redact_name(text, settings)


def legacy_relpath(nodeid: str, custom_name: str | None = None) -> PurePosixPath:
    """Where earlier llm-cassettes versions stored a test's cassette: ``<module stem>/<Class>.<name>.yaml``.

    Only the innermost class was kept and a few characters replaced by ``-`` (pytest-recording's
    rule), so different tests could share a file; ``llm-cassettes migrate`` moves files from here.
    """
    parts = NodeParts.from_nodeid(nodeid)
    name = custom_name or (parts.name if parts.param_id is None else f"{parts.name}[{parts.param_id}]")
    if parts.classes:
        name = f"{parts.classes[-1]}.{name}"
    for ch in "<>?%*:|\"'/\\":
        name = name.replace(ch, "-")
    stem = PurePosixPath(parts.file[-1]).stem
    return PurePosixPath(stem, name + SUFFIX)
