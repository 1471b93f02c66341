"""A callback that writes a grid of images from fixed latents every N epochs."""

from pathlib import Path

import keras
import numpy as np

from kerazoo.utils.validation import check_positive_int


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
        from kerazoo.viz import image_grid

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
