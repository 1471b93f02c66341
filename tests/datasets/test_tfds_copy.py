"""A tensorflow-datasets copy as one more data location (issue 28, item 5).

The copies are written by TFDS's own machinery: a `GeneratorBasedBuilder` subclass named as
the real data set (`FashionMnist` -> `fashion_mnist/3.0.1`, `Mnist` -> `mnist/3.0.1`, the
same features, `image` (28, 28, 1) uint8 and `label`), not registered, whose
`download_and_prepare` writes the record files, `dataset_info.json` and `features.json` in
a temporary folder; nothing is downloaded. They hold 100 training and 20 test images, so
the tests set the official sizes the loader checks to those (`N_OFFICIAL`); a full-size
copy would take minutes to write.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kerazoo.datasets import (
    DatasetNotFoundError,
    _lookup,
    _mnist_format,
    load_fashion_mnist,
    load_mnist,
    load_movielens_100k,
)

N_TRAIN, N_TEST = 100, 20
ROOT = Path(__file__).resolve().parents[2]


def _examples(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8), rng.integers(0, 10, n)


def _write_copy(data_dir, class_name):
    import tensorflow_datasets as tfds

    def info(self):
        return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict({
            "image": tfds.features.Image(shape=(28, 28, 1)),
            "label": tfds.features.ClassLabel(num_classes=10)}),
            supervised_keys=("image", "label"))

    def split_generators(self, dl_manager):
        return {"train": self._generate_examples(N_TRAIN, 0),
                "test": self._generate_examples(N_TEST, 1)}

    def generate_examples(self, n, seed):
        images, labels = _examples(n, seed)
        for i in range(n):
            yield i, {"image": images[i], "label": int(labels[i])}

    builder_class = type(class_name, (tfds.core.GeneratorBasedBuilder,), {
        "VERSION": tfds.core.Version("3.0.1"), "_info": info,
        "_split_generators": split_generators, "_generate_examples": generate_examples,
    }, skip_registration=True)
    builder_class(data_dir=str(data_dir)).download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))


@pytest.fixture(scope="module")
def tfds_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("tfds")
    _write_copy(root, "FashionMnist")
    _write_copy(root, "Mnist")
    assert (root / "fashion_mnist" / "3.0.1" / "dataset_info.json").is_file()
    return root


@pytest.fixture
def only_tfds(tfds_root, tmp_path, monkeypatch):
    """No $KERAZOO_DATA_DIR copy, no system copy, a home without ~/tensorflow_datasets,
    $TFDS_DATA_DIR at the small copies, and official sizes that match them."""
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(_lookup.ENV_VAR, str(tmp_path / "empty"))
    monkeypatch.setattr(_lookup, "SYSTEM_LOCATIONS", {})
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tfds_root))
    monkeypatch.setattr(_mnist_format, "N_OFFICIAL", {"train": N_TRAIN, "test": N_TEST})
    return tfds_root


def _as_set(x, y):
    """Rows sorted by label then pixels: compares two orders of the same examples."""
    flat = np.round(np.asarray(x).reshape(len(y), -1) * 255).astype(np.int64)
    keys = np.lexsort(np.column_stack([y, flat])[:, ::-1].T)
    return flat[keys], np.asarray(y)[keys]


def test_the_test_split_comes_from_the_tfds_copy(only_tfds):
    x, y = load_fashion_mnist("test")
    assert x.shape == (N_TEST, 28, 28, 1) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    images, labels = _examples(N_TEST, 1)
    got, want = _as_set(x, y), _as_set(images / 255.0, labels)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_the_whole_training_set_comes_from_the_tfds_copy(only_tfds):
    x, y = load_mnist("train+validation")
    images, labels = _examples(N_TRAIN, 0)
    got, want = _as_set(x, y), _as_set(images / 255.0, labels)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    x2, y2 = load_mnist("test+train+validation")
    assert len(y2) == N_TRAIN + N_TEST


@pytest.mark.parametrize("split", ["train", "validation", "train+test"])
def test_train_or_validation_alone_is_refused_with_the_reason(only_tfds, split):
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist(split)
    message = str(info.value)
    assert str(only_tfds / "fashion_mnist" / "3.0.1") in message
    assert "TFDS stores each split shuffled" in message
    assert "split='train+validation'" in message


def test_the_default_root_is_home_tensorflow_datasets(only_tfds, tmp_path, monkeypatch):
    monkeypatch.delenv("TFDS_DATA_DIR")
    with pytest.raises(DatasetNotFoundError, match="tensorflow_datasets/fashion_mnist: no prepared"):
        load_fashion_mnist("test")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "tensorflow_datasets").symlink_to(only_tfds)
    assert load_fashion_mnist("test")[0].shape == (N_TEST, 28, 28, 1)


def test_kerazoo_data_dir_comes_first(tfds_root, shared_data, monkeypatch):
    """$KERAZOO_DATA_DIR holds the real MNIST; the small TFDS copy is not read."""
    monkeypatch.setenv(_lookup.ENV_VAR, str(shared_data))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tfds_root))
    x, y = load_mnist("test")
    assert x.shape == (10_000, 28, 28, 1)


def test_a_tfds_movielens_copy_is_named_and_not_used(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(_lookup.ENV_VAR, str(tmp_path / "empty"))
    version = tmp_path / "tfds" / "movielens" / "100k-ratings" / "0.1.1"
    version.mkdir(parents=True)
    (version / "dataset_info.json").write_text("{}")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_movielens_100k(1)
    message = str(info.value)
    assert f"{version}: a TFDS copy of movielens/100k-ratings, not used" in message
    assert "without the u1-u5 folds" in message


def test_no_tensorflow_under_jax_unless_a_tfds_copy_is_read(tfds_root, shared_data, tmp_path):
    """Under KERAS_BACKEND=jax, loading from $KERAZOO_DATA_DIR or a system copy imports
    neither TensorFlow nor tensorflow_datasets, with $TFDS_DATA_DIR set or not."""
    code = (
        "import sys\n"
        "from kerazoo.datasets import load_mnist\n"
        "x, y = load_mnist('test')\n"
        "print(len(y), 'tensorflow' in sys.modules, 'tensorflow_datasets' in sys.modules)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT),
           _lookup.ENV_VAR: str(shared_data), "TFDS_DATA_DIR": str(tfds_root),
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert out.split() == ["10000", "False", "False"]


def test_without_tensorflow_datasets_the_copy_is_named_and_skipped(only_tfds, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tfds(name, *args, **kwargs):
        if name == "tensorflow_datasets" or name.startswith("tensorflow_datasets."):
            raise ImportError("No module named 'tensorflow_datasets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tfds)
    with pytest.raises(DatasetNotFoundError, match="tensorflow_datasets cannot be imported"):
        load_fashion_mnist("test")
