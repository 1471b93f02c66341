"""Argument checks shared by the RBM metrics.

Every check returns float64 numpy arrays (the metrics evaluate in float64) and raises a
`ValueError`/`TypeError` that names the argument, what was expected and what was received.
Weights may be numpy arrays, TensorFlow tensors or Keras variables.
"""

import numbers

import numpy as np


def to_numpy(x, name):
    """`x` (array-like, tensor or variable) as a numpy array, or a TypeError naming `name`."""
    if x is None:
        raise TypeError(f"`{name}` must be an array. Received: {name}=None")
    if not isinstance(x, np.ndarray):
        if hasattr(x, "numpy"):  # tf.Tensor, tf.Variable, keras.Variable (TF backend)
            x = x.numpy()
        elif hasattr(x, "value") and hasattr(x.value, "numpy"):
            x = x.value.numpy()
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"`{name}` must be a numeric array. Received: {type(x).__name__} ({exc})"
        ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == bool
    ):
        raise TypeError(f"`{name}` must be a numeric array. Received: dtype={arr.dtype}")
    return arr


def check_finite(arr, name):
    if arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"`{name}` contains NaN or infinite values ({bad} of {arr.size} entries); "
            "it must be finite."
        )
    return arr


def check_rbm_weights(kernel, visible_bias, hidden_bias):
    """Checks RBM weights and returns them as float64 arrays `(W, b, c)`.

    Expected: `kernel` of shape `(n_visible, n_hidden)`, `visible_bias` of shape
    `(n_visible,)`, `hidden_bias` of shape `(n_hidden,)`, all finite.
    """
    w = to_numpy(kernel, "kernel")
    if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1:
        raise ValueError(
            "`kernel` must be a 2-D array of shape (n_visible, n_hidden) with both sizes >= 1. "
            f"Received: kernel.shape={w.shape}"
        )
    n_visible, n_hidden = w.shape
    b = to_numpy(visible_bias, "visible_bias")
    if b.shape != (n_visible,):
        raise ValueError(
            f"`visible_bias` must have shape (n_visible,) = ({n_visible},) to match "
            f"kernel.shape={w.shape}. Received: visible_bias.shape={b.shape}"
        )
    c = to_numpy(hidden_bias, "hidden_bias")
    if c.shape != (n_hidden,):
        raise ValueError(
            f"`hidden_bias` must have shape (n_hidden,) = ({n_hidden},) to match "
            f"kernel.shape={w.shape}. Received: hidden_bias.shape={c.shape}"
        )
    w, b, c = (np.asarray(a, dtype=np.float64) for a in (w, b, c))
    check_finite(w, "kernel")
    check_finite(b, "visible_bias")
    check_finite(c, "hidden_bias")
    return w, b, c


def check_sigma(sigma, n_visible):
    """`sigma` (None, a positive scalar or shape `(n_visible,)`) as a float64 `(n_visible,)` array."""
    if sigma is None:
        return np.ones(n_visible)
    s = to_numpy(sigma, "sigma").astype(np.float64)
    if s.ndim == 0:
        s = np.full(n_visible, float(s))
    if s.shape != (n_visible,):
        raise ValueError(
            f"`sigma` must be None, a scalar or an array of shape (n_visible,) = ({n_visible},). "
            f"Received: sigma.shape={s.shape}"
        )
    check_finite(s, "sigma")
    if np.any(s <= 0):
        raise ValueError(
            f"`sigma` must be positive (a standard deviation per visible unit). "
            f"Received: min(sigma)={s.min():g}"
        )
    return s


def check_visible(v, n_visible, name="v", binary=False, unit_interval=False):
    """Checks a batch of visible vectors and returns it as float64 `(N, n_visible)`.

    A batch of images `(N, 28, 28, 1)` (or any `(N, ...)` whose trailing sizes multiply to
    `n_visible`) is flattened row-major, as kerazoo's image models do.
    """
    x = to_numpy(v, name)
    if x.ndim == 1 and x.shape[0] == n_visible:
        raise ValueError(
            f"`{name}` must be a batch of shape (N, {n_visible}); for a single vector pass "
            f"{name}[None, :]. Received: {name}.shape={x.shape}"
        )
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != n_visible:
        raise ValueError(
            f"`{name}` must have shape (N, n_visible) = (N, {n_visible}) to match the kernel "
            f"(or (N, ...) with {n_visible} values per row). Received: {name}.shape={x.shape}"
        )
    x = x.reshape(x.shape[0], n_visible).astype(np.float64)
    check_finite(x, name)
    if binary and x.size and not np.all((x == 0) | (x == 1)):
        raise ValueError(
            f"`{name}` must be binary (0/1) for a Bernoulli RBM likelihood; binarize first, e.g. "
            f"`({name} > 0.5)`. Received: values in [{x.min():g}, {x.max():g}] that are not all 0 or 1"
        )
    if unit_interval and x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"`{name}` must hold values in [0, 1]. Received: values in [{x.min():g}, {x.max():g}]"
        )
    return x


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_log_z(log_z):
    """A float log partition function from a float or an `AISResult`-like object."""
    value = getattr(log_z, "log_z", log_z)
    try:
        arr = to_numpy(value, "log_z")
    except TypeError:
        arr = None
    if arr is None or arr.size != 1:
        raise TypeError(
            "`log_z` must be a float (or an AISResult). "
            f"Received: {type(log_z).__name__}"
            + ("" if arr is None else f" of shape {arr.shape}")
        )
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise ValueError(f"`log_z` must be finite. Received: log_z={value}")
    return value
