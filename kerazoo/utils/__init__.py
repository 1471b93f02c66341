"""Small shared helpers: atomic file writes, hashing and input validation."""

from kerazoo.utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text, sha256_file
from kerazoo.utils.validation import (
    MAX_SAMPLES,
    check_images,
    check_positive_int,
    check_sample_count,
    check_zoo_name,
)

__all__ = [
    "MAX_SAMPLES",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_images",
    "check_positive_int",
    "check_sample_count",
    "check_zoo_name",
    "sha256_file",
]
