import keras
import numpy as np
import pytest

from kerazoo import datasets
from kerazoo.models import Autoencoder


@pytest.fixture(scope="module")
def fashion_subset():
    """The first 2,000 Fashion-MNIST test images and labels."""
    x, y = datasets.load_fashion_mnist("test")
    return x[:2000], y[:2000]


@pytest.fixture(scope="module")
def pretrained_dense_ae(fashion_subset):
    """A small dense autoencoder (784-256-10) trained 8 epochs on the subset, seed 0."""
    x, _ = fashion_subset
    keras.utils.set_random_seed(0)
    ae = Autoencoder(code_size=10, architecture="dense", hidden_units=[256], seed=0)
    ae.compile(keras.optimizers.Adam(2e-3))
    ae.fit(x, epochs=8, batch_size=64, verbose=0, shuffle=False)
    return ae


def blob_images(n_per=100, k=4, seed=0, scale=0.05):
    """k Gaussian blobs in (4, 4, 1) images: centres uniform in [0.2, 0.8], sd `scale`."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.2, 0.8, size=(k, 16))
    y = np.repeat(np.arange(k), n_per)
    x = np.clip(centres[y] + scale * rng.standard_normal((len(y), 16)), 0, 1)
    return x.reshape(-1, 4, 4, 1).astype("float32"), y
