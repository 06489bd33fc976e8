"""The drift room: what changed between two recordings of the same tests, and does it matter."""

from ..errors import DriftError
from .render import overall, render
from .verdicts import (
    CassetteDrift,
    Change,
    Drift,
    InteractionDrift,
    compare_cassettes,
    compare_interactions,
    compare_paths,
)

__all__ = [
    "CassetteDrift",
    "Change",
    "Drift",
    "DriftError",
    "InteractionDrift",
    "compare_cassettes",
    "compare_interactions",
    "compare_paths",
    "overall",
    "render",
]
