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
    if zoo_dir is not None:
        return Path(zoo_dir)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return default_zoo_dir()


def check_name(name):
    """Zoo names are `<architecture>.<dataset>`: lowercase letters, digits, underscores."""
    return check_zoo_name(name)
