"""tf.data input pipelines for the image models.

They need TensorFlow (imported when a pipeline is made), whatever the Keras backend: Keras
fits a `tf.data.Dataset` on JAX as on TensorFlow. Without TensorFlow, `make_image_dataset`
raises an `ImportError` that says so; pass NumPy arrays to `fit` instead.
"""

import numbers

import numpy as np

from kerazoo.utils.validation import check_images, check_positive_int

_TARGETS = ("self", None)


def make_image_dataset(
    x,
    y=None,
    batch_size=128,
    shuffle=True,
    seed=None,
    repeat=False,
    drop_remainder=False,
    target="self",
):
    """A batched, prefetched `tf.data.Dataset` of images, for `model.fit`.

    What each batch holds:

    - ``y`` given: ``(x_batch, y_batch)`` (classifiers);
    - ``y=None, target="self"``: ``(x_batch, x_batch)``, the input as its own target
      (autoencoders);
    - ``y=None, target=None``: ``x_batch`` alone (RBMs, GANs: models whose ``train_step``
      needs no target).

    The images are held once, as one tensor; what is shuffled is the order of the indices
    0..N-1 (a full shuffle, buffer N, so every permutation is possible), and each batch is
    gathered from the tensor. With ``seed`` set the order is reproducible: two datasets
    made with the same seed yield the same batches, epoch after epoch, and each epoch
    (each new iteration, or each repetition with ``repeat=True``) draws a new order.

    The dataset shuffles itself: pass ``shuffle=False`` to ``model.fit`` (Keras ignores
    its own ``shuffle`` for a dataset, and warns when it is left True).

    Args:
        x: images, float32 (N, 28, 28, 1) in [0, 1], checked with
            `kerazoo.utils.check_images`.
        y: optional targets with N rows (e.g. int64 class ids).
        batch_size: positive int.
        shuffle: shuffle the images each epoch.
        seed: int or None; the shuffle seed (None: a new order every run).
        repeat: repeat forever (then pass ``steps_per_epoch`` to ``fit``); an epoch is
            always ``ceil(N / batch_size)`` batches (``floor`` with ``drop_remainder``), so
            batches never straddle two epochs.
        drop_remainder: drop the last, smaller batch of each epoch (fixed batch shapes).
        target: ``"self"`` or None, used when ``y`` is None (see above).

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError / TypeError: bad images, a ``y`` whose length differs from N, an
            unknown ``target``, ``target=None`` together with ``y``, a bad ``batch_size`` or
            ``seed``, no images, or fewer images than one batch with ``drop_remainder``.
    """
    from kerazoo.utils.backend import require_tensorflow

    tf = require_tensorflow("kerazoo.datasets.make_image_dataset (a tf.data pipeline)")
    x = check_images(x, "x")
    batch_size = check_positive_int(batch_size, "batch_size")
    if target not in _TARGETS:
        raise ValueError(
            "`target` must be 'self' (yield (x, x), for autoencoders) or None (yield x "
            f"alone). Received: target={target!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    n = len(x)
    if n == 0:
        raise ValueError("`x` holds no images: a dataset needs at least one. Received: N=0")
    if y is not None:
        if target is None:
            raise ValueError(
                "`target=None` yields images alone, but `y` was given: pass y=None for "
                "image-only batches, or keep target='self' to yield (x, y)."
            )
        if hasattr(y, "numpy") and not isinstance(y, np.ndarray):
            y = y.numpy()
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != n:
            raise ValueError(
                f"`y` must have one row per image: {n} rows. Received: y.shape={y.shape}"
            )
    if drop_remainder and n < batch_size:
        raise ValueError(
            f"With drop_remainder=True, `x` must hold at least one full batch of "
            f"batch_size={batch_size} images. Received: N={n}"
        )

    images = tf.constant(x)
    targets = None if y is None else tf.constant(y)
    ds = tf.data.Dataset.range(n)
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def gather(idx):
        xb = tf.gather(images, idx)
        if targets is not None:
            return xb, tf.gather(targets, idx)
        if target == "self":
            return xb, xb
        return xb

    ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)
