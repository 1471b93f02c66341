import keras
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

