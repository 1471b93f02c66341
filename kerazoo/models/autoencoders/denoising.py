"""The denoising autoencoder: reconstruct the clean image from a corrupted one.

A `DenoisingAutoencoder` (Vincent et al., 2008) corrupts each training image with
q(x~ | x) and learns to reconstruct the clean x from x~:

    loss = L(x, g(f(x~))),   x~ ~ q(x~ | x).

The corruption is a `kerazoo.layers` corruption layer applied in `call` before the
encoder, only in training: `reconstruct`, `encode`, evaluation and the SavedModel see the
input as given, so a trained model denoises (`reconstruct(noisy)`) and inpaints
(`reconstruct(masked)`; see `kerazoo.applications`). The target is the clean input, so
`fit(x)` (or `fit(x, x)`) is all it takes.

Corruptions (levels in [0, 1]): "gaussian" (standard deviation, clipped to [0, 1]),
"masking" (fraction of pixels zeroed), "salt_and_pepper" (fraction of pixels set to 0 or
1), "block_masking" (side of a missing square, as a fraction of the image's side). Give a
list of kinds (and levels) to corrupt each image with one of them, chosen at random.

References:
    P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and composing
    robust features with denoising autoencoders", ICML 2008.
    P. Vincent et al., "Stacked denoising autoencoders", JMLR 11, 2010.
"""

import keras

from kerazoo.layers.corruption import CORRUPTIONS, RandomCorruption, check_level
from kerazoo.models.autoencoders.autoencoder import Autoencoder


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


@keras.saving.register_keras_serializable(package="kerazoo")
class DenoisingAutoencoder(Autoencoder):
    """An autoencoder trained to undo a corruption of its input (active in training only).

    Args:
        corruption: "gaussian" (default), "masking", "salt_and_pepper", "block_masking",
            or a list of them (each training image gets one, uniformly at random).
        corruption_level: a float in [0, 1] (default 0.3), or a list of one per corruption.
        All other arguments as for `Autoencoder`; `seed` also seeds the corruption.
    """

    def __init__(self, code_size=30, corruption="gaussian", corruption_level=0.3, seed=None, **kwargs):
        kinds = _as_list(corruption)
        levels = _as_list(corruption_level)
        if not kinds:
            raise ValueError("`corruption` must name at least one corruption. Received: []")
        for kind in kinds:
            if kind not in CORRUPTIONS:
                raise ValueError(
                    f"`corruption` must be one of {sorted(CORRUPTIONS)} (or a list of them). "
                    f"Received: corruption={corruption!r}"
                )
        if len(levels) == 1 and len(kinds) > 1:
            levels = levels * len(kinds)
        if len(levels) != len(kinds):
            raise ValueError(
                "`corruption_level` must be one level, or one per corruption. Received: "
                f"corruption={corruption!r}, corruption_level={corruption_level!r}"
            )
        levels = [check_level(level, "corruption_level") for level in levels]
        self.corruption = kinds[0] if len(kinds) == 1 and not isinstance(corruption, (list, tuple)) else kinds
        self.corruption_level = (
            levels[0] if not isinstance(corruption_level, (list, tuple)) else levels
        )
        self._pairs = list(zip(kinds, levels))
        super().__init__(code_size=code_size, seed=seed, **kwargs)

    def _make_state(self):
        self.corrupt_layer = RandomCorruption(
            self._pairs, seed=None if self.seed is None else self.seed + 2000, name="corruption",
            dtype=self.dtype_policy,
        )

    def call(self, inputs, training=False):
        corrupted = self.corrupt_layer(inputs, training=training)
        return super().call(corrupted, training=training)

    def corrupt(self, x):
        """The training corruption applied to the image tensor x (for looking at it)."""
        return self.corrupt_layer(x, training=True)

    def get_config(self):
        return {
            **super().get_config(),
            "corruption": self.corruption,
            "corruption_level": self.corruption_level,
        }
