"""Keras callbacks for training kerazoo models: a divergence guard and sample grids."""

import math
import os
from pathlib import Path

import keras
import numpy as np

from kerazoo.utils.validation import check_positive_int
from kerazoo.viz import image_grid


class TrainingDivergedError(RuntimeError):
    """Training produced NaN or infinite values; the model holds its last good weights."""


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training on NaN or infinity and keeps the last good weights.

    After every epoch whose logs and weights are finite, the weights are kept in memory
    and, with `checkpoint_path`, written atomically to that `.weights.h5` file (the file is
    never overwritten by diverged weights). When a batch or epoch reports a non-finite
    value, the model is restored to the last good weights and `TrainingDivergedError` is
    raised, naming the metric, the epoch and the checkpoint.

    Args:
        checkpoint_path: optional `.weights.h5` path for the last good weights.
    """

    def __init__(self, checkpoint_path=None):
        super().__init__()
        if checkpoint_path is not None and not str(checkpoint_path).endswith(".weights.h5"):
            raise ValueError(
                f"checkpoint_path must end in '.weights.h5'. Received: {checkpoint_path}"
            )
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self._good_weights = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self._good_weights = [np.array(w) for w in self.model.get_weights()]

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, f"batch {batch} of epoch {self._epoch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, f"epoch {epoch + 1}")
        weights = self.model.get_weights()
        if not all(np.all(np.isfinite(w)) for w in weights if np.issubdtype(np.asarray(w).dtype, np.floating)):
            self._fail("the model's weights", f"epoch {epoch + 1}")
        self._good_weights = [np.array(w) for w in weights]
        if self.checkpoint_path is not None:
            self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.checkpoint_path.with_name(f".{os.getpid()}.tmp.weights.h5")
            self.model.save_weights(tmp)
            os.replace(tmp, self.checkpoint_path)

    def _check(self, logs, where):
        for key, value in (logs or {}).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(number):
                self._fail(f"`{key}` = {number}", where)

    def _fail(self, what, where):
        # A model built by its first batch had no weights when training began: there is
        # nothing to restore before the first good epoch.
        restorable = self._good_weights is not None and len(self._good_weights) == len(
            self.model.weights)
        if restorable:
            self.model.set_weights(self._good_weights)
        saved = (
            f"; the last good weights are in {self.checkpoint_path}"
            if self.checkpoint_path is not None and self.checkpoint_path.exists()
            else ""
        )
        self.model.stop_training = True
        state = ("The model was restored to its weights after the last good epoch" if restorable
                 else "No epoch ended with finite values, so no good weights were kept")
        raise TrainingDivergedError(
            f"Training diverged: {what} is not finite at {where}. {state}{saved}. Lower the "
            "learning rate or check the data for NaN."
        )


class SampleGridCallback(keras.callbacks.Callback):
    """Writes `directory/<prefix>_epoch_<E>.png`: images generated from the same latents
    every `every` epochs (and after the last epoch), so the grids show training progress.

    Works with any model with `generate(z)` and `latent_dim` (a `GAN`) or with `decode(z)`
    (a VAE). The latents are drawn once, z ~ N(0, I) with `seed`.

    Args:
        directory: folder for the PNG files (created).
        every: write a grid every this many epochs.
        n: the number of images (a square number gives a square grid).
        seed: the seed of the fixed latents.
        prefix: file name prefix.
    """

    def __init__(self, directory, every=1, n=64, seed=0, prefix="samples"):
        super().__init__()
        self.directory = Path(directory)
        self.every = check_positive_int(every, "every")
        self.n = check_positive_int(n, "n")
        self.seed = int(seed)
        self.prefix = str(prefix)
        self.paths = []
        self._latents = None
        self._last_epoch = None

    def _generate(self, z):
        fn = getattr(self.model, "generate", None) or getattr(self.model, "decode", None)
        if fn is None:
            raise TypeError(
                "SampleGridCallback needs a model with `generate(z)` or `decode(z)`. "
                f"Received: {type(self.model).__name__}"
            )
        return fn(z)

    def on_train_begin(self, logs=None):
        latent_dim = int(self.model.latent_dim)
        self._latents = np.random.default_rng(self.seed).standard_normal((self.n, latent_dim)).astype("float32")

    def _write(self, epoch):
        path = self.directory / f"{self.prefix}_epoch_{epoch + 1:03d}.png"
        image_grid(self._generate(self._latents), path, title=f"Epoch {epoch + 1}")
        self.paths.append(path)
        self._last_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch
        if (epoch + 1) % self.every == 0:
            self._write(epoch)

    def on_train_end(self, logs=None):
        epoch = getattr(self, "_epoch", None)
        if epoch is not None and epoch != self._last_epoch:
            self._write(epoch)
