"""Data-parallel training on either backend: `tf.distribute` on TensorFlow, `keras.distribution`
on JAX.

Both replicate the model on every device and split each batch between them; gradients are
averaged, so a step computes what one device computes on the whole batch (up to the order of
floating-point sums).

- TensorFlow: a `tf.distribute.MirroredStrategy`; the model and its optimizer must be
  created inside `strategy.scope()`.
- JAX: a `keras.distribution.DataParallel` over `jax.devices()`; inside its `scope()` (or
  after `keras.distribution.set_distribution`) new variables are replicated and `fit` shards
  each batch along its first axis. The global batch size must be a multiple of the number
  of devices.

`data_parallel()` makes the one that fits the active backend; both have a `scope()`, which is
what `kerazoo.tuning.run_search(..., distribution_strategy=...)` enters around each trial.
"""

import sys

from kerazoo.utils.backend import UnsupportedBackendError, check_backend, require_tensorflow


def _is_tf_strategy(strategy):
    tf = sys.modules.get("tensorflow")  # a tf.distribute strategy implies TensorFlow is imported
    return tf is not None and isinstance(strategy, tf.distribute.Strategy)


def data_parallel(devices=None):
    """A data-parallel strategy for the active backend (see the module docstring).

    Args:
        devices: the devices to replicate on (default: all of them): device names
            ("/cpu:0", "/gpu:1") on TensorFlow, `jax.Device`s or strings such as "cpu:0"
            on JAX.
    """
    backend = check_backend("kerazoo.utils.data_parallel")
    if backend == "tensorflow":
        tf = require_tensorflow("tf.distribute.MirroredStrategy")
        return tf.distribute.MirroredStrategy(devices)
    import keras

    return keras.distribution.DataParallel(devices=devices)


def check_strategy(strategy, where="distribution_strategy"):
    """Returns `strategy` if it can distribute training on the active backend, else raises.

    None is accepted (no distribution). On TensorFlow: a `tf.distribute.Strategy`. On JAX: a
    `keras.distribution.DataParallel` or `ModelParallel`.
    """
    if strategy is None:
        return None
    backend = check_backend(where)
    import keras

    if backend == "jax":
        # Keras' public distributions (their base class is not public).
        if isinstance(strategy, (keras.distribution.DataParallel,
                                 keras.distribution.ModelParallel)):
            return strategy
        kind = "a tf.distribute strategy" if _is_tf_strategy(strategy) else type(strategy).__name__
        raise UnsupportedBackendError(
            f"`{where}` on the JAX backend must be a keras.distribution.DataParallel (or "
            "ModelParallel; kerazoo.utils.data_parallel() makes one); "
            f"tf.distribute strategies need KERAS_BACKEND=tensorflow. Received: {kind} "
            f"({strategy!r})"
        )
    if _is_tf_strategy(strategy):
        return strategy
    raise UnsupportedBackendError(
        f"`{where}` on the TensorFlow backend must be a tf.distribute.Strategy (e.g. "
        "tf.distribute.MirroredStrategy(), or kerazoo.utils.data_parallel()); "
        "keras.distribution is kerazoo's data-parallel path on JAX. "
        f"Received: {type(strategy).__name__} ({strategy!r})"
    )


def num_replicas():
    """How many replicas the current strategy or distribution trains on (1: none)."""
    backend = check_backend("kerazoo.utils.num_replicas")
    if backend == "tensorflow":
        tf = require_tensorflow("tf.distribute")
        return int(tf.distribute.get_strategy().num_replicas_in_sync)
    import keras

    distribution = keras.distribution.distribution()
    if distribution is None:
        return 1
    mesh = distribution.device_mesh
    batch_axis = getattr(distribution, "batch_dim_name", None)
    if batch_axis in mesh.axis_names:
        return int(mesh.shape[mesh.axis_names.index(batch_axis)])
    return 1
