"""Latent vectors of the generative models (VAE, GAN): checks and stateless prior draws."""

import numbers

import keras
import numpy as np

MAX_SEED = 2**31 - 2


def check_latents(z, latent_dim, name="z", what="latents"):
    """`z` as a float32 numpy array (N, latent_dim), N >= 1, finite; else a clear error."""
    if hasattr(z, "numpy") and not isinstance(z, np.ndarray):
        z = z.numpy()
    arr = np.asarray(z)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"`{name}` must be a numeric array of {what}. Received: dtype={arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != latent_dim or not len(arr):
        raise ValueError(
            f"`{name}` must have shape (N, {latent_dim}), N >= 1, one of the {what} per row "
            f"(size {latent_dim}). Received: shape={arr.shape}"
        )
    arr = arr.astype("float32", copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` contains NaN or infinite values. Received: non-finite {what}")
    return arr


def stateless_normal_latents(count, seed, latent_dim):
    """`count` draws z ~ N(0, I_latent_dim) from scalar int32 tensors `count` and `seed`.

    The draw is `tf.random.stateless_normal([count, latent_dim], seed=[seed, 0])`, the same
    as `keras.random.normal((count, latent_dim), seed=int(seed))` on the TensorFlow
    backend, so a model's `sample(n, seed=s)` in Python and its SavedModel's
    `sample(count=n, seed=s)` give the same images. TensorFlow only (the SavedModel's
    `sample` signature); other backends draw with `prior_latents`, from the same
    distribution but not the same numbers.
    """
    import tensorflow as tf

    seed = tf.stack([tf.cast(seed, tf.int32), tf.constant(0, tf.int32)])
    return tf.random.stateless_normal(tf.stack([tf.cast(count, tf.int32), latent_dim]), seed=seed)


def prior_latents(n, latent_dim, seed, seed_generator):
    """`n` draws z ~ N(0, I_latent_dim) as float32 numpy (n, latent_dim), for `sample`.

    `seed` None draws from the model's `seed_generator` (successive calls differ,
    reproducibly for a seeded model); an integer in [0, MAX_SEED] gives a stateless draw,
    the same on every call and in the SavedModel's `sample` (`stateless_normal_latents`).
    """
    if seed is None:
        return np.asarray(keras.random.normal((n, latent_dim), seed=seed_generator), "float32")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"`seed` must be None or an integer in [0, {MAX_SEED}]. Received: seed={seed!r}")
    return np.asarray(keras.random.normal((n, latent_dim), seed=int(seed)), "float32")
