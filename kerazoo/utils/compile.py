"""Restoring a model's compile settings when a `.keras` file is loaded."""

import keras


def compile_from_keras_config(model, config):
    """`keras.Model.compile_from_config` for models whose `compile` takes Keras' own config.

    The config is deserialized and passed to `model.compile`; the optimizer's variables
    are created now (when the model is built), so that a saved optimizer state loads.
    """
    config = keras.saving.deserialize_keras_object(config)
    model.compile(**config)
    if getattr(model, "optimizer", None) is not None and model.built:
        model.optimizer.build(model.trainable_variables)
