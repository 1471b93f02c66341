"""The zoo: publish, list, load, verify, and model cards.

Entries live in `zoo/<name>/` (`model.keras`, `saved_model/`, `README.md`,
`metadata.json`), indexed by `zoo/index.json`; see DESIGN.md for the format.
"""

from kerazoo.hub.card import ModelCard, render_card
from kerazoo.hub.errors import EntryExistsError, IntegrityError, UnknownModelError
from kerazoo.hub.export import export_saved_model, run_signatures
from kerazoo.hub.load import (
    entry_metadata,
    list_entries,
    list_models,
    load,
    model_card,
    verify,
    verify_entry,
)
from kerazoo.hub.paths import default_zoo_dir, resolve_zoo_dir
from kerazoo.hub.publish import check_publishable, publish, unpublish, update_card

__all__ = [
    "EntryExistsError",
    "IntegrityError",
    "ModelCard",
    "UnknownModelError",
    "check_publishable",
    "default_zoo_dir",
    "entry_metadata",
    "export_saved_model",
    "list_entries",
    "list_models",
    "load",
    "model_card",
    "publish",
    "render_card",
    "resolve_zoo_dir",
    "run_signatures",
    "unpublish",
    "update_card",
    "verify",
    "verify_entry",
]
