"""Which tests the replay network guard covers (``llm_cassettes_block_network``): a setting of the run."""

from __future__ import annotations

import enum

from ..errors import ModeError

BLOCK_NETWORK_OPTION = "llm_cassettes_block_network"


class BlockNetwork(enum.StrEnum):
    ALL = "all"  # every test stays on this machine
    LLM = "llm"  # tests that use cassettes (marker or llm_cassettes_paths) stay on this machine
    OFF = "off"  # no guard in replay


def block_network(raw: str) -> BlockNetwork:
    value = (raw or BlockNetwork.LLM.value).strip().lower()
    try:
        return BlockNetwork(value)
    except ValueError:
        raise ModeError(
            f"{BLOCK_NETWORK_OPTION} = {raw!r} is not understood; use all (every test), llm (tests that "
            "use cassettes; the default) or off (no network guard)"
        ) from None
