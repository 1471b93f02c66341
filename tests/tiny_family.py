"""A tiny autoencoder family registered for the foundation's tests only.

Data: images whose pixels are i.i.d. Bernoulli(0.3), drawn with a fixed numpy seed, so the
hub and runner tests need no data set.
"""

import keras
import numpy as np

from kerazoo.recipes import Family, register_family


def image_signature():
    """The SavedModel signature of the images (TensorFlow is imported only for an export)."""
    import tensorflow as tf

    return [tf.TensorSpec((None, 28, 28, 1), tf.float32, name="images")]


def bernoulli_images(n, seed=0, p=0.3):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 28, 28, 1)) < p).astype("float32")


@keras.saving.register_keras_serializable(package="kerazoo_tests")
class TinyAutoencoder(keras.Model):
    def __init__(self, code_size=4, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.code_size = code_size
        self.seed = seed
        init = keras.initializers.GlorotUniform(seed=seed)
        self.flatten = keras.layers.Flatten()
        self.enc = keras.layers.Dense(code_size, activation="sigmoid", kernel_initializer=init)
        self.dec = keras.layers.Dense(784, activation="sigmoid", kernel_initializer=init)
        self.reshape = keras.layers.Reshape((28, 28, 1))

    def encode(self, x):
        return self.enc(self.flatten(x))

    def call(self, x):
        return self.reshape(self.dec(self.encode(x)))

    def serving_endpoints(self):
        sig = image_signature()
        return {"reconstruct": (self.call, sig), "encode": (self.encode, sig)}

    def get_config(self):
        return {**super().get_config(), "code_size": self.code_size, "seed": self.seed}


@register_family
class TinyFamily(Family):
    name = "tiny_ae"
    model_class = TinyAutoencoder
    train_defaults = {"epochs": 2, "batch_size": 32, "learning_rate": 0.01}

    def load_data(self, job):
        n = job.data.get("subset", 256)
        return {"train": bernoulli_images(n, seed=1), "test": bernoulli_images(64, seed=2)}

    def fit(self, run, callbacks=(), verbose="auto"):
        model, job = run.model, run.job
        model.compile(keras.optimizers.Adam(job.train["learning_rate"]), "binary_crossentropy")
        x = run.data["train"]
        return model.fit(x, x, epochs=job.train["epochs"], batch_size=job.train["batch_size"],
                         callbacks=list(callbacks), verbose=verbose)

    def evaluate(self, run):
        x = run.data["test"]
        return {"test_bce": float(run.model.evaluate(x, x, verbose=0))}

    def card(self, run):
        return {"summary": "A tiny autoencoder for tests.", "anchors": {"chance": {"test_bce": 0.611}}}

    def example_data(self, job, n=64):
        return bernoulli_images(n, seed=3), bernoulli_images(n, seed=3)


def tiny_job_toml(name="tiny_ae.fashion_mnist", epochs=2, extra=""):
    return f"""
[job]
name = "{name}"
family = "tiny_ae"
seed = 7
description = "Tiny autoencoder for the tests."

[model]
code_size = 4

[data]
dataset = "fashion_mnist"
subset = 128

[train]
epochs = {epochs}
learning_rate = 0.01

[search]
max_trials = 2

[search.space.learning_rate]
type = "float"
min = 0.001
max = 0.1
sampling = "log"
{extra}"""
