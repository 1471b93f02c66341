"""Fixtures of the DBN tests: small slices of real Fashion-MNIST and small pretrained DBNs."""

import keras
import pytest

from kerazoo import datasets
from kerazoo.models import DBN


@pytest.fixture(scope="session")
def fmnist_small():
    """The first 300 Fashion-MNIST training images and their labels."""
    x, y = datasets.load_fashion_mnist("train")
    return x[:300], y[:300]


@pytest.fixture(scope="session")
def pretrained_dbn(fmnist_small):
    """A 784-32-16-24 Bernoulli DBN pretrained 5 epochs per layer on 300 images."""
    keras.utils.set_random_seed(0)
    dbn = DBN([784, 32, 16, 24], seed=0)
    dbn.pretrain(fmnist_small[0], epochs=5, batch_size=10, learning_rate=0.1, momentum=0.9,
                 steps_per_execution=10, verbose=0)
    return dbn


@pytest.fixture(scope="session")
def pretrained_gaussian_dbn(fmnist_small):
    """A 784-32-16 DBN with a Gaussian-Bernoulli bottom RBM, 1 epoch per layer."""
    keras.utils.set_random_seed(0)
    dbn = DBN([784, 32, 16], visible="gaussian", seed=0)
    dbn.pretrain(fmnist_small[0], epochs=1, batch_size=50, steps_per_execution=1, verbose=0)
    return dbn
