"""Corruption layers for denoising autoencoders (Vincent et al., 2008, 2010).

A denoising autoencoder learns to map a corrupted input x~ ~ q(x~ | x) back to the clean
x. These layers draw x~: each is the identity at inference and corrupts only when called
with `training=True`, like `keras.layers.GaussianNoise`, and draws its noise from a
`keras.random.SeedGenerator`, so a seeded layer corrupts the same way on every run.

Every layer takes a `level` in [0, 1] (0 turns it off):

- `GaussianCorruption(stddev)`: x~ = clip(x + e, 0, 1), e ~ N(0, stddev^2), additive
  isotropic Gaussian noise (clipping keeps images in [0, 1]; `clip=False` skips it).
- `MaskingCorruption(rate)`: each pixel is set to 0 with probability `rate`, the
  "masking noise" of Vincent et al. (2008).
- `SaltAndPepperCorruption(rate)`: each pixel, with probability `rate`, is set to 0 or 1
  with equal probability (Vincent et al., 2010, sec. 4.1).
- `BlockMaskingCorruption(size)`: one square of side `round(size * min(H, W))` pixels at a
  uniformly random position is set to `fill_value` in each image: the missing region of
  an inpainting problem.
- `RandomCorruption(corruptions)`: each image gets one of several corruptions, chosen
  uniformly at random per image (e.g. noise and missing blocks, so one model both
  denoises and inpaints).

References:
    P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and composing
    robust features with denoising autoencoders", ICML 2008.
    P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio and P.-A. Manzagol, "Stacked denoising
    autoencoders: learning useful representations in a deep network with a local
    denoising criterion", JMLR 11, 2010.
"""

import numbers

import keras
from keras import ops


def check_level(value, name="level"):
    """Returns `value` as a float in [0, 1], or raises a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 1.0:
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a corruption level, "
            f"a float between 0 and 1. Received: {name}={value!r}"
        )
    return float(value)


class _Corruption(keras.layers.Layer):
    """Base class: a level in [0, 1], a seed, identity unless `training=True`."""

    _level_name = "level"

    def __init__(self, level, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.level = check_level(level, self._level_name)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs, training=False):
        if training and self.level > 0:
            return self.corrupt(inputs)
        return inputs

    def corrupt(self, inputs):
        """Corrupts `inputs` unconditionally (what `call` does in training)."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), self._level_name: self.level, "seed": self.seed}


@keras.saving.register_keras_serializable(package="kerazoo")
class GaussianCorruption(_Corruption):
    """Additive Gaussian noise, clipped to [0, 1]: x~ = clip(x + e, 0, 1), e ~ N(0, stddev^2).

    Active only in training (`training=True`), like `keras.layers.GaussianNoise`, which it
    extends by clipping, so corrupted images stay valid images.

    Args:
        stddev: float in [0, 1], the noise's standard deviation.
        clip: clip the result to [0, 1] (default True).
        seed: optional int, for reproducible noise.
    """

    _level_name = "stddev"

    def __init__(self, stddev=0.3, clip=True, seed=None, **kwargs):
        super().__init__(stddev, seed=seed, **kwargs)
        self.stddev = self.level
        self.clip = bool(clip)

    def corrupt(self, inputs):
        noisy = inputs + keras.random.normal(
            ops.shape(inputs), stddev=self.stddev, dtype=self.compute_dtype, seed=self.seed_generator
        )
        return ops.clip(noisy, 0.0, 1.0) if self.clip else noisy

    def get_config(self):
        return {**super().get_config(), "clip": self.clip}


