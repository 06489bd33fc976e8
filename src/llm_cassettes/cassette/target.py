"""A request's canonical target: ``METHOD host/path?query`` as matching and drift compare it.

The host is the provider's (a loopback stand-in or an aliased host becomes the real origin, see
:func:`llm_cassettes.providers.as_provider`), the path loses a trailing slash, and the query is sorted
without credential parameters, which are scrubbed before saving.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from ..providers import as_provider

# Query parameters that carry credentials: scrubbed before saving, so never part of the key (compared
# lowercased, "-" read as "_": ?api-key= and ?API_KEY= are the same parameter).
CREDENTIAL_QUERY_PARAMS = frozenset(
    {
        "key", "api_key", "apikey", "x_api_key", "token", "access_token", "auth", "auth_token",
        "client_secret", "password", "secret", "sig", "signature", "x_amz_signature",
        "x_amz_security_token", "x_amz_credential",
    }
)  # fmt: skip


def is_credential_param(name: str) -> bool:
    return name.lower().replace("-", "_") in CREDENTIAL_QUERY_PARAMS


# A test sends many requests to the same few URLs, and the index asks again for every recording:
# splitting the URL and sorting its query took ~2 us of a ~10 us key (0.1-0.2 us cached). Bounded, so a
# run over many cassettes cannot grow it without limit.
@lru_cache(maxsize=4096)
def canonical_target(method: str, uri: str, aliases: tuple[tuple[str, str], ...] = ()) -> str:
    """``aliases``: (host, provider origin) pairs, a tuple so that the cache can key on it."""
    parts = as_provider(urlsplit(uri), dict(aliases) if aliases else None)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_credential_param(k)
    )
    target = f"{method.upper()} {parts.netloc.lower()}{parts.path.rstrip('/') or '/'}"
    if query:
        target += "?" + "&".join(f"{k}={v}" for k, v in query)
    return target
