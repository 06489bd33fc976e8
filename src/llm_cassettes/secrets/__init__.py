"""The secrets room: what a secret looks like (patterns, known values), scrubbing recordings in every
encoding (and the live request before it is matched), redacting names, and scanning cassette files."""

from ..errors import SecretPatternError
from .known import KnownValue
from .live import LiveRequestScrubber
from .matcher import compile_patterns
from .names import redact_name
from .patterns import (
    DEFAULT_SECRET_PATTERNS,
    NOISE_HEADER_PREFIXES,
    NOISE_HEADERS,
    REDACTED,
    SECRET_HEADERS,
    SYNTHETIC_NOISE_HEADERS,
    is_noise_header,
    is_secret_header,
)
from .scan import Finding, ScanReport, scan_paths, scan_text
from .scrub import HeaderRules, scrub_cassette

__all__ = [
    "DEFAULT_SECRET_PATTERNS",
    "NOISE_HEADERS",
    "NOISE_HEADER_PREFIXES",
    "REDACTED",
    "SECRET_HEADERS",
    "SYNTHETIC_NOISE_HEADERS",
    "Finding",
    "HeaderRules",
    "KnownValue",
    "LiveRequestScrubber",
    "ScanReport",
    "SecretPatternError",
    "compile_patterns",
    "is_noise_header",
    "is_secret_header",
    "redact_name",
    "scan_paths",
    "scan_text",
    "scrub_cassette",
]
