"""Shuffled image batches for `model.fit`: a tf.data pipeline, or its NumPy twin on JAX.

- `make_image_dataset`: a `tf.data.Dataset`. It needs TensorFlow (imported when a pipeline
  is made), whatever the Keras backend (Keras fits a `tf.data.Dataset` on JAX too); without
  TensorFlow it raises an `ImportError` that says so.
- `make_image_batches`: what the recipes train on. `make_image_dataset` on TensorFlow (so
  the zoo's recipes compute what they always did there); on JAX an `ImageBatches`
  `keras.utils.PyDataset` with the same batches and shuffling rule, drawn by NumPy, so that
  training on JAX never imports TensorFlow.
"""

import functools
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
    x, y, n, batch_size = _check_batches(x, y, batch_size, seed, drop_remainder, target)

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


def _check_batches(x, y, batch_size, seed, drop_remainder, target):
    """The checks of `make_image_dataset` and `make_image_batches`: (x, y, N, batch_size)."""
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

    return x, y, n, batch_size


def make_image_batches(x, y=None, batch_size=128, shuffle=True, seed=None, drop_remainder=False,
                       target="self"):
    """The batches of `make_image_dataset` for `model.fit` on the active backend.

    On TensorFlow, `make_image_dataset` itself (a `tf.data.Dataset`). On JAX, an
    `ImageBatches` (a `keras.utils.PyDataset`) that yields the same kind of batches with the
    same shuffling rule (a full permutation of 0..N-1 per epoch, reproducible from `seed`,
    drawn by NumPy instead of TensorFlow), so training never imports TensorFlow. Both have
    `len()`: the batches per epoch. Pass ``shuffle=False`` to `fit` with either.
    """
    from kerazoo.utils.backend import configured_backend

    if configured_backend() == "tensorflow":
        return make_image_dataset(x, y=y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  drop_remainder=drop_remainder, target=target)
    return _image_batches_class()(x, y=y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  drop_remainder=drop_remainder, target=target)


@functools.cache
def _image_batches_class():
    """`ImageBatches`, a `keras.utils.PyDataset` (defined on first use: kerazoo.datasets
    imports without Keras)."""
    import keras

    class ImageBatches(keras.utils.PyDataset):
        """Shuffled image batches without TensorFlow (see `make_image_batches`).

        Arguments and batches as in `make_image_dataset` (without `repeat`): each epoch
        visits the images in a new permutation drawn from `numpy.random.default_rng(seed)`;
        the first epoch's order is drawn at construction, each next one by `on_epoch_end`.
        """

        def __init__(self, x, y=None, batch_size=128, shuffle=True, seed=None,
                     drop_remainder=False, target="self"):
            super().__init__()
            self.x, self.y, self.n, self.batch_size = _check_batches(
                x, y, batch_size, seed, drop_remainder, target)
            self.target = target
            self.shuffle = shuffle
            self.drop_remainder = drop_remainder
            self._rng = np.random.default_rng(seed)
            self._order = self._new_order()

        def _new_order(self):
            return self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)

        def __len__(self):
            whole, rest = divmod(self.n, self.batch_size)
            return whole + (1 if rest and not self.drop_remainder else 0)

        def __getitem__(self, index):
            if not 0 <= index < len(self):
                raise IndexError(f"Batch index out of range [0, {len(self)}). Received: {index}")
            idx = self._order[index * self.batch_size:(index + 1) * self.batch_size]
            xb = self.x[idx]
            if self.y is not None:
                return xb, self.y[idx]
            if self.target == "self":
                return xb, xb
            return (xb,)

        def on_epoch_end(self):
            self._order = self._new_order()

    return ImageBatches
