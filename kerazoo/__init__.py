"""kerazoo: a Keras 3 model zoo for unsupervised deep learning.

```python
import kerazoo
kerazoo.list_models()
model = kerazoo.load("rbm.fashion_mnist")
print(kerazoo.model_card("rbm.fashion_mnist"))
```
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerazoo.version import __version__  # noqa: E402
from kerazoo import datasets, models  # noqa: E402  (models registers every family)
from kerazoo.hub import (  # noqa: E402
    IntegrityError,
    ModelCard,
    UnknownModelError,
    list_models,
    load,
    model_card,
    publish,
    update_card,
    verify,
)

__all__ = [
    "IntegrityError",
    "ModelCard",
    "UnknownModelError",
    "__version__",
    "datasets",
    "list_models",
    "load",
    "model_card",
    "models",
    "publish",
    "update_card",
    "verify",
]
