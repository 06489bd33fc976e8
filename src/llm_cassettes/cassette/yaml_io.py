"""Reading and writing cassette YAML: safe loading (no aliases), readable dumping, and file loads.

Loading tries :mod:`.fast_yaml` first (yaml-rs, on text it provably reads as PyYAML does), then PyYAML's
C safe loader; big cassettes keep their parsed document in :mod:`.parse_cache`, small ones in their
folder's pack (:mod:`.parse_pack`). Dumping is PyYAML's alone, so what a recording writes never depends
on which loader reads it back.
"""

from __future__ import annotations

import gc
import os
import stat
from pathlib import Path
from typing import Any, overload

import yaml

from ..errors import CassetteError
from . import fast_yaml, parse_pack
from .codec import headers_to_doc
from .model import Cassette, Interaction
from .parse_cache import cache_key, cached_document, store_document
from .validate import FORMAT_VERSION, from_document

# The C loader/dumper are an order of magnitude faster; both are "safe" (no arbitrary objects).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader, noting whether it built a value JSON has no type for (a date, bytes, a set).

    Only those YAML tags call the Python constructors wrapped below, so a cassette without them costs
    nothing extra, and only one with them has its JSON bodies searched for the offending field.
    """

    saw_non_json = False


def _noting(construct: Any) -> Any:
    def construct_and_note(loader: _Loader, node: yaml.Node) -> Any:
        loader.saw_non_json = True
        return construct(loader, node)

    return construct_and_note


for _tag, _construct in (
    ("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_timestamp),
    ("tag:yaml.org,2002:binary", yaml.SafeLoader.construct_yaml_binary),
    ("tag:yaml.org,2002:set", yaml.SafeLoader.construct_yaml_set),
):
    _Loader.add_constructor(_tag, _noting(_construct))

# A YAML alias (``*name``) can only stand where a node starts: at the start of a line (after indentation
# and block indicators ``- ? :``) or after a flow indicator ``[ { , :``. _may_hold_alias finds every such
# ``*``, plus harmless look-alikes (a markdown "* item" line, "a, *b*"), with C-speed str.find: a cassette
# without a look-alike loads with no extra work; otherwise the exact (slower) check runs, see
# _NoAliasLoader. Line breaks are YAML's: \n, \r, NEL, LS and PS.
_NODE_START_BEFORE = frozenset("[{,:?-\n\r\x85\u2028\u2029")


def _may_hold_alias(text: str) -> bool:
    find = text.find
    i = find("*")
    while i != -1:
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j < 0 or text[j] in _NODE_START_BEFORE:
            return True
        i = find("*", i + 1)
    return False


class _AliasFound(yaml.YAMLError):
    def __init__(self, mark: Any) -> None:
        self.problem_mark = mark
        self.problem = (
            "uses a YAML alias (*name); a cassette needs no anchors or aliases, write the value out"
        )
        super().__init__(self.problem)


class _NoAliasLoader(_Loader):  # type: ignore[misc, valid-type]
    """The safe loader, refusing any node reached twice (that is what an alias is).

    Aliases let a few hundred bytes stand for gigabytes once expanded ("billion laughs"): loading
    shares the objects, but JSON-encoding a body, matching or scrubbing walks them in full.
    Only used when _may_hold_alias says so, because this costs one Python call per node.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasFound(node.start_mark)
        return super().construct_object(node, deep)


def parse(text: str, path: str | Path | None = None) -> Cassette:
    """Parse and validate cassette text; every problem is a CassetteError naming ``path``."""
    key = cache_key(text)
    # A small cassette read from a file: its folder's pack (the text's hash) instead of its own entry.
    pack_source = path if key is None else None
    packed = parse_pack.text_digest(text) if pack_source is not None else None
    # Loading allocates millions of small objects and no garbage: the cyclic collector would run
    # hundreds of times for nothing (2-3x the load time of a large cassette).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if pack_source is not None and packed is not None:
            cassette = parse_pack.cached_cassette(pack_source, packed)
            if cassette is not None:
                return cassette
        else:
            doc = cached_document(key)
            if doc is not None:
                # Validated again (the text's hash and the entry's checksum matched, its shape is
                # checked all the same); stored only when it held no value JSON has no type for, which
                # marshal could not have added since: the walk of its JSON bodies is skipped.
                try:
                    return from_document(doc, path, check_json=False)
                except CassetteError:
                    pass  # a cache entry that does not validate is not trusted: the text decides
        doc, non_json = _load_yaml(text, path)
        cassette = from_document(doc, path, check_json=non_json)
        if not non_json:  # only cassettes that validate, before anything can change them
            if pack_source is not None and packed is not None:
                parse_pack.store_cassette(pack_source, packed, cassette)
            else:
                store_document(key, doc)
        return cassette
    finally:
        if collecting:
            gc.enable()


