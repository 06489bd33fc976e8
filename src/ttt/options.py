"""CallOptions: everything about a call except the conversation, in one value.

``ttt.ask``/``aask``/``stream``/``astream``/``chat``/``achat`` and :class:`ttt.ChatSession` all take
the same keyword arguments (:class:`CallKwargs`); they turn them into one frozen
:class:`CallOptions` here, so a new option is added in one place instead of six signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from ttt.retry import RateLimiter, RetryPolicy, get_default_policy, get_default_rate_limiter
from ttt.structured import Schema, check_schema
from ttt.tools import normalize_tool_choice, normalize_tools

__all__ = ["DEFAULT_TIMEOUT", "CallKwargs", "CallOptions", "Message"]

#: One chat message in OpenAI's format (``role``, ``content``, and for tool turns ``tool_calls`` /
#: ``tool_call_id``).
Message = dict[str, Any]

DEFAULT_TIMEOUT = 60.0


class CallKwargs(TypedDict, total=False):
    """The keyword arguments shared by every public call; see :class:`CallOptions` for meanings."""

    model: str
    system: str | None
    temperature: float | None
    max_tokens: int | None
    timeout: float | None
    fallbacks: Sequence[str] | None
    retry: RetryPolicy | None
    rate_limiter: RateLimiter | None
    mock_response: str | None
    tools: Sequence[Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    schema: Schema | None


@dataclass(frozen=True)
class CallOptions:
    """Everything about a call except the conversation.

    ``model`` is an alias or model string; ``system`` is prepended to the messages as a system
    turn; ``fallbacks`` replaces the alias's own list (None keeps it); ``retry`` and
    ``rate_limiter`` default to the module-wide ones; ``mock_response`` answers through
    litellm's mock (offline, no key needed). ``tools`` are OpenAI-style tool definitions and
    ``tool_choice`` is ``"auto"``/``"none"``/``"required"``, a tool's name, or OpenAI's dict;
    ``schema`` (a JSON schema dict or a pydantic model class) asks for a structured answer,
    returned parsed as ``AIResponse.parsed``.
    """

    model: str = "fast"
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    fallbacks: tuple[str, ...] | None = None  # None: the alias's own fallbacks
    retry: RetryPolicy | None = None
    rate_limiter: RateLimiter | None = None
    mock_response: str | None = None
    tools: tuple[dict[str, Any], ...] | None = None
    tool_choice: str | dict[str, Any] | None = None
    schema: Schema | None = None

    def __post_init__(self) -> None:
        # Callers pass any sequence (README shows lists); keep a hashable, immutable tuple.
        if self.fallbacks is not None and not isinstance(self.fallbacks, tuple):
            object.__setattr__(self, "fallbacks", tuple(self.fallbacks))
        # Checked and copied once, here: bad definitions fail before any request, and later
        # changes to the caller's dicts cannot change what is sent.
        tools = normalize_tools(self.tools)
        object.__setattr__(self, "tools", tools)
        object.__setattr__(self, "tool_choice", normalize_tool_choice(self.tool_choice, tools))
        if self.schema is not None:
            object.__setattr__(self, "schema", check_schema(self.schema))

    def replace(self, **changes: Any) -> CallOptions:
        """A copy with some options changed (CallOptions is frozen)."""
        return replace(self, **changes)

    @property
    def policy(self) -> RetryPolicy:
        return self.retry or get_default_policy()

    @property
    def limiter(self) -> RateLimiter | None:
        return self.rate_limiter or get_default_rate_limiter()
