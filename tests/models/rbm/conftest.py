"""Fixtures of the RBM tests: small slices of real Fashion-MNIST."""

import gzip
from pathlib import Path

import numpy as np
import pytest

_SYSTEM_COPY = Path("/usr/share/datasets/fashion-mnist")


def _read_idx_images(path):
    """A tiny IDX reader, used only when `kerazoo.datasets` is not importable."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols, 1)
    return pixels.astype(np.float32) / 255.0


def load_fashion_mnist_images(split):
    """Images of an official split ("train" = first 54,000, "test"), float32 in [0, 1]."""
    try:
        from kerazoo.datasets import load_fashion_mnist
    except ImportError:
        name = "t10k" if split == "test" else "train"
        x = _read_idx_images(_SYSTEM_COPY / f"{name}-images-idx3-ubyte.gz")
        return x[:54000] if split == "train" else x
    return load_fashion_mnist(split)[0]


@pytest.fixture(scope="session")
def fmnist_train():
    """The first 3,000 Fashion-MNIST training images."""
    return load_fashion_mnist_images("train")[:3000]


@pytest.fixture(scope="session")
def fmnist_test():
    """The first 1,000 Fashion-MNIST test images."""
    return load_fashion_mnist_images("test")[:1000]
