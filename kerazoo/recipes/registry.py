"""Every family recipe, registered: `get_family(name)` and `list_families()`.

Importing this module imports each recipe module of `kerazoo.recipes` (each registers its
families with `@register_family`); a recipe defined elsewhere registers itself on import.
"""

import difflib

from kerazoo.recipes import (  # noqa: F401  (each module registers its families)
    autoencoders,
    classifier,
    clustering,
    dbn,
    gan,
    imsat,
    rbm,
    recommenders,
    vae,
)
from kerazoo.recipes.family import _FAMILIES
from kerazoo.recipes.schema import JobError


def get_family(name, where="job"):
    """The registered `Family` named `name`; a `JobError` with close matches otherwise."""
    if name not in _FAMILIES:
        close = difflib.get_close_matches(name, list(_FAMILIES), n=3)
        raise JobError(
            f"{where}: unknown family {name!r}."
            + (f" Did you mean {close}?" if close else "")
            + f" Registered families: {sorted(_FAMILIES)}"
        )
    return _FAMILIES[name]


def list_families():
    """The names of the registered families, sorted."""
    return sorted(_FAMILIES)
