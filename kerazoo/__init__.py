"""kerazoo: a Keras 3 model zoo for unsupervised deep learning.

```python
import kerazoo
kerazoo.list_models()
model = kerazoo.load("rbm.fashion_mnist")
print(kerazoo.model_card("rbm.fashion_mnist"))
```

`import kerazoo` is instant: its names are resolved on first use (PEP 562), so Keras and
TensorFlow are imported only when a model is first touched (`kerazoo.load`,
`kerazoo.models`, ...). `import kerazoo.models` registers every model class with Keras,
which plain `keras.saving.load_model` needs to read a kerazoo `.keras` file.
"""

import importlib as _importlib

from kerazoo.version import __version__

_SUBPACKAGES = (
    "applications", "callbacks", "datasets", "demo", "hub", "layers", "metrics", "models",
    "recipes", "tuning", "utils", "viz",
)
_HUB_NAMES = (
    "IntegrityError", "ModelCard", "UnknownModelError", "list_models", "load", "model_card",
    "publish", "update_card", "verify",
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


def __getattr__(name):
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"kerazoo.{name}")
    if name in _HUB_NAMES:
        return getattr(_importlib.import_module("kerazoo.hub"), name)
    raise AttributeError(f"module 'kerazoo' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES) | set(_HUB_NAMES))
