"""Input checks shared by every model: errors say what was expected and what was received."""

import numbers
import re

import numpy as np

IMAGE_SHAPE = (28, 28, 1)

#: Zoo entry names (and job names): `<architecture>.<dataset>`, lowercase letters, digits and
#: underscores, so that `zoo/<name>` and `runs/<name>...` are always direct children.
ZOO_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")

#: The most images one `sample(n)` call draws (about 310 MB of float32 28x28 images): a
#: larger `n` is refused with a clear error; draw more with several calls and seeds.
MAX_SAMPLES = 100_000


def check_positive_int(value, name):
    """Returns `value` as an int, or raises naming the argument and what it received."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def check_zoo_name(name, what="A zoo name"):
    """Returns `name` if it is a valid zoo entry name, or raises a `ValueError`.

    Names are `<architecture>.<dataset>` in lowercase letters, digits and underscores (the
    zoo folder's children and the checkpoints of `runs/` are named after them), and never
    end in `.keras`: `load("x.keras")` means the file `x.keras`, not an entry.
    """
    if not isinstance(name, str) or not ZOO_NAME_PATTERN.match(name):
        raise ValueError(
            f"{what} must be `<architecture>.<dataset>` in lowercase letters, digits and "
            f"underscores, e.g. 'rbm.fashion_mnist'. Received: {name!r}"
        )
    if name.endswith(".keras"):
        raise ValueError(
            f"{what} must not end in '.keras': such a name is read as the path of a .keras "
            f"file, not a zoo entry. Received: {name!r}"
        )
    return name


def check_sample_count(n, name="n"):
    """Returns the number of images to draw as an int in [1, MAX_SAMPLES], or raises."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= MAX_SAMPLES:
        raise ValueError(
            f"`{name}` must be a positive integer of at most {MAX_SAMPLES:,} images per call "
            f"(draw more with several calls and different seeds). Received: {name}={n!r}"
        )
    return int(n)


def check_images(x, name="x", image_shape=IMAGE_SHAPE, allow_empty=True):
    """Checks a batch of images and returns it as a float32 numpy array.

    kerazoo's image models take float32 images with values in [0, 1] and shape
    `(N,) + image_shape`, `(N, 28, 28, 1)` by default. Anything else (a missing
    channel axis, uint8 pixels in [0, 255], NaN) raises a `ValueError` or
    `TypeError` that names what was expected and what was received.

    With `allow_empty=False` (what the models' inference methods use: `encode`,
    `reconstruct`, `transform`, `soft_assign`, `features`, ...), an empty batch (N = 0)
    is a `ValueError` too, as it is for latents (`check_latents`) and for Keras' own
    `predict`: there is nothing to compute.
    """
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == bool
    ):
        raise TypeError(
            f"`{name}` must be a numeric array of images. Received: dtype={arr.dtype}"
        )
    expected = (None,) + tuple(image_shape)
    if arr.ndim != len(expected) or tuple(arr.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"`{name}` must have shape (N, {', '.join(map(str, image_shape))}): float32 "
            f"images in [0, 1]. Received: shape={arr.shape}"
        )
    if not allow_empty and not len(arr):
        raise ValueError(
            f"`{name}` is an empty batch: at least one image is needed. Received: "
            f"shape={arr.shape}"
        )
    arr = arr.astype("float32", copy=False)
    if arr.size:
        if not np.all(np.isfinite(arr)):
            raise ValueError(
                f"`{name}` contains NaN or infinite values; images must be finite, in [0, 1]."
            )
        lo, hi = float(arr.min()), float(arr.max())
        if lo < 0.0 or hi > 1.0:
            hint = " (uint8 pixels? divide by 255)" if hi > 1.0 and hi <= 255.0 else ""
            raise ValueError(
                f"`{name}` must hold values in [0, 1]. Received: values in "
                f"[{lo:g}, {hi:g}]{hint}"
            )
    return arr


def check_input_shape(input_shape, expected, owner, what="inputs"):
    """Checks a `build(input_shape)` argument against the per-example shape `expected`.

    `input_shape` is `(batch,) + expected` (any batch size; `None` matches any size), or a
    dict of such shapes for models called on dicts. Raises a `ValueError` naming `owner`
    and what it received.
    """
    shapes = input_shape.values() if isinstance(input_shape, dict) else [input_shape]
    expected = tuple(expected)
    for shape in shapes:
        shape = tuple(shape) if shape is not None else None
        if shape is None or len(shape) != len(expected) + 1 or any(
            s is not None and s != e for s, e in zip(shape[1:], expected)
        ):
            raise ValueError(
                f"{owner} takes {what} of shape (N, {', '.join(map(str, expected))}). "
                f"Received: input_shape={input_shape}"
            )