def _load_yaml(text: str, path: str | Path | None) -> tuple[Any, bool]:
    """The document, and whether it holds a value JSON has no type for (the fast path never does)."""
    doc = fast_yaml.load(text)
    if doc is not None:
        return doc, False
    loader = (_NoAliasLoader if _may_hold_alias(text) else _Loader)(text)
    try:
        return loader.get_single_data(), loader.saw_non_json
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CassetteError(path, f"not valid YAML{where}: {problem}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # bad dates/ints, absurd nesting
        raise CassetteError(path, f"not valid YAML: {type(exc).__name__}: {exc}"[:300]) from None
    finally:
        loader.dispose()


# O_NONBLOCK: opening a FIFO or device named *.yaml returns at once (a plain open would wait for a
# writer), and fstat then tells it is not a regular file. It changes nothing for regular files.
_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


def _read_text(path: Path) -> str:
    """The file's text with universal newlines, as ``Path.read_text`` gives it, in one open and fstat."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CassetteError(path, "not a regular file", "replace it with a cassette file")
        wanted = info.st_size + 1
        chunks = [os.read(fd, wanted)]
        # A short read of a regular file is its end; a full one means it grew since fstat: read on.
        while len(chunks[-1]) == wanted:
            chunks.append(os.read(fd, wanted := 1 << 16))
    finally:
        os.close(fd)
    text = b"".join(chunks).decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


@overload
def load(path: str | Path) -> Cassette: ...
@overload
def load(path: str | Path, *, missing_ok: bool) -> Cassette | None: ...


def load(path: str | Path, *, missing_ok: bool = False) -> Cassette | None:
    """Read and validate a cassette file; with ``missing_ok``, None when there is no such file."""
    if not isinstance(path, Path):
        path = Path(path)
    try:
        text = _read_text(path)
    except FileNotFoundError:
        if missing_ok:  # one failed open instead of a stat, then an open, for every test
            return None
        raise CassetteError(path, "no such cassette") from None
    except UnicodeDecodeError as exc:
        raise CassetteError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CassetteError(path, f"cannot be read: {exc.strerror or exc}") from None
    return parse(text, path)


# ------------------------------------------------------------------------------------------- dumping


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Multi-line strings (SSE streams, code) as literal blocks, so diffs read line by line."""

    def ignore_aliases(self, data: Any) -> bool:
        # Shared request bodies would otherwise become &id001 anchors: unreadable in a review.
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


class _Pair(list):  # type: ignore[type-arg]
    """One ``[offset, ms]`` chunk entry, written on one line: ``- [187, 560]``."""


def _represent_pair(dumper: yaml.SafeDumper, value: _Pair) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Pair, _represent_pair)


def to_document(cassette: Cassette) -> dict[str, Any]:
    # The count, written right after the format, lets a load tell a truncated file from a short one.
    rest = {k: v for k, v in cassette.meta.items() if k not in ("format", "interactions")}
    meta = {"format": FORMAT_VERSION, "interactions": len(cassette.interactions), **rest}
    return {"meta": meta, "interactions": [_interaction_doc(i) for i in cassette.interactions]}


def _interaction_doc(interaction: Interaction) -> dict[str, Any]:
    request = interaction.request
    doc: dict[str, Any] = {
        "request": {
            "method": request.method,
            "uri": request.uri,
            "headers": headers_to_doc(request.headers),
            "body": request.body_doc,
        }
    }
    if interaction.response is not None:
        response = interaction.response
        body = response.body_doc
        if "chunks" in body:
            body = {**body, "chunks": [_Pair(entry) for entry in body["chunks"]]}
        doc["response"] = {
            "status": {"code": response.status, "message": response.reason},
            "headers": headers_to_doc(response.headers),
            "body": body,
        }
    if interaction.fault is not None:
        fault = interaction.fault
        doc["fault"] = {"error": fault.error, "message": fault.message}
        if fault.ms is not None:
            doc["fault"]["ms"] = fault.ms
    return doc


def dumps(cassette: Cassette) -> str:
    return yaml.dump(
        to_document(cassette),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )


def same_content(a: Cassette, b: Cassette, ignore_meta: tuple[str, ...] = ("recorded_at", "litellm")) -> bool:
    """True when two cassettes hold the same exchanges (provenance timestamps aside)."""
    da, db = to_document(a), to_document(b)
    for doc in (da, db):
        for key in ignore_meta:
            doc["meta"].pop(key, None)
    return da == db
