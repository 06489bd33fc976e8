"""The emulator's default "model": pure functions from a chat request to an answer.

Nothing here does I/O or looks at the clock, so the same request always gets the same
answer and the same token counts. The answers are deliberately tiny and predictable
(arithmetic, counting, name memory, a code snippet, otherwise an echo) so tests can
assert on them.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# Counting answers longer than this are cut: a test never needs more, and a typo like
# "count to 1000000" must not make the emulator build a multi-megabyte body.
MAX_COUNT = 500

# One "token" for usage and streaming: optional leading whitespace plus a word or one
# punctuation mark. The pieces concatenate back to the exact text.
_TOKEN_RE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


@dataclass(frozen=True)
class Reply:
    """What the emulated model says: the text, its streaming pieces, and usage counts."""

    text: str
    pieces: tuple[str, ...]
    finish: str  # "stop", or "length" when max_tokens cut the answer
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def tokenize(text: str) -> list[str]:
    """Split text into approximate tokens whose concatenation is the original text."""
    return _TOKEN_RE.findall(text)


def message_text(content: Any) -> str:
    """The plain text of a message's content: a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])
            elif isinstance(block, dict) and block.get("type") == "tool_result":
                parts.append(message_text(block.get("content")))
        return "\n".join(parts)
    return ""


def count_prompt_tokens(request: dict[str, Any]) -> int:
    """Approximate prompt tokens: text tokens plus a small per-message overhead, like real APIs."""
    messages = request.get("messages") or []
    total = 3  # every reply is primed with a few tokens
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            total += 4 + len(tokenize(message_text(message.get("content"))))
    system = request.get("system")
    if system:
        total += 4 + len(tokenize(message_text(system)))
    return total


def respond(request: dict[str, Any]) -> Reply:
    """Answer a chat request (OpenAI or Anthropic shape) and account for its tokens."""
    messages = [m for m in (request.get("messages") or []) if isinstance(m, dict)]
    return reply_for(answer(messages), request)


def reply_for(text: str, request: dict[str, Any], *, prompt_tokens: int | None = None) -> Reply:
    """``text`` as the reply to ``request``: cut to its max_tokens, with its token counts."""
    pieces = tokenize(text)
    finish = "stop"
    limit = _max_tokens(request)
    if limit is not None and len(pieces) > limit:
        pieces = pieces[: max(limit, 0)]
        finish = "length"
    return Reply(
        text="".join(pieces),
        pieces=tuple(pieces),
        finish=finish,
        prompt_tokens=count_prompt_tokens(request) if prompt_tokens is None else prompt_tokens,
        completion_tokens=len(pieces),
    )


def _max_tokens(request: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        value = request.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def answer(messages: list[dict[str, Any]]) -> str:
    """The answer text for the last user message, given the whole conversation."""
    user_texts = [message_text(m.get("content")) for m in messages if m.get("role") == "user"]
    if not user_texts:
        return "Hello! How can I help you today?"
    last = user_texts[-1].strip()
    for rule in _RULES:
        reply = rule(last, user_texts[:-1])
        if reply is not None:
            return reply
    return f"You said: {last}"


# --- rules, tried in order; each returns None when it does not apply ---------------------

_NAME_STATEMENT = re.compile(r"\bmy name is\s+([A-Z][\w'-]*|[\w'-]+)", re.IGNORECASE)
_NAME_QUESTION = re.compile(r"\b(what(?:'s| is)\s+my name|do you (?:remember|know) my name|who am i)\b", re.I)


def _name_rule(last: str, history: list[str]) -> str | None:
    if _NAME_QUESTION.search(last):
        name = _last_name([*history, last])
        return f"Your name is {name}." if name else "I don't know your name yet."
    match = _NAME_STATEMENT.search(last)
    if match:
        return f"Nice to meet you, {match.group(1)}!"
    return None


def _last_name(texts: Iterable[str]) -> str | None:
    name = None
    for text in texts:
        for match in _NAME_STATEMENT.finditer(text):
            name = match.group(1)
    return name


_COUNT_RE = re.compile(r"\bcount(?:\s+from\s+(-?\d+))?\s+(?:up\s+)?to\s+(-?\d+)", re.IGNORECASE)


def _count_rule(last: str, history: list[str]) -> str | None:
    match = _COUNT_RE.search(last)
    if not match:
        return None
    start = int(match.group(1)) if match.group(1) else 1
    end = int(match.group(2))
    step = 1 if end >= start else -1
    numbers = list(range(start, end + step, step))[:MAX_COUNT]
    return "\n".join(str(n) for n in numbers)


_CODE_RE = re.compile(r"\b(write|give|show|create|implement)\b.*\b(python|function|code|script)\b", re.I)

# Small, fixed snippets keyed by a word in the request; "why": tests only need a fenced
# block that is valid Python, not a clever program.
_SNIPPETS: tuple[tuple[str, str], ...] = (
    ("factorial", "def factorial(n: int) -> int:\n    return 1 if n <= 1 else n * factorial(n - 1)"),
    (
        "fibonacci",
        "def fibonacci(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n"
        "    return a",
    ),
    (
        "prime",
        "def is_prime(n: int) -> bool:\n    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))",
    ),
    ("reverse", "def reverse_string(s: str) -> str:\n    return s[::-1]"),
    ("palindrome", "def is_palindrome(s: str) -> bool:\n    return s == s[::-1]"),
    ("sum", "def add(a: float, b: float) -> float:\n    return a + b"),
    ("add", "def add(a: float, b: float) -> float:\n    return a + b"),
)
_DEFAULT_SNIPPET = 'def greet(name: str) -> str:\n    return f"Hello, {name}!"'


def _code_rule(last: str, history: list[str]) -> str | None:
    if not _CODE_RE.search(last):
        return None
    lowered = last.lower()
    snippet = next((code for word, code in _SNIPPETS if word in lowered), _DEFAULT_SNIPPET)
    return f"Here is a Python function:\n\n```python\n{snippet}\n```"


# Arithmetic: a run of numbers, operators, parentheses and spaces containing an operator.
_EXPR_RE = re.compile(r"[-(]*\d[\d.\s+\-*/×x÷()]*\d\)*")
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _arithmetic_rule(last: str, history: list[str]) -> str | None:
    for candidate in _EXPR_RE.findall(last.replace(",", "")):
        expression = candidate.replace("×", "*").replace("x", "*").replace("÷", "/").strip()
        if not re.search(r"\d\s*[-+*/]\s*[-(]*\d", expression):
            continue
        try:
            value = _evaluate(ast.parse(expression, mode="eval").body)
        except ZeroDivisionError:
            return "Division by zero is undefined."
        except (SyntaxError, ValueError):
            continue
        return _format_number(value)
    return None


def _evaluate(node: ast.AST) -> float:
    """Evaluate + - * / on numbers only; anything else is rejected (no eval())."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("unsupported expression")


def _format_number(value: float) -> str:
    if isinstance(value, int) or (math.isfinite(value) and value == int(value)):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


_RULES: tuple[Callable[[str, list[str]], str | None], ...] = (
    _name_rule,
    _count_rule,
    _code_rule,
    _arithmetic_rule,
)
