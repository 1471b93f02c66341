"""Small shared helpers: atomic file writes, hashing, input validation, the Keras backend and
data-parallel training on either backend.

Names resolve on first use (PEP 562), so the file helpers import without NumPy.
"""

import importlib as _importlib

from kerazoo.utils.io import atomic_write_bytes, atomic_write_json, atomic_write_text, sha256_file

_LAZY = {
    **{
        name: "validation"
        for name in ("MAX_SAMPLES", "check_images", "check_positive_int", "check_sample_count",
                     "check_zoo_name")
    },
    **{
        name: "backend"
        for name in ("SUPPORTED_BACKENDS", "UnsupportedBackendError", "check_backend",
                     "require_tensorflow")
    },
    **{name: "distribution" for name in ("check_strategy", "data_parallel", "num_replicas")},
}

__all__ = [
    "MAX_SAMPLES",
    "SUPPORTED_BACKENDS",
    "UnsupportedBackendError",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_backend",
    "check_images",
    "check_positive_int",
    "check_sample_count",
    "check_strategy",
    "check_zoo_name",
    "data_parallel",
    "num_replicas",
    "require_tensorflow",
    "sha256_file",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(_importlib.import_module(f"kerazoo.utils.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'kerazoo.utils' has no attribute {name!r}")
