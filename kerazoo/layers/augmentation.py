"""The training-time image augmentation shared by the models that offer it."""

import keras


def augmentation_layers(random_flip, random_translation, seed, dtype=None):
    """`[RandomFlip("horizontal")]` and/or `[RandomTranslation]` (whole pixels, zeros shifted
    in), seeded `seed + 200` and `seed + 201`, under the dtype policy `dtype`; an empty
    list when both are off."""
    layers = []
    if random_flip:
        layers.append(keras.layers.RandomFlip(
            "horizontal", seed=None if seed is None else int(seed) + 200, name="random_flip",
            dtype=dtype))
    if random_translation:
        layers.append(keras.layers.RandomTranslation(
            random_translation, random_translation, fill_mode="constant", interpolation="nearest",
            seed=None if seed is None else int(seed) + 201, name="random_translation",
            dtype=dtype))
    return layers

