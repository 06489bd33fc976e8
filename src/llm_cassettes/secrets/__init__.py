"""The secrets room: what a secret looks like, scrubbing recordings, and scanning cassette files."""

from ..errors import SecretPatternError
from .matcher import compile_patterns
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
from .scan import Finding, scan_paths, scan_text
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
    "SecretPatternError",
    "compile_patterns",
    "is_noise_header",
    "is_secret_header",
    "scan_paths",
    "scan_text",
    "scrub_cassette",
]
