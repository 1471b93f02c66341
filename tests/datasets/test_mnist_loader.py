"""MNIST on the real test-only copy in $KERAZOO_DATA_DIR/mnist."""

import numpy as np
import pytest

from kerazoo.datasets import DatasetNotFoundError, load_mnist
from kerazoo.datasets import _lookup, mnist

# Digits per class in the MNIST test set.
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_test_split(shared_data):
    x, y = load_mnist("test", data_dir=shared_data / "mnist")
    assert x.shape == (10_000, 28, 28, 1) and x.dtype == np.float32
    assert y.shape == (10_000,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), TEST_COUNTS)
    np.testing.assert_array_equal(y[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    assert abs(float(x.mean(dtype=np.float64)) - 0.1325) < 5e-4


def test_root_data_dir_and_env(shared_data, monkeypatch):
    # data_dir may be a root holding mnist/; with it unset, $KERAZOO_DATA_DIR is used.
    x1, y1 = load_mnist("test", data_dir=shared_data)
    monkeypatch.setenv(_lookup.ENV_VAR, str(shared_data))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {})
    x2, y2 = load_mnist("test")
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)


def test_test_only_copy_does_not_serve_train(shared_data, monkeypatch):
    """A location counts only if it holds the files the split needs."""
    monkeypatch.setenv(_lookup.ENV_VAR, str(shared_data))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {"mnist": ("/nonexistent/mnist",)})
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("train")
    msg = str(info.value)
    assert "MNIST (split 'train') was not found" in msg
    assert f"{shared_data / 'mnist'}: missing train-images-idx3-ubyte.gz" in msg
    assert "/nonexistent/mnist: no such folder" in msg
    assert "simulated offline" in msg
    assert "keras.datasets.mnist.load_data()" in msg
    # ... and an explicit test-only folder asked for train is an error, without fall-through.
    with pytest.raises(DatasetNotFoundError, match="missing train-images"):
        load_mnist("train+test", data_dir=shared_data / "mnist")


def test_download_result_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv(_lookup.ENV_VAR, raising=False)
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {})
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, 60_000).astype(np.uint8)
    x_test, y_test = x_train[:10_000], y_train[:10_000]
    monkeypatch.setattr(mnist, "_download", lambda: ((x_train, y_train), (x_test, y_test)))
    x, y = load_mnist("validation")
    np.testing.assert_array_equal(x[..., 0] * 255, x_train[54_000:])
    np.testing.assert_array_equal(y, y_train[54_000:])
