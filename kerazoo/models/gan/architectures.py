"""DCGAN networks for 28x28x1 images (Radford, Metz & Chintala, 2015, adapted to 28x28).

Generator: latent (latent_dim,) -> Dense 7*7*f0 -> BN -> ReLU -> reshape (7, 7, f0)
-> [Conv2DTranspose(f_i, 4, stride 2) -> BN -> ReLU] ... -> the image, tanh, rescaled to
[0, 1]. With two filter sizes (f0, f1), the default (128, 64), the maps are 7x7xf0 ->
14x14xf1 and a last Conv2DTranspose(1, 4, stride 2) gives the 28x28 image (DCGAN). With
three (f0, f1, f2) the second upsampling gives 28x28xf2 feature maps, and a 3x3
convolution turns them into the image: a layer at full resolution, for finer detail.

Discriminator (critic): images in [0, 1] rescaled to [-1, 1] -> [Conv2D(f_i, 4, stride 2)
-> normalization (not on the first layer, as in the paper) -> LeakyReLU(0.2)] ... ->
Flatten -> Dense(1) logit. Normalization: batch norm (the paper), layer norm (the usual
choice for WGAN-GP, whose penalty is per example), spectral normalization of every weight
matrix (Miyato et al., 2018: `keras.layers.SpectralNormalization`, one power iteration per
training call) or none.
"""

import keras

from kerazoo.utils.validation import IMAGE_SHAPE

DISCRIMINATOR_NORMS = ("batch", "layer", "spectral", "none")

# How each normalization shows in a model card.
NORM_DESCRIPTIONS = {
    "batch": "batch norm after every convolution but the first (DCGAN)",
    "layer": "layer norm after every convolution but the first",
    "spectral": "spectral normalization of every weight matrix (SNGAN), no batch norm",
    "none": "no normalization",
}


def _check_norm(norm, accepted):
    if norm not in accepted:
        raise ValueError(
            f"`discriminator_norm` must be one of {list(accepted)}. Received: discriminator_norm={norm!r}"
        )
    return norm


def resolve_discriminator_norm(norm, loss):
    """`norm`, with "auto" made concrete: batch norm for the non-saturating loss (DCGAN), layer
    norm for WGAN-GP (its penalty is per example and must not see batch statistics)."""
    if _check_norm(norm, DISCRIMINATOR_NORMS + ("auto",)) == "auto":
        return "batch" if loss == "non_saturating" else "layer"
    return norm


def _init(seed, i):
    # DCGAN: all weights from N(0, 0.02).
    return keras.initializers.RandomNormal(stddev=0.02, seed=None if seed is None else seed + i)


def _with_policy(model, dtype):
    if dtype is not None:
        model.dtype_policy = dtype  # a functional model takes no `dtype` argument
    return model


def dcgan_generator(latent_dim, filters=(128, 64), seed=None, name="generator", dtype=None):
    """The DCGAN generator: latents (N, latent_dim) -> images (N, 28, 28, 1) in [0, 1].

    `filters` = (f0, f1): the 7x7 feature maps after the projection have f0 channels, the
    14x14 ones after the first stride-2 upsampling f1; the last upsampling gives the image.
    `filters` = (f0, f1, f2): the second upsampling gives 28x28 maps of f2 channels, and a
    3x3 convolution the image. Every layer (and the model) gets the dtype policy `dtype`
    (None: the global one).
    """
    filters = list(filters)
    if len(filters) not in (2, 3):
        raise ValueError(
            "`generator_filters` must hold 2 sizes (7x7 -> 14x14 -> image) or 3 (7x7 -> 14x14 "
            f"-> 28x28 -> image). Received: generator_filters={filters!r}"
        )
    z = keras.Input((latent_dim,), name="latent")
    h = keras.layers.Dense(7 * 7 * filters[0], use_bias=False, kernel_initializer=_init(seed, 0),
                           name="project", dtype=dtype)(z)
    h = keras.layers.BatchNormalization(name="project_bn", dtype=dtype)(h)
    h = keras.layers.ReLU(name="project_relu", dtype=dtype)(h)
    h = keras.layers.Reshape((7, 7, filters[0]), name="to_feature_map", dtype=dtype)(h)
    for i, f in enumerate(filters[1:], start=1):
        h = keras.layers.Conv2DTranspose(f, 4, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=_init(seed, i), name=f"up_{i}",
                                         dtype=dtype)(h)
        h = keras.layers.BatchNormalization(name=f"up_{i}_bn", dtype=dtype)(h)
        h = keras.layers.ReLU(name=f"up_{i}_relu", dtype=dtype)(h)
    if len(filters) == 2:
        to_image = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh",
                                                kernel_initializer=_init(seed, 2), name="to_image",
                                                dtype=dtype)
    else:
        to_image = keras.layers.Conv2D(1, 3, padding="same", activation="tanh",
                                       kernel_initializer=_init(seed, 3), name="to_image",
                                       dtype=dtype)
    h = to_image(h)
    images = keras.layers.Rescaling(0.5, offset=0.5, name="to_unit_range", dtype=dtype)(h)
    return _with_policy(keras.Model(z, images, name=name), dtype)



def dcgan_discriminator(filters=(64, 128), norm="batch", seed=None, name="discriminator",
                        dtype=None):
    """The DCGAN discriminator: images (N, 28, 28, 1) in [0, 1] -> logits (N, 1), every
    layer under the dtype policy `dtype`."""
    _check_norm(norm, DISCRIMINATOR_NORMS)

    def weighted(layer):
        if norm != "spectral":
            return layer
        return keras.layers.SpectralNormalization(layer, name=f"{layer.name}_sn", dtype=dtype)

    x = keras.Input(IMAGE_SHAPE, name="images")
    h = keras.layers.Rescaling(2.0, offset=-1.0, name="to_symmetric_range", dtype=dtype)(x)
    for i, f in enumerate(filters):
        bias = i == 0 or norm in ("spectral", "none")
        h = weighted(keras.layers.Conv2D(f, 4, strides=2, padding="same", use_bias=bias,
                                         kernel_initializer=_init(seed, 100 + i), name=f"down_{i}",
                                         dtype=dtype))(h)
        if i > 0 and norm == "batch":
            h = keras.layers.BatchNormalization(name=f"down_{i}_bn", dtype=dtype)(h)
        elif i > 0 and norm == "layer":
            h = keras.layers.LayerNormalization(axis=(1, 2, 3), name=f"down_{i}_ln", dtype=dtype)(h)
        h = keras.layers.LeakyReLU(0.2, name=f"down_{i}_lrelu", dtype=dtype)(h)
    h = keras.layers.Flatten(name="flatten", dtype=dtype)(h)
    logits = weighted(keras.layers.Dense(1, kernel_initializer=_init(seed, 200), name="logit",
                                         dtype=dtype))(h)
    return _with_policy(keras.Model(x, logits, name=name), dtype)
