"""Fixtures of the RBM tests: small slices of real Fashion-MNIST."""

import pytest

from kerazoo.datasets import load_fashion_mnist


@pytest.fixture(scope="session")
def fmnist_train():
    """The first 3,000 Fashion-MNIST training images."""
    return load_fashion_mnist("train")[0][:3000]


@pytest.fixture(scope="session")
def fmnist_test():
    """The first 1,000 Fashion-MNIST test images."""
    return load_fashion_mnist("test")[0][:1000]
