"""MNIST (LeCun, Cortes & Burges): 70,000 28x28 grayscale images of handwritten digits.

Reference: Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied
to document recognition", Proc. IEEE 86(11), 1998.
"""

from kerazoo.datasets import _mnist_format
from kerazoo.datasets._lookup import DatasetSpec

SPEC = DatasetSpec(
    key="mnist",
    title="MNIST",
    subfolders=("mnist",),
    download="keras.datasets.mnist.load_data()",
)


def _download():
    """The last resort: Keras downloads mnist.npz into its cache (sha256-checked)."""
    import keras

    return keras.datasets.mnist.load_data()


def load_mnist(split="train", data_dir=None):
    """Loads a split of MNIST.

    Same splits, layout and lookup as `kerazoo.datasets.load_fashion_mnist`: ``"train"``
    (first 54,000 official training images), ``"validation"`` (last 6,000), ``"test"``
    (10,000), or a ``'+'``-combination. ``data_dir`` (or ``$KERAZOO_DATA_DIR/mnist``, or
    ``/usr/share/datasets/mnist``) holds the IDX files ``train-*`` / ``t10k-*``, gzipped or
    not; a folder counts only if it holds the files the split needs (a test-only copy
    serves ``split="test"``). Last resort: ``keras.datasets.mnist.load_data()``, which
    checks the sha256 of the file it downloads.

    Returns:
        ``(x, y)``: float32 (N, 28, 28, 1) in [0, 1] and int64 (N,) digits 0..9, new
        writable arrays (the decoded files are cached per process).

    Raises:
        ValueError: an unknown split.
        DatasetNotFoundError: no copy, and the download failed (offline).
        DatasetIntegrityError: a copy is malformed.
    """
    return _mnist_format.load_images(SPEC, split, data_dir, download=_download)
