"""Shared data for the autoencoder tests: the shipped 1,000 Fashion-MNIST test images."""

import pytest

from kerazoo.datasets import load_fashion_mnist_sample


@pytest.fixture(scope="session")
def fashion():
    """(x_train, x_test): the first 800 and the last 200 of the shipped sample."""
    x, _ = load_fashion_mnist_sample()
    return x[:800], x[800:]
