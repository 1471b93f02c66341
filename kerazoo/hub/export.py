"""Saving a model for the zoo: the `.keras` file without optimizer state, and the SavedModel.

SavedModel endpoints come from the model's `serving_endpoints()`:

```python
def serving_endpoints(self):
    return {"encode": (self.encode_fn, [tf.TensorSpec((None, 28, 28, 1), tf.float32)]), ...}
```

Each is added with `ExportArchive.add_endpoint`, which tracks the variables the endpoint
uses; the archive never calls `track(model)`, which would store every weight a second
time (keras-team/keras#23553). A model without `serving_endpoints` gets `serving_default`,
its `call` on its build input shape.
"""

import contextlib
import warnings

import keras
import numpy as np
import tensorflow as tf


@contextlib.contextmanager
def without_optimizers(model):
    """Detaches every optimizer from `model` for the duration (they are restored after).

    A `.keras` file stores an optimizer's slots once it is built, which would triple an
    Adam-trained entry; the compile config (and so a fresh optimizer on load) stays.
    """
    detached = {
        attr: value
        for attr, value in list(vars(model).items())
        if isinstance(value, keras.optimizers.Optimizer)
    }
    for attr in detached:
        setattr(model, attr, None)
    try:
        yield
    finally:
        for attr, value in detached.items():
            setattr(model, attr, value)


def save_keras(model, path):
    with without_optimizers(model):
        model.save(path)


def endpoints_of(model):
    if hasattr(model, "serving_endpoints"):
        endpoints = dict(model.serving_endpoints())
        if not endpoints:
            raise ValueError(f"{type(model).__name__}.serving_endpoints() returned no endpoints.")
        return endpoints
    from keras.src.export.export_utils import get_input_signature

    try:
        signature = get_input_signature(model)
    except Exception as e:  # noqa: BLE001  (Keras raises several kinds here)
        raise ValueError(
            f"Cannot export {type(model).__name__}: it has no `serving_endpoints()` and its "
            f"input signature is unknown ({e}). Build the model by calling it on data first."
        ) from None
    return {"serving_default": (model.call, signature)}


def export_saved_model(model, path):
    """Writes the SavedModel; returns the endpoint names."""
    archive = keras.export.ExportArchive()
    endpoints = endpoints_of(model)
    for name, (fn, signature) in endpoints.items():
        archive.add_endpoint(name, fn, input_signature=signature)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        archive.write_out(str(path), verbose=False)
    names = list(endpoints)
    if "serving_default" not in names:
        names.append("serving_default")  # write_out aliases the first endpoint
    return names


def _example_input(spec, batch=2):
    shape = [batch if d is None else d for d in spec.shape]
    if spec.dtype.is_floating:
        return tf.random.stateless_uniform(shape, seed=[1, 2], dtype=spec.dtype)
    if spec.dtype.is_integer:
        return tf.fill(shape, tf.constant(batch, spec.dtype))
    if spec.dtype == tf.bool:
        return tf.zeros(shape, tf.bool)
    raise TypeError(f"Cannot make an example input for {spec}")


def run_signatures(saved_model_dir, batch=2):
    """Calls every signature of a SavedModel on a small batch; returns output shapes.

    Float inputs get values in [0, 1) (images, latents); integer inputs get `batch` (a
    count, a seed, an id). Raises if any output is not finite.
    """
    served = tf.saved_model.load(str(saved_model_dir))
    shapes = {}
    for name, fn in served.signatures.items():
        specs = fn.structured_input_signature[1]
        outputs = fn(**{key: _example_input(spec, batch) for key, spec in specs.items()})
        shapes[name] = {}
        for key, value in outputs.items():
            arr = np.asarray(value)
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                raise ValueError(f"signature {name!r} output {key!r} is not finite")
            shapes[name][key] = tuple(arr.shape)
    return shapes
