"""Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 70,000 28x28 grayscale images of clothing.

Reference: H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017. Copyright (c) 2017
Zalando SE, MIT license.
"""

import functools
from importlib import resources

import numpy as np

from kerazoo.datasets import _mnist_format
from kerazoo.datasets._lookup import DatasetSpec

#: Class names, indexed by class id.
FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

SPEC = DatasetSpec(
    key="fashion_mnist",
    title="Fashion-MNIST",
    subfolders=("fashion-mnist", "fashion_mnist"),
    download="keras.datasets.fashion_mnist.load_data()",
    install_hint=(
        "apt-get install dataset-fashion-mnist (Debian's package: installs "
        "/usr/share/datasets/fashion-mnist)"
    ),
)

# sha256 of the decoded uint8 arrays (C order) of the official files. Keras's
# fashion_mnist.load_data() downloads without a checksum, so its result is checked against
# these; they are of the content, not the .gz bytes, because copies of the .gz files differ
# in their gzip headers.
EXPECTED_SHA256 = (
    (("train", "images"), "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012"),
    (("train", "labels"), "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7"),
    (("test", "images"), "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a"),
    (("test", "labels"), "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9"),
)

SAMPLE_FILE = "fashion_mnist_test_1000.npz"


def _download():
    """The last resort: Keras downloads the four official files into its cache."""
    import keras

    return keras.datasets.fashion_mnist.load_data()


def load_fashion_mnist(split="train", data_dir=None):
    """Loads a split of Fashion-MNIST.

    Args:
        split: ``"train"`` (the first 54,000 official training images), ``"validation"``
            (the last 6,000 official training images), ``"test"`` (the 10,000 official test
            images), or a ``'+'``-combination of them, concatenated in the order given:
            ``"train+validation"`` is all 60,000 official training images in order.
        data_dir: a folder holding the IDX files (``train-images-idx3-ubyte.gz``,
            ``train-labels-idx1-ubyte.gz``, ``t10k-*``; gzipped or not), or a root holding
            such a folder as ``fashion-mnist/`` or ``fashion_mnist/``. None: look in
            ``$KERAZOO_DATA_DIR``, then ``/usr/share/datasets/fashion-mnist``, then download
            through ``keras.datasets.fashion_mnist.load_data()`` (checked against known
            sha256 sums of the content).

    Returns:
        ``(x, y)``: ``x`` float32 of shape (N, 28, 28, 1), pixels / 255 in [0, 1]; ``y``
        int64 of shape (N,), class ids 0..9 (names in `FASHION_MNIST_CLASS_NAMES`). Both
        are new, writable arrays: the decoded files are cached per process, so loading
        again is cheap, and changing a returned array never changes the cache.

    Raises:
        ValueError: an unknown split.
        DatasetNotFoundError: no copy was found (or none in an explicit ``data_dir``) and
            the download failed; the message lists the locations tried and the options.
        DatasetIntegrityError: a copy is malformed or is not the expected data.
    """
    return _mnist_format.load_images(
        SPEC, split, data_dir, download=_download, expected_sha256=EXPECTED_SHA256
    )


@functools.lru_cache(maxsize=1)
def _read_sample():
    with resources.files("kerazoo.datasets").joinpath("_samples", SAMPLE_FILE).open("rb") as f:
        with np.load(f, allow_pickle=False) as data:
            x, y = data["x"], data["y"]
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def load_fashion_mnist_sample():
    """The first 1,000 Fashion-MNIST test images, shipped with kerazoo (no download).

    For demos and smoke tests on a machine with no copy of the data set. Same layout as
    `load_fashion_mnist`: float32 (1000, 28, 28, 1) in [0, 1] and int64 (1000,) class ids,
    equal to ``load_fashion_mnist("test")`` cut to its first 1,000 images. New, writable
    arrays on every call. See ``kerazoo/datasets/_samples/README.md`` for the license.
    """
    x, y = _read_sample()
    return (x.astype(np.float32) / np.float32(255.0))[..., None], y.astype(np.int64)
