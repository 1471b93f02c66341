"""Input checks shared by every model: errors say what was expected and what was received."""

import numbers

import numpy as np

IMAGE_SHAPE = (28, 28, 1)


def check_positive_int(value, name):
    """Returns `value` as an int, or raises naming the argument and what it received."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def check_images(x, name="x", image_shape=IMAGE_SHAPE):
    """Checks a batch of images and returns it as a float32 numpy array.

    kerazoo's image models take float32 images with values in [0, 1] and shape
    `(N,) + image_shape`, `(N, 28, 28, 1)` by default. Anything else (a missing
    channel axis, uint8 pixels in [0, 255], NaN) raises a `ValueError` or
    `TypeError` that names what was expected and what was received.
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