@keras.saving.register_keras_serializable(package="kerazoo")
class MaskingCorruption(_Corruption):
    """Masking noise: each entry is set to 0 with probability `rate` (not rescaled).

    Unlike `keras.layers.Dropout`, the kept entries are not divided by 1 - rate: the
    corrupted image is the clean one with pixels missing (Vincent et al., 2008).

    Args:
        rate: float in [0, 1], the probability that a pixel is zeroed.
        seed: optional int.
    """

    _level_name = "rate"

    def __init__(self, rate=0.25, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.rate = self.level

    def corrupt(self, inputs):
        u = keras.random.uniform(ops.shape(inputs), dtype=self.compute_dtype, seed=self.seed_generator)
        return ops.where(u < self.rate, ops.zeros_like(inputs), inputs)


@keras.saving.register_keras_serializable(package="kerazoo")
class SaltAndPepperCorruption(_Corruption):
    """Salt-and-pepper noise: with probability `rate` a pixel becomes 0 or 1 (each half the time).

    Args:
        rate: float in [0, 1], the probability that a pixel is replaced.
        seed: optional int.
    """

    _level_name = "rate"

    def __init__(self, rate=0.2, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.rate = self.level

    def corrupt(self, inputs):
        shape = ops.shape(inputs)
        hit = keras.random.uniform(shape, dtype=self.compute_dtype, seed=self.seed_generator)
        salt = keras.random.uniform(shape, dtype=self.compute_dtype, seed=self.seed_generator)
        value = ops.cast(salt < 0.5, self.compute_dtype)
        return ops.where(hit < self.rate, value, inputs)


@keras.saving.register_keras_serializable(package="kerazoo")
class BlockMaskingCorruption(_Corruption):
    """Missing regions: one square per image, at a uniformly random position, is filled.

    The square has side `s = round(size * min(H, W))` pixels and lies wholly inside the
    image; its top-left corner is uniform over the (H - s + 1)(W - s + 1) positions. The
    inpainting problem: reconstruct the image from what is left.

    Args:
        size: float in [0, 1], the square's side as a fraction of the image's side.
        fill_value: the value the square is set to (default 0.0, black).
        seed: optional int.
    Input shape: (N, H, W, C).
    """

    _level_name = "size"

    def __init__(self, size=0.4, fill_value=0.0, seed=None, **kwargs):
        super().__init__(size, seed=seed, **kwargs)
        self.size = self.level
        self.fill_value = float(fill_value)

    def block_mask(self, shape):
        """A float mask of `shape` (N, H, W, C): 1 inside each image's square, 0 elsewhere."""
        n, height, width = shape[0], shape[1], shape[2]
        if height is None or width is None:
            raise ValueError(
                f"BlockMaskingCorruption needs static image sizes. Received: shape={shape}"
            )
        side = int(round(self.size * min(height, width)))
        top = keras.random.randint((n, 1, 1, 1), 0, height - side + 1, seed=self.seed_generator)
        left = keras.random.randint((n, 1, 1, 1), 0, width - side + 1, seed=self.seed_generator)
        rows = ops.reshape(ops.arange(height), (1, height, 1, 1))
        cols = ops.reshape(ops.arange(width), (1, 1, width, 1))
        inside = ops.logical_and(
            ops.logical_and(rows >= top, rows < top + side),
            ops.logical_and(cols >= left, cols < left + side),
        )
        return ops.cast(inside, self.compute_dtype)

    def corrupt(self, inputs):
        shape = ops.shape(inputs)
        mask = self.block_mask((shape[0],) + tuple(inputs.shape[1:3]))
        return inputs * (1.0 - mask) + self.fill_value * mask

    def get_config(self):
        return {**super().get_config(), "fill_value": self.fill_value}


CORRUPTIONS = {
    "gaussian": GaussianCorruption,
    "masking": MaskingCorruption,
    "salt_and_pepper": SaltAndPepperCorruption,
    "block_masking": BlockMaskingCorruption,
}


def get_corruption(kind, level, seed=None, **kwargs):
    """A corruption layer by name: "gaussian", "masking", "salt_and_pepper", "block_masking"."""
    if kind not in CORRUPTIONS:
        raise ValueError(
            f"Unknown corruption {kind!r}. Expected one of {sorted(CORRUPTIONS)}. "
            f"Received: corruption={kind!r}"
        )
    return CORRUPTIONS[kind](level, seed=seed, **kwargs)


@keras.saving.register_keras_serializable(package="kerazoo")
class RandomCorruption(keras.layers.Layer):
    """Each image gets one of several corruptions, chosen uniformly at random per image.

    Every corruption is applied to the whole batch and one result is kept per image, so
    the cost is the sum of the corruptions' (cheap, elementwise) costs.

    Args:
        corruptions: a list of `(kind, level)` pairs, e.g.
            `[("gaussian", 0.3), ("block_masking", 0.4)]` (kinds as in `get_corruption`).
        seed: optional int; each corruption gets `seed + i`, the choice `seed + len`.
    """

    def __init__(self, corruptions, seed=None, **kwargs):
        super().__init__(**kwargs)
        pairs = []
        for item in corruptions:
            if not (isinstance(item, (list, tuple)) and len(item) == 2):
                raise ValueError(
                    "`corruptions` must be a list of (kind, level) pairs. "
                    f"Received: {corruptions!r}"
                )
            pairs.append((str(item[0]), check_level(item[1], f"level of {item[0]!r}")))
        if not pairs:
            raise ValueError("`corruptions` must name at least one corruption. Received: []")
        self.corruptions = pairs
        self.seed = seed
        self.layers_ = [
            get_corruption(kind, level, seed=None if seed is None else seed + i,
                           dtype=self.dtype_policy)
            for i, (kind, level) in enumerate(pairs)
        ]
        self.seed_generator = keras.random.SeedGenerator(None if seed is None else seed + len(pairs))
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training:
            return inputs
        if len(self.layers_) == 1:
            return self.layers_[0](inputs, training=True)
        choice = keras.random.randint(
            (ops.shape(inputs)[0],), 0, len(self.layers_), seed=self.seed_generator
        )
        out = inputs
        for i, layer in enumerate(self.layers_):
            pick = ops.reshape(ops.equal(choice, i), (-1,) + (1,) * (len(inputs.shape) - 1))
            out = ops.where(pick, layer(inputs, training=True), out)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "corruptions": [list(p) for p in self.corruptions],
            "seed": self.seed,
        }
