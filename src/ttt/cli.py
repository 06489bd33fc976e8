"""Command line: ``ttt "What is 2+2?" -m fast [--stream] [--json] [--system ...] [--offline]``.

Exit codes: 0 success, 1 the call failed (missing key, provider error), 2 usage error (bad
arguments, empty prompt, unknown model). Expected errors print one line on stderr, no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ttt.errors import ModelNotFoundError, TTTError
from ttt.routing import ALIASES, resolve

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    aliases = ", ".join(f"{k}={v.model}" for k, v in sorted(ALIASES.items()))
    p = argparse.ArgumentParser(
        prog="ttt",
        description="Ask a language model a question.",
        epilog=f"Model aliases: {aliases}. Offline mode (--offline or TTT_OFFLINE=1) needs no key.",
    )
    p.add_argument("prompt", nargs="?", help="the question (read from stdin when omitted)")
    p.add_argument("-m", "--model", default=os.environ.get("TTT_MODEL", "fast"), help="alias or model id")
    p.add_argument("-s", "--system", help="system prompt")
    p.add_argument("-t", "--temperature", type=float)
    p.add_argument("--max-tokens", type=int)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    p.add_argument("--stream", action="store_true", help="print the answer as it arrives")
    p.add_argument("--json", action="store_true", help="print the response as JSON")
    p.add_argument("--offline", action="store_true", help="answer with a canned reply: no key, no network")
    return p


def _offline_answer(prompt: str) -> str:
    return f"[offline] ttt would ask the model: {prompt}"


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failed call, 2 usage error)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and bad usage (2); return instead
        return int(exc.code or 0)

    prompt = args.prompt
    if prompt is None and not sys.stdin.isatty():
        prompt = sys.stdin.read()
    if not prompt or not prompt.strip():
        print("ttt: error: empty prompt (give it as an argument or on stdin)", file=err)
        return EXIT_USAGE
    try:
        resolve(args.model)
    except ModelNotFoundError as exc:
        print(f"ttt: error: {exc}", file=err)
        return EXIT_USAGE

    offline = args.offline or os.environ.get("TTT_OFFLINE", "").strip().lower() in ("1", "true", "yes")
    options = {
        "model": args.model,
        "system": args.system,
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
        "timeout": args.timeout,
        "mock_response": _offline_answer(prompt) if offline else None,
    }

    import ttt  # deferred: keeps `ttt --help` and usage errors fast

    try:
        if args.stream:
            stream = ttt.stream(prompt, **options)
            for chunk in stream:
                if not args.json:
                    out.write(chunk)
                    out.flush()
            response = stream.response
            if not args.json:
                out.write("\n")
        else:
            response = ttt.ask(prompt, **options)
            if not args.json:
                out.write(response.content + "\n")
    except TTTError as exc:
        print(f"ttt: error: {exc}", file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ttt: interrupted", file=err)
        return 130

    if args.json and response is not None:
        data = response.to_dict()
        out.write(json.dumps({k: data[k] for k in _JSON_FIELDS}, indent=2) + "\n")
    return EXIT_OK


_JSON_FIELDS = ("content", "model", "provider", "usage", "cost", "time_taken")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
