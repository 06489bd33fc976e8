"""The one place that imports and configures litellm.

Imported lazily because ``import litellm`` costs several seconds; everything in ttt that
needs litellm calls :func:`get` at call time.
"""

from __future__ import annotations

import os
from functools import cache
from types import ModuleType


@cache
def get() -> ModuleType:
    # Belt and braces: ttt/__init__ already sets this, but this module may be imported alone.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False  # no usage pings to litellm's servers
    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on every error
    return litellm
