"""Shared data for the GAN tests: the shipped 1,000 Fashion-MNIST test images."""

import pytest

from kerazoo.datasets import load_fashion_mnist_sample


@pytest.fixture(scope="session")
def fashion_images():
    x, y = load_fashion_mnist_sample()
    return x, y
