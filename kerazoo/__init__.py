"""kerazoo: a Keras 3 model zoo for unsupervised deep learning."""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerazoo.version import __version__  # noqa: E402
from kerazoo import models  # noqa: E402,F401  (registers every family)

__all__ = ["__version__", "models"]
