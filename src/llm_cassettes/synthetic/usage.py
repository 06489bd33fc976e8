"""Token accounting beyond the plain counts: prompt caching across turns, and reasoning tokens.

Anthropic caches the prompt prefix that ends at a block marked ``cache_control`` (tools, then system,
then messages, in that order). A request whose prefix up to a breakpoint was written before *reads*
it (``cache_read_input_tokens``); the part from there to its last breakpoint is *written*
(``cache_creation_input_tokens``, split by ``ttl`` into 5m and 1h); ``input_tokens`` is what remains
after the last breakpoint. Prefixes shorter than the model's minimum (1024 tokens; 2048 for Haiku 3
and 3.5; 4096 for Haiku 4.5 and Opus 4.5) are never cached, silently, as the API does.

OpenAI caches automatically: a prompt of at least 1024 tokens whose prefix (up to a message boundary)
was sent before reports that prefix, rounded down to 128 tokens, as ``cached_tokens``.

The cache is a :class:`PromptCache` the emulator keeps per scenario run, so a test's turns see each
other and nothing else. Reasoning models (o-series, gpt-5) report ``reasoning_tokens`` by effort.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .responder import message_text, tokenize

OPENAI_MINIMUM = 1024
OPENAI_INCREMENT = 128
REASONING_TOKENS = {"none": 0, "minimal": 0, "low": 64, "medium": 192, "high": 512, "xhigh": 1024}


def anthropic_minimum(model: str) -> int:
    if "haiku-4" in model or "opus-4-5" in model or "opus-4.5" in model:
        return 4096
    if "haiku" in model:
        return 2048
    return 1024


def is_reasoning_model(model: str) -> bool:
    bare = model.rsplit("/", 1)[-1]
    return bare[:2] in ("o1", "o3", "o4") or (bare.startswith("gpt-5") and "chat" not in bare)


def reasoning_tokens(model: str, effort: str | None) -> int:
    if not is_reasoning_model(model):
        return 0
    return REASONING_TOKENS.get(effort or "medium", REASONING_TOKENS["medium"])


@dataclass(frozen=True)
class CacheUsage:
    input_tokens: int  # not read from and not written to the cache
    cache_read: int = 0
    cache_creation_5m: int = 0
    cache_creation_1h: int = 0

    @property
    def cache_creation(self) -> int:
        return self.cache_creation_5m + self.cache_creation_1h


@dataclass
class PromptCache:
    """Prefixes written so far in one scenario run (hashes only)."""

    keys: set[str] = field(default_factory=set)

    def clear(self) -> None:
        self.keys.clear()

    def anthropic(self, request: dict[str, Any], total_tokens: int) -> CacheUsage:
        """Usage of an Anthropic request whose whole prompt counts ``total_tokens``."""
        model = str(request.get("model") or "")
        segments = _anthropic_segments(request)
        breakpoints = [i for i, s in enumerate(segments) if s.ttl]
        if not breakpoints:
            return CacheUsage(total_tokens)
        prefixes = _prefix_keys(model, segments)
        cumulative = _cumulative(segments, total_tokens)
        last = breakpoints[-1]
        read_at = next((i for i in range(last, -1, -1) if prefixes[i] in self.keys), None)
        read = cumulative[read_at] if read_at is not None else 0
        written = 0
        if cumulative[last] >= anthropic_minimum(model):
            written = cumulative[last] - read
            self.keys.update(prefixes[i] for i in breakpoints if cumulative[i] >= anthropic_minimum(model))
        long_ttl = segments[last].ttl == "1h"
        return CacheUsage(
            input_tokens=total_tokens - read - written,
            cache_read=read,
            cache_creation_5m=0 if long_ttl else written,
            cache_creation_1h=written if long_ttl else 0,
        )

    def openai(self, request: dict[str, Any], total_tokens: int) -> int:
        """``cached_tokens`` of an OpenAI chat or Responses request whose prompt counts ``total_tokens``."""
        model = str(request.get("model") or "")
        segments = _openai_segments(request)
        if not segments or total_tokens < OPENAI_MINIMUM:
            return 0
        prefixes = _prefix_keys(model, segments)
        cumulative = _cumulative(segments, total_tokens)
        hit = next((cumulative[i] for i in range(len(segments) - 1, -1, -1) if prefixes[i] in self.keys), 0)
        self.keys.update(
            p for p, tokens in zip(prefixes, cumulative, strict=True) if tokens >= OPENAI_MINIMUM
        )
        cached = hit // OPENAI_INCREMENT * OPENAI_INCREMENT
        return cached if cached >= OPENAI_MINIMUM else 0


@dataclass(frozen=True)
class _Segment:
    material: str  # what the block says, without its cache marker
    tokens: int
    ttl: str | None = None  # "5m" / "1h" when the block is a cache breakpoint


def _segment(block: Any, overhead: int = 0) -> _Segment:
    ttl = None
    if isinstance(block, dict):
        marker = block.get("cache_control")
        if isinstance(marker, dict):
            ttl = "1h" if marker.get("ttl") == "1h" else "5m"
        block = {k: v for k, v in block.items() if k != "cache_control"}
        plain = block.get("type", "text") == "text" and isinstance(block.get("text"), str)
        # Tool definitions, tool_use and tool_result blocks count as the JSON they are.
        text = block["text"] if plain and "name" not in block else json.dumps(block, sort_keys=True)
    else:
        text = message_text(block)
    return _Segment(json.dumps(block, sort_keys=True), overhead + len(tokenize(text)), ttl)


def tool_tokens(request: dict[str, Any]) -> int:
    """What the tool definitions add to a prompt (the plain prompt count leaves them out)."""
    return sum(_segment(tool).tokens for tool in request.get("tools") or [] if isinstance(tool, dict))


def _anthropic_segments(request: dict[str, Any]) -> list[_Segment]:
    segments = [_segment(tool) for tool in request.get("tools") or [] if isinstance(tool, dict)]
    system = request.get("system")
    if isinstance(system, str) and system:
        segments.append(_segment(system, 4))
    elif isinstance(system, list):
        segments += [_segment(block, 4 if i == 0 else 0) for i, block in enumerate(system)]
    for message in request.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        role = str(message.get("role"))
        for i, block in enumerate(blocks):
            seg = _segment(block, 4 if i == 0 else 0)
            segments.append(_Segment(role + seg.material, seg.tokens, seg.ttl))
    return segments


def _openai_segments(request: dict[str, Any]) -> list[_Segment]:
    segments = [_segment(tool) for tool in request.get("tools") or [] if isinstance(tool, dict)]
    items = request.get("messages")
    if items is None:  # Responses API
        items = request.get("input")
        items = [{"role": "user", "content": items}] if isinstance(items, str) else items or []
        if request.get("instructions"):
            segments.append(_segment(str(request["instructions"]), 4))
    for item in items:
        if isinstance(item, dict):
            segments.append(
                _Segment(
                    json.dumps(item, sort_keys=True), 4 + len(tokenize(message_text(item.get("content"))))
                )
            )
    return segments


def _prefix_keys(model: str, segments: list[_Segment]) -> list[str]:
    digest = hashlib.sha256(model.encode())
    keys = []
    for segment in segments:
        digest.update(b"\0" + segment.material.encode())
        keys.append(digest.copy().hexdigest())
    return keys


def _cumulative(segments: list[_Segment], total_tokens: int) -> list[int]:
    """Tokens up to and including each segment, never above the request's own total."""
    running, out = 0, []
    for segment in segments:
        running += segment.tokens
        out.append(min(running, total_tokens))
    return out
