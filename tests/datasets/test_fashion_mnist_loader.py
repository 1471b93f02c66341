"""Fashion-MNIST on the real data (Debian's copy in /usr/share/datasets/fashion-mnist)."""

import numpy as np
import pytest

from kerazoo.datasets import (
    FASHION_MNIST_CLASS_NAMES,
    DatasetIntegrityError,
    load_fashion_mnist,
    load_fashion_mnist_sample,
)
from kerazoo.datasets import _lookup, fashion_mnist
from kerazoo.datasets.idx import read_idx

SIZES = {"train": 54_000, "validation": 6_000, "test": 10_000, "train+validation": 60_000}


@pytest.mark.parametrize("split", list(SIZES))
def test_split_layout(fashion_dir, split):
    x, y = load_fashion_mnist(split, data_dir=fashion_dir)
    assert x.shape == (SIZES[split], 28, 28, 1) and x.dtype == np.float32
    assert y.shape == (SIZES[split],) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    # pixels / 255 exactly: every value is k/255 for an integer k.
    k = x[:500] * 255
    np.testing.assert_array_equal(k, np.round(k))
    assert set(np.unique(y)) == set(range(10))


def test_known_facts(fashion_dir):
    x_test, y_test = load_fashion_mnist("test", data_dir=fashion_dir)
    x_all, y_all = load_fashion_mnist("train+validation", data_dir=fashion_dir)
    # Balanced classes: 1,000 per class in the test set, 6,000 in the training set.
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 1000))
    np.testing.assert_array_equal(np.bincount(y_all), np.full(10, 6000))
    # The first labels of each official file.
    np.testing.assert_array_equal(y_test[:10], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    np.testing.assert_array_equal(y_all[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    assert FASHION_MNIST_CLASS_NAMES[9] == "Ankle boot"
    # The usual normalization constants: training mean 0.2860, std 0.3530.
    assert abs(float(x_all.mean(dtype=np.float64)) - 0.2860) < 5e-4
    assert abs(float(x_all.std(dtype=np.float64)) - 0.3530) < 5e-4


def test_splits_slice_the_official_files(fashion_dir):
    raw_x = read_idx(fashion_dir / "train-images-idx3-ubyte.gz")
    raw_y = read_idx(fashion_dir / "train-labels-idx1-ubyte.gz")
    x_tr, y_tr = load_fashion_mnist("train", data_dir=fashion_dir)
    x_va, y_va = load_fashion_mnist("validation", data_dir=fashion_dir)
    x_all, y_all = load_fashion_mnist("train+validation", data_dir=fashion_dir)
    np.testing.assert_array_equal(x_all[..., 0] * 255, raw_x)
    np.testing.assert_array_equal(y_all, raw_y)
    np.testing.assert_array_equal(y_tr, raw_y[:54_000])
    np.testing.assert_array_equal(y_va, raw_y[54_000:])
    np.testing.assert_array_equal(x_va, x_all[54_000:])
    # Any '+'-combination, concatenated in the order given.
    x_vt, y_vt = load_fashion_mnist("validation + test", data_dir=fashion_dir)
    x_te, y_te = load_fashion_mnist("test", data_dir=fashion_dir)
    assert x_vt.shape == (16_000, 28, 28, 1)
    np.testing.assert_array_equal(y_vt, np.concatenate([y_va, y_te]))
    np.testing.assert_array_equal(x_vt[6_000:], x_te)


def test_returned_arrays_are_fresh_and_writable(fashion_dir):
    x1, y1 = load_fashion_mnist("validation", data_dir=fashion_dir)
    assert x1.flags.writeable and y1.flags.writeable
    x1[:] = 0.5
    y1[:] = -1
    x2, y2 = load_fashion_mnist("validation", data_dir=fashion_dir)
    assert x2.max() == 1.0 and y2.min() == 0


def test_sample_is_first_1000_test_images(fashion_dir):
    xs, ys = load_fashion_mnist_sample()
    assert xs.shape == (1000, 28, 28, 1) and xs.dtype == np.float32
    assert ys.shape == (1000,) and ys.dtype == np.int64
    x, y = load_fashion_mnist("test", data_dir=fashion_dir)
    np.testing.assert_array_equal(xs, x[:1000])
    np.testing.assert_array_equal(ys, y[:1000])
    xs[:] = 0  # a fresh copy: the next call is unchanged
    assert load_fashion_mnist_sample()[0].max() == 1.0


def test_sample_file_is_small():
    from importlib import resources

    f = resources.files("kerazoo.datasets").joinpath("_samples", fashion_mnist.SAMPLE_FILE)
    assert f.is_file()
    assert len(f.read_bytes()) < 600_000


@pytest.mark.parametrize("split", ["training", "val", "train+", "", "test[:10%]"])
def test_unknown_split(fashion_dir, split):
    with pytest.raises(ValueError, match=r"'train', 'validation', 'test'.*Received: split="):
        load_fashion_mnist(split, data_dir=fashion_dir)


def test_split_errors(fashion_dir):
    with pytest.raises(ValueError, match="names a part twice.*Received: split='train\\+train'"):
        load_fashion_mnist("train+train", data_dir=fashion_dir)
    with pytest.raises(TypeError, match="must be a string.*Received: split=None"):
        load_fashion_mnist(None, data_dir=fashion_dir)


# The download path, with Keras's downloader replaced by functions returning arrays.


@pytest.fixture
def only_download(monkeypatch, tmp_path):
    monkeypatch.setenv(_lookup.ENV_VAR, str(tmp_path))  # an empty root
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {})


def _keras_like(fashion_dir):
    def load(name):
        return np.array(read_idx(fashion_dir / name))

    return (
        (load("train-images-idx3-ubyte.gz"), load("train-labels-idx1-ubyte.gz")),
        (load("t10k-images-idx3-ubyte.gz"), load("t10k-labels-idx1-ubyte.gz")),
    )


def test_download_used_last_checked_and_cached(fashion_dir, only_download, monkeypatch):
    calls = []
    data = _keras_like(fashion_dir)

    def download():
        calls.append(1)
        return data

    monkeypatch.setattr(fashion_mnist, "_download", download)
    x, y = load_fashion_mnist("test")
    x_local, y_local = load_fashion_mnist("test", data_dir=fashion_dir)
    np.testing.assert_array_equal(x, x_local)
    np.testing.assert_array_equal(y, y_local)
    load_fashion_mnist("validation")
    assert len(calls) == 1


def test_tampered_download_is_rejected(fashion_dir, only_download, monkeypatch):
    (x_train, y_train), (x_test, y_test) = _keras_like(fashion_dir)
    x_test[0, 0, 0] ^= 1
    monkeypatch.setattr(fashion_mnist, "_download",
                        lambda: ((x_train, y_train), (x_test, y_test)))
    with pytest.raises(DatasetIntegrityError, match="test images.*content sha256"):
        load_fashion_mnist("train")


def test_wrong_shaped_download_is_rejected(only_download, monkeypatch):
    x = np.zeros((100, 28, 28), np.uint8)
    y = np.zeros(100, np.uint8)
    monkeypatch.setattr(fashion_mnist, "_download", lambda: ((x, y), (x, y)))
    with pytest.raises(DatasetIntegrityError,
                       match=r"expected 60000 uint8 images.*\(100, 28, 28\)"):
        load_fashion_mnist("train")
