"""Small shared helpers: atomic file writes, hashing and input validation.

Names resolve on first use (PEP 562), so the file helpers import without NumPy.
"""

import importlib as _importlib

from kerazoo.utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text, sha256_file

_LAZY = {"check_images": "validation", "check_positive_int": "validation"}

__all__ = [
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_images",
    "check_positive_int",
    "sha256_file",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(_importlib.import_module(f"kerazoo.utils.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'kerazoo.utils' has no attribute {name!r}")
