"""The providers this package knows: data only, and the one rule that maps a URL to a provider.

Every other room asks here: the engine (which origin a loopback stand-in replaces), the recorder (which
key a test needs), the generator (which variables point clients at the emulator), the inventory (which
provider a cassette talks to) and the wire formats (where each provider's API lives). Nothing here knows
a wire format or a cassette.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit


@dataclass(frozen=True)
class Provider:
    """One LLM provider's public API, as clients find it."""

    name: str
    origin: str  # scheme://host of the real API
    path: str  # the chat endpoint's path: what the emulator serves
    key_env: str  # the API key variable (litellm, ttt and the official SDKs agree on it)
    base_env: str  # litellm's (and ttt's) base-URL variable
    sdk_base_env: str | None  # the official SDK's base-URL variable, where there is one
    base_suffix: str  # appended to a server URL to make the base clients expect (they add the rest)
    # Every base-URL variable some supported client reads, beyond base_env and sdk_base_env.
    other_base_envs: tuple[str, ...] = ()
    # Path prefixes of the provider's API (chat, embeddings, uploads, ...): a loopback server answering
    # one of them stands for the provider when recordings are matched.
    api_paths: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.origin).netloc

    def base_url(self, server_url: str) -> str:
        """The API base a client needs so that its requests to ``server_url`` land on ``path``."""
        return server_url + self.base_suffix

    @property
    def base_envs(self) -> tuple[str, ...]:
        """Every variable through which a supported client (litellm, ttt, the official SDK) finds the API."""
        sdk = (self.sdk_base_env,) if self.sdk_base_env else ()
        return (self.base_env, *sdk, *self.other_base_envs)


OPENAI = Provider(
    "openai",
    "https://api.openai.com",
    "/v1/chat/completions",
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "/v1",
    api_paths=(
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/responses",
        "/v1/embeddings",
        "/v1/files",
        "/v1/uploads",
        "/v1/audio/",
        "/v1/images/",
        "/v1/moderations",
        "/v1/batches",
        "/v1/fine_tuning/",
        "/v1/vector_stores",
        "/v1/models",
    ),
)
ANTHROPIC = Provider(
    "anthropic",
    "https://api.anthropic.com",
    "/v1/messages",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_API_BASE",
    "ANTHROPIC_BASE_URL",
    "",
    api_paths=("/v1/messages", "/v1/complete"),
)
OPENROUTER = Provider(
    "openrouter",
    "https://openrouter.ai",
    "/api/v1/chat/completions",
    "OPENROUTER_API_KEY",
    "OPENROUTER_API_BASE",
    None,
    "/api/v1",
    # OpenRouter has no official Python SDK; tools built on the OpenAI one read this name.
    other_base_envs=("OPENROUTER_BASE_URL",),
    api_paths=("/api/v1/",),
)

PROVIDERS: dict[str, Provider] = {p.name: p for p in (OPENAI, ANTHROPIC, OPENROUTER)}

# A provider API served from a loopback address (the emulator, a local proxy) stands for the provider
# itself: its recordings match requests to the real host and to any other loopback port, and back.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_BY_HOST = {p.host: p for p in PROVIDERS.values()}
_BY_PATH = {p.path: p for p in PROVIDERS.values()}
# Longest prefix first: "/v1/messages" (Anthropic) is tried before "/v1/models" would be (OpenAI).
_API_PREFIXES = sorted(
    ((prefix, p) for p in PROVIDERS.values() for prefix in p.api_paths), key=lambda e: -len(e[0])
)

# host -> provider origin, for hosts that stand for a provider (an Azure deployment, a company proxy).
HostAliases = Mapping[str, str]


def key_variables() -> list[str]:
    """Every provider's API key variable."""
    return [p.key_env for p in PROVIDERS.values()]


# Endpoints beyond chat that clients call (and the emulator serves): a loopback stand-in serving them
# stands for the provider too. Everything under OpenRouter's /api/v1 is OpenRouter's.
_OTHER_PATHS = {
    "/v1/responses": OPENAI,
    "/v1/embeddings": OPENAI,
    "/v1/models": OPENAI,
    "/v1/messages/count_tokens": ANTHROPIC,
}


def provider_at_path(path: str, *, anthropic_client: bool = False) -> Provider | None:
    """The provider serving ``path`` (query string and trailing slash ignored).

    Both OpenAI and Anthropic serve ``/v1/models``: ``anthropic_client`` (the request carried
    ``anthropic-version``) says which one a stand-in's model list is.
    """
    bare = path.split("?", 1)[0].rstrip("/")
    found = _BY_PATH.get(bare)
    if found is not None:
        return found
    if bare.startswith(OPENROUTER.base_suffix + "/"):
        return OPENROUTER
    root = "/v1/models" if bare.startswith("/v1/models/") else bare
    if root == "/v1/models" and anthropic_client:
        return ANTHROPIC
    return _OTHER_PATHS.get(root)


def base_url_variables() -> list[str]:
    """Every base-URL variable of every provider: what the generator points at the emulator."""
    return [name for p in PROVIDERS.values() for name in p.base_envs]


def provider_serving(path: str) -> Provider | None:
    """The provider whose API has ``path``: any endpoint (chat, embeddings, files, audio, ...), also one
    the emulator does not serve. A loopback server answering it stands for the provider in matching."""
    bare = path.split("?", 1)[0].rstrip("/") + "/"
    return next((p for prefix, p in _API_PREFIXES if bare.startswith(prefix.rstrip("/") + "/")), None)


def emulated(url: str, aliases: HostAliases | None = None) -> bool:
    """True when the emulator serves this request: an endpoint it speaks, on the provider's host or a
    stand-in's. A replay miss suggests `llm-cassettes generate` only then."""
    provider = provider_of(url, aliases, stand_ins=True)
    return provider is not None and provider_at_path(urlsplit(url).path) is provider


def provider_of(
    url: str, aliases: HostAliases | None = None, *, stand_ins: bool = False, anthropic_client: bool = False
) -> Provider | None:
    """The provider a URL talks to: its real host, or a host aliased to it.

    ``stand_ins``: a loopback address serving a provider's path (the emulator, a local proxy) counts as
    that provider too; matching treats it so, while the inventory shows such a host as itself.
    """
    parts = urlsplit(url)
    host = parts.netloc.lower()
    provider = _BY_HOST.get(host)
    if provider is None and aliases:
        origin = aliases.get(host) or aliases.get(parts.hostname or "")
        provider = _BY_HOST.get(urlsplit(origin).netloc.lower()) if origin else None
    if provider is None and stand_ins and parts.hostname in LOOPBACK_HOSTS:
        provider = provider_at_path(parts.path, anthropic_client=anthropic_client) or provider_serving(
            parts.path
        )
    return provider


def as_provider(
    parts: SplitResult, aliases: HostAliases | None = None, *, anthropic_client: bool = False
) -> SplitResult:
    """``parts`` with a stand-in's or an alias's address replaced by the provider's real origin."""
    if parts.netloc.lower() in _BY_HOST:
        return parts
    provider = provider_of(urlunsplit(parts), aliases, stand_ins=True, anthropic_client=anthropic_client)
    if provider is None:
        return parts
    origin = urlsplit(provider.origin)
    return parts._replace(scheme=origin.scheme, netloc=origin.netloc)


def provider_uri(uri: str, aliases: HostAliases | None = None, *, anthropic_client: bool = False) -> str:
    """``uri`` with a loopback stand-in's (or an alias's) address replaced by the provider's origin."""
    return urlunsplit(as_provider(urlsplit(uri), aliases, anthropic_client=anthropic_client))
