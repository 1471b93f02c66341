"""Which Keras backends kerazoo runs on, and TensorFlow only where it is needed.

kerazoo's models run on the TensorFlow and JAX backends of Keras 3 (`SUPPORTED_BACKENDS`).
The backend is chosen when Keras is first imported, by `KERAS_BACKEND` (or the `"backend"`
of `~/.keras/keras.json`), and cannot change in a running process.

- Every kerazoo model checks the backend when it is constructed (`check_backend`, called by
  `kerazoo.utils.precision.check_dtype_policy`): on another backend (PyTorch, NumPy, OpenVINO)
  it raises an `UnsupportedBackendError` naming the backend, the class and what to do, rather
  than failing later inside `fit` with an error about tensors.
- Under JAX, kerazoo never imports TensorFlow for loading, training, evaluating or sampling a
  model, so it runs where TensorFlow is not installed. What genuinely needs TensorFlow (the
  SavedModel export, `tf.data` pipelines, `tf.distribute` strategies) imports it through
  `require_tensorflow(what)`, which names that feature when TensorFlow is missing.
"""

import json
import os
import sys

#: The Keras backends kerazoo's models train and run on.
SUPPORTED_BACKENDS = ("tensorflow", "jax")


class UnsupportedBackendError(ValueError):
    """A kerazoo model or feature was used on a Keras backend it does not run on."""


def configured_backend():
    """The name of the Keras backend, without importing Keras when it is not imported yet.

    Keras' own rule: `$KERAS_BACKEND`, else the `"backend"` of `keras.json` in `$KERAS_HOME`
    (default `~/.keras`), else "tensorflow". Once Keras is imported, its answer.
    """
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "config"):
        return keras.config.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        with open(os.path.join(home, "keras.json"), encoding="utf-8") as f:
            return json.load(f).get("backend") or "tensorflow"
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def _owner_name(owner):
    if isinstance(owner, str):
        return owner
    return owner.__name__ if isinstance(owner, type) else type(owner).__name__


def check_backend(owner, supported=SUPPORTED_BACKENDS, backend=None):
    """Returns the active backend's name, or raises `UnsupportedBackendError`.

    Args:
        owner: the model (or class, or a description such as "BernoulliRBM.export") the
            message names.
        supported: the backends `owner` runs on.
        backend: the backend to check (default: the active one).
    """
    backend = backend or configured_backend()
    if backend not in supported:
        names = ", ".join(repr(b) for b in supported)
        raise UnsupportedBackendError(
            f"{_owner_name(owner)} runs on the Keras backend{'s' if len(supported) > 1 else ''} "
            f"{names}, not on {backend!r}. Set the environment variable KERAS_BACKEND to "
            f"{' or '.join(supported)} before Keras is imported (the backend cannot change in a "
            f"running process). Received: keras.config.backend()={backend!r}"
        )
    return backend


def require_tensorflow(what):
    """Imports and returns TensorFlow for a feature that needs it, whatever the backend.

    Raises:
        ImportError: TensorFlow is not installed; the message names `what` needs it.
    """
    try:
        import tensorflow as tf
    except ImportError as e:
        raise ImportError(
            f"{what} needs TensorFlow, which is not installed (Keras runs on "
            f"{configured_backend()!r}). Install it with `pip install tensorflow`, or do "
            "without this feature: loading, training and sampling kerazoo's models on JAX do "
            f"not need TensorFlow. ({type(e).__name__}: {e})"
        ) from e
    return tf
