"""Small shared helpers: atomic file writes, hashing and input validation."""

from kerazoo.utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text, sha256_file
from kerazoo.utils.validation import check_images, check_positive_int

__all__ = [
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_images",
    "check_positive_int",
    "sha256_file",
]
