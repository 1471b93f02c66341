"""Where the zoo lives: `zoo_dir=`, else `$KERAZOO_ZOO`, else the repository's `zoo/`."""

import os
import re
from pathlib import Path

ENV_VAR = "KERAZOO_ZOO"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")


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
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            "A zoo name must be `<architecture>.<dataset>` in lowercase letters, digits and "
            f"underscores, e.g. 'rbm.fashion_mnist'. Received: {name!r}"
        )
    return name
