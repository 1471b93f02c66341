"""Where the zoo lives: `zoo_dir=`, else `$KERAZOO_ZOO`, else the repository's `zoo/`."""

import os
from pathlib import Path

from kerazoo.utils.validation import ZOO_NAME_PATTERN as NAME_PATTERN
from kerazoo.utils.validation import check_zoo_name

ENV_VAR = "KERAZOO_ZOO"


def default_zoo_dir():
    """The `zoo/` folder of the clone kerazoo is installed from (`pip install -e .`)."""
    return Path(__file__).resolve().parents[2] / "zoo"


def resolve_zoo_dir(zoo_dir=None):
    """The zoo folder: `zoo_dir`, else `$KERAZOO_ZOO`, else the repository's `zoo/`.

    A folder that does not exist yet is an empty zoo (publishing creates it); an existing
    path that is not a folder raises `NotADirectoryError` naming it and where it came from.
    """
    if zoo_dir is not None:
        path, origin = Path(zoo_dir), "--zoo / zoo_dir="
    elif os.environ.get(ENV_VAR):
        path, origin = Path(os.environ[ENV_VAR]), f"${ENV_VAR}"
    else:
        path, origin = default_zoo_dir(), "the repository's zoo/"
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"The zoo {path} is not a folder (from {origin}): a zoo is a folder holding "
            "index.json and one folder per entry."
        )
    return path


def check_name(name):
    """Zoo names are `<architecture>.<dataset>`: lowercase letters, digits, underscores."""
    return check_zoo_name(name)
