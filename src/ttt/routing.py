"""Model routing: aliases, provider detection, credentials and fallback order.

Every model ttt talks to is described by a :class:`Route`: which provider serves it, the
model id to hand to litellm, and where its key and base URL come from. Keys and base URLs are
read from the environment at call time (not import time), so tests and the record/replay
machinery can point a provider elsewhere just by setting a variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ttt.errors import AuthenticationError, ModelNotFoundError

__all__ = [
    "ALIASES",
    "PROVIDERS",
    "Alias",
    "Provider",
    "Route",
    "candidates",
    "credentials",
    "resolve",
]


@dataclass(frozen=True)
class Provider:
    name: str
    key_env: str
    base_env: str
    default_base: str


# Anthropic's base has no /v1: litellm appends /v1/messages itself (checked against 1.110:
# api_base="http://host" -> POST http://host/v1/messages). OpenAI and OpenRouter bases do
# include the version and litellm appends /chat/completions.
PROVIDERS: Mapping[str, Provider] = {
    "openai": Provider("openai", "OPENAI_API_KEY", "OPENAI_API_BASE", "https://api.openai.com/v1"),
    "anthropic": Provider(
        "anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_API_BASE", "https://api.anthropic.com"
    ),
    "openrouter": Provider(
        "openrouter", "OPENROUTER_API_KEY", "OPENROUTER_API_BASE", "https://openrouter.ai/api/v1"
    ),
}


@dataclass(frozen=True)
class Alias:
    model: str
    fallbacks: tuple[str, ...] = ()
    note: str = ""


# Every target below is a real model id; the direct-provider ones are in litellm's bundled
# cost map (litellm.model_cost), so AIResponse.cost is populated. OpenRouter ids are not in
# that map (1.110.2); their cost comes from OpenRouter's own usage.cost or the vendor's price.
ALIASES: Mapping[str, Alias] = {
    "fast": Alias("gpt-4o-mini", ("claude-haiku-4-5-20251001",), "cheap and quick"),
    "best": Alias("claude-sonnet-4-5-20250929", ("gpt-4o",), "strongest default"),
    "claude": Alias("claude-sonnet-4-5-20250929", (), "Anthropic's Sonnet"),
    "haiku": Alias("claude-haiku-4-5-20251001", (), "Anthropic's small model"),
    "gpt": Alias("gpt-4o", (), "OpenAI's flagship chat model"),
    "mini": Alias("gpt-4o-mini", (), "OpenAI's small model"),
    "openrouter": Alias("openrouter/openai/gpt-4o-mini", (), "gpt-4o-mini via OpenRouter"),
    "or-fast": Alias("openrouter/openai/gpt-4o-mini", (), "gpt-4o-mini via OpenRouter"),
    "or-best": Alias("openrouter/anthropic/claude-sonnet-4.5", (), "Claude Sonnet via OpenRouter"),
    "or-claude": Alias("openrouter/anthropic/claude-haiku-4.5", (), "Claude Haiku via OpenRouter"),
}


@dataclass(frozen=True)
class Route:
    """One concrete model at one provider."""

    provider: str
    model: str  # the provider's own model id, e.g. "gpt-4o-mini" or "openai/gpt-4o-mini" (OpenRouter)
    requested: str  # what the caller asked for (alias or model string)
    fallbacks: tuple[str, ...] = field(default=(), compare=False)

    @property
    def litellm_model(self) -> str:
        # Always prefix with the provider so litellm never guesses (e.g. "o1" vs a custom route).
        return f"{self.provider}/{self.model}"


_OPENAI = re.compile(r"^(gpt-|chatgpt-|o\d)[\w.\-:]*$")
_ANTHROPIC = re.compile(r"^claude-[\w.\-:@]+$")
_OPENROUTER = re.compile(r"^openrouter/([\w.\-]+)/([\w.\-:]+)$")


def _unknown(name: str) -> ModelNotFoundError:
    known = ", ".join(sorted(ALIASES))
    return ModelNotFoundError(
        f"unknown model {name!r}: use an alias ({known}), an OpenAI model (gpt-*, o1*, openai/...), "
        "an Anthropic model (claude-*, anthropic/...) or openrouter/<vendor>/<model>",
        model=name,
    )


def _detect(name: str, requested: str, fallbacks: tuple[str, ...]) -> Route:
    if name.startswith("openai/"):
        bare = name.removeprefix("openai/")
        if bare:
            return Route("openai", bare, requested, fallbacks)
    elif name.startswith("anthropic/"):
        bare = name.removeprefix("anthropic/")
        if bare:
            return Route("anthropic", bare, requested, fallbacks)
    elif name.startswith("openrouter/"):
        m = _OPENROUTER.match(name)
        if m:
            return Route("openrouter", f"{m.group(1)}/{m.group(2)}", requested, fallbacks)
    elif _OPENAI.match(name):
        return Route("openai", name, requested, fallbacks)
    elif _ANTHROPIC.match(name):
        return Route("anthropic", name, requested, fallbacks)
    raise _unknown(requested)


def resolve(name: str) -> Route:
    """Alias or model string -> Route. Raises ModelNotFoundError naming the known aliases."""
    if not isinstance(name, str) or not name.strip():
        raise _unknown(str(name))
    key = name.strip()
    alias = ALIASES.get(key.lower())
    if alias is not None:
        return _detect(alias.model, key, alias.fallbacks)
    return _detect(key, key, ())


def candidates(name: str, fallbacks: Iterable[str] | None = None) -> list[Route]:
    """The ordered, de-duplicated list of routes to try: the model, then its fallbacks.

    Explicit ``fallbacks`` replace the alias-defined ones (pass ``[]`` to disable fallbacks).
    Every name is validated up front, so a typo in a fallback fails before any request.
    """
    primary = resolve(name)
    chain: Sequence[str] = primary.fallbacks if fallbacks is None else list(fallbacks)
    routes = [primary]
    for fb in chain:
        route = resolve(fb)
        if all((r.provider, r.model) != (route.provider, route.model) for r in routes):
            routes.append(route)
    return routes


def credentials(route: Route, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(api_key, api_base) for a route, read from the environment now.

    Raises AuthenticationError naming the variable when the key is missing.
    """
    env = os.environ if env is None else env
    provider = PROVIDERS[route.provider]
    key = (env.get(provider.key_env) or "").strip()
    if not key:
        raise AuthenticationError(
            f"no API key for {route.provider}: set the {provider.key_env} environment variable",
            provider=route.provider,
            model=route.model,
        )
    base = (env.get(provider.base_env) or "").strip() or provider.default_base
    return key, base.rstrip("/")


def api_base(route: Route, env: Mapping[str, str] | None = None) -> str:
    """The base URL alone (used in offline mode, where no key is needed)."""
    env = os.environ if env is None else env
    provider = PROVIDERS[route.provider]
    return ((env.get(provider.base_env) or "").strip() or provider.default_base).rstrip("/")
