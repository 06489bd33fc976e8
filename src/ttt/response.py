"""AIResponse: the answer text plus what it cost and who produced it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ttt.tools import ToolCall

__all__ = ["AIResponse", "Usage"]


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def from_litellm(cls, usage: Any) -> Usage | None:
        if usage is None:
            return None
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        total = int(getattr(usage, "total_tokens", 0) or 0) or prompt + completion
        return cls(prompt, completion, total)

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, eq=False)
class AIResponse:
    """A model's answer. Behaves like its text: ``str(r)``, ``"x" in r``, ``r == "text"``.

    ``model`` is the model id the provider says answered (e.g. ``gpt-4o-mini-2024-07-18``),
    which may be more specific than what was asked for. ``cost`` is in USD, None if unknown.
    ``tool_calls`` lists the tools the model wants called (``finish_reason`` is then usually
    ``"tool_calls"``); ``parsed`` is the answer parsed by the ``schema=`` the call asked for (a
    dict, or a pydantic model instance), None without a schema.
    """

    content: str
    model: str | None = None
    provider: str | None = None
    usage: Usage | None = None
    cost: float | None = None
    time_taken: float = 0.0
    succeeded: bool = True
    error: BaseException | None = field(default=None, repr=False)
    finish_reason: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    parsed: Any = None

    @classmethod
    def failed(
        cls, error: BaseException, *, model: str | None, provider: str | None, time_taken: float
    ) -> AIResponse:
        return cls("", model=model, provider=provider, time_taken=time_taken, succeeded=False, error=error)

    def __str__(self) -> str:
        return self.content

    def __contains__(self, item: str) -> bool:
        return item in self.content

    def __len__(self) -> int:
        return len(self.content)

    def __bool__(self) -> bool:
        # A failed response is falsy even though dataclasses are truthy by default.
        return self.succeeded

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.content == other
        if isinstance(other, AIResponse):
            return self.to_dict() == other.to_dict()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.content)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (what ``ttt --json`` prints)."""
        return {
            "content": self.content,
            "model": self.model,
            "provider": self.provider,
            "usage": self.usage.to_dict() if self.usage else None,
            "cost": self.cost,
            "time_taken": self.time_taken,
            "succeeded": self.succeeded,
            "error": str(self.error) if self.error is not None else None,
            "finish_reason": self.finish_reason,
            "tool_calls": [
                {"id": call.id, "name": call.name, "arguments": call.arguments} for call in self.tool_calls
            ],
            "parsed": _jsonable(self.parsed),
        }


def _jsonable(value: Any) -> Any:
    # A pydantic model instance (from schema=SomeModel) as plain JSON data; dicts pass through.
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value
