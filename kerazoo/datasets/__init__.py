"""Data set loaders (Fashion-MNIST, MNIST, MovieLens-100k) and tf.data pipelines.

Every loader looks for a local copy first, in this order: an explicit ``data_dir=``;
``$KERAZOO_DATA_DIR`` (a root with ``fashion-mnist/``, ``mnist/``, ``ml-100k/``); standard
system locations (``/usr/share/datasets/fashion-mnist`` from Debian's
``dataset-fashion-mnist``); and last a checksummed download through Keras. Offline with no
copy, a `DatasetNotFoundError` names the locations tried and the options.

Decoded files are cached per process, so loading again is cheap; every loader returns new,
writable arrays, so changing them never changes the cache.
"""

from kerazoo.datasets._lookup import DatasetIntegrityError, DatasetNotFoundError
from kerazoo.datasets.fashion_mnist import (
    FASHION_MNIST_CLASS_NAMES,
    load_fashion_mnist,
    load_fashion_mnist_sample,
)
from kerazoo.datasets.mnist import load_mnist
from kerazoo.datasets.movielens import (
    MOVIELENS_N_ITEMS,
    MOVIELENS_N_USERS,
    load_movielens_100k,
    movielens_titles,
)
from kerazoo.datasets.pipeline import make_image_dataset

IMAGE_DATASETS = {"fashion_mnist": load_fashion_mnist, "mnist": load_mnist}


def image_loader(dataset):
    """The loader of an image data set named as in job files ("fashion_mnist", "mnist")."""
    if dataset not in IMAGE_DATASETS:
        raise ValueError(
            f"Image families train on one of {sorted(IMAGE_DATASETS)}. Received: {dataset!r}"
        )
    return IMAGE_DATASETS[dataset]

__all__ = [
    "DatasetIntegrityError",
    "DatasetNotFoundError",
    "FASHION_MNIST_CLASS_NAMES",
    "IMAGE_DATASETS",
    "MOVIELENS_N_ITEMS",
    "MOVIELENS_N_USERS",
    "image_loader",
    "load_fashion_mnist",
    "load_fashion_mnist_sample",
    "load_mnist",
    "load_movielens_100k",
    "make_image_dataset",
    "movielens_titles",
]
