"""ttt: a small, typed LLM client on top of litellm.

    >>> import ttt
    >>> r = ttt.ask("What is 2+2?", model="fast")
    >>> str(r), r.model, r.usage.total_tokens, r.cost
    >>> r = ttt.ask("Weather in Paris?", tools=[WEATHER_TOOL])   # r.tool_calls: [ToolCall(...)]
    >>> r = ttt.ask("Name a city", schema=City)                   # r.parsed: City(...)

litellm itself is imported lazily (see ``ttt._litellm``): it takes seconds to import, and
``import ttt`` / ``ttt --help`` should not pay for that.
"""

import os

# Must happen before anything imports litellm: otherwise litellm fetches its model cost map
# from GitHub at import time (a network call in every process, and a hang when offline).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from ttt.api import aask, achat, ask, astream, chat, stream
from ttt.errors import (
    AuthenticationError,
    ConnectionError,
    InvalidRequestError,
    ModelNotFoundError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
    ServiceUnavailableError,
    SessionFileError,
    TimeoutError,
    ToolCallError,
    TTTError,
)
from ttt.options import CallOptions
from ttt.response import AIResponse, Usage
from ttt.retry import RateLimiter, RetryPolicy
from ttt.routing import ALIASES, Route, resolve
from ttt.session import ChatSession
from ttt.streaming import AsyncTextStream, TextStream
from ttt.tools import ToolCall

__all__ = [
    "ALIASES",
    "AIResponse",
    "AsyncTextStream",
    "AuthenticationError",
    "CallOptions",
    "ChatSession",
    "ConnectionError",
    "InvalidRequestError",
    "ModelNotFoundError",
    "QuotaExceededError",
    "RateLimitError",
    "RateLimiter",
    "ResponseFormatError",
    "RetryPolicy",
    "Route",
    "ServiceUnavailableError",
    "SessionFileError",
    "TTTError",
    "TextStream",
    "TimeoutError",
    "ToolCall",
    "ToolCallError",
    "Usage",
    "aask",
    "achat",
    "ask",
    "astream",
    "chat",
    "resolve",
    "stream",
]
