"""The zoo: publish, list, load, verify, and model cards.

Entries live in `zoo/<name>/` (`model.keras`, `saved_model/`, `README.md`,
`metadata.json`), indexed by `zoo/index.json`. Listing entries and reading cards import
neither Keras nor TensorFlow; the modules that need them (`export`, `publish`) are imported
on first use (`export`'s names through PEP 562, `publish` and `load` inside the functions).
"""

import importlib as _importlib

from kerazoo.hub.card import ModelCard, render_card
from kerazoo.hub.errors import (
    EntryExistsError,
    FetchError,
    IntegrityError,
    PushError,
    UnknownModelError,
)
from kerazoo.hub.load import (
    entry_metadata,
    list_entries,
    list_models,
    load,
    model_card,
    pinned_by_registry,
    verify,
    verify_entry,
    verify_report,
)
from kerazoo.hub.paths import default_zoo_dir, resolve_zoo_dir
from kerazoo.hub.publish import check_publishable, publish, unpublish, update_card

_LAZY = {
    "export_entry": "unzipped",
    "push": "hf",
    "export_saved_model": "export",
    "run_signatures": "export",
}

__all__ = [
    "EntryExistsError",
    "FetchError",
    "IntegrityError",
    "ModelCard",
    "PushError",
    "UnknownModelError",
    "check_publishable",
    "default_zoo_dir",
    "entry_metadata",
    "export_entry",
    "export_saved_model",
    "list_entries",
    "list_models",
    "load",
    "model_card",
    "pinned_by_registry",
    "publish",
    "push",
    "render_card",
    "resolve_zoo_dir",
    "run_signatures",
    "unpublish",
    "update_card",
    "verify",
    "verify_entry",
    "verify_report",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(_importlib.import_module(f"kerazoo.hub.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'kerazoo.hub' has no attribute {name!r}")
