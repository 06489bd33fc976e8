"""``llm-cassettes convert``: a vcrpy / pytest-recording cassette -> llm-cassettes (decoded, scrubbed),
or back."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..cassette import Cassette, dumps, load
from ..cassette.persist import write_atomic
from ..cassette.vcrpy import decode_vcrpy_text, to_vcrpy_text
from ..errors import CassetteError
from ..secrets import scrub_cassette
from ..secrets.known import configured, from_headers
from ._common import OK, USAGE, run

HELP = "vcrpy cassette -> llm-cassettes (or back)"


def from_vcrpy_text(text: str, path: str | Path = "<vcrpy cassette>") -> Cassette:
    """A vcrpy cassette's interactions, decoded and scrubbed, as an llm-cassettes ``Cassette``."""
    cassette = decode_vcrpy_text(text, path)
    # The keys a vcrpy cassette forgot to filter come back wherever the provider echoed them.
    known = [*configured(), *from_headers(h for i in cassette for h in i.request.headers)]
    return scrub_cassette(cassette, known=known)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-cassettes convert",
        description="Convert a vcrpy / pytest-recording cassette into llm-cassettes format (decoded, "
        "scrubbed), or back with --to-vcrpy.",
    )
    parser.add_argument("source", type=Path, help="the cassette to convert")
    parser.add_argument("target", type=Path, help="where to write the converted cassette")
    parser.add_argument("--to-vcrpy", action="store_true", help="llm-cassettes → vcrpy instead")
    return parser


def main(argv: Sequence[str]) -> int:
    """0 written; 2 the source is missing or is not a cassette of the expected kind; 3 the write failed."""
    return run(parser(), argv, _convert)


def _convert(args: argparse.Namespace) -> int:
    try:
        if args.to_vcrpy:
            text = to_vcrpy_text(load(args.source))
        else:
            if not args.source.is_file():
                raise CassetteError(args.source, "no such file", "pass the path of a vcrpy cassette")
            text = dumps(from_vcrpy_text(args.source.read_text(encoding="utf-8"), args.source))
    except CassetteError as exc:
        print(f"llm-cassettes convert: {exc}", file=sys.stderr)
        return USAGE
    write_atomic(args.target, text)  # a CassetteWriteError is an error (3), reported by run()
    print(f"wrote {args.target}")
    return OK
