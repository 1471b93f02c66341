"""Shared by the MNIST-format loaders (Fashion-MNIST, MNIST): splits, files, conversion."""

import functools
import hashlib

import numpy as np

from kerazoo.datasets._lookup import (
    DatasetIntegrityError,
    Tried,
    locate,
    locate_system,
    not_found_error,
)
from kerazoo.datasets.idx import read_idx

SPLITS = ("train", "validation", "test")
N_OFFICIAL = {"train": 60_000, "test": 10_000}
N_VALIDATION = 6_000
#: split -> (official part, start, stop): validation = the last 6,000 training images.
SPLIT_SLICES = {
    "train": ("train", 0, N_OFFICIAL["train"] - N_VALIDATION),
    "validation": ("train", N_OFFICIAL["train"] - N_VALIDATION, N_OFFICIAL["train"]),
    "test": ("test", 0, N_OFFICIAL["test"]),
}
OFFICIAL_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGE_SIZE = (28, 28)
N_CLASSES = 10


def parse_split(split):
    """'train+validation' -> ('train', 'validation'); raises naming the valid splits."""
    valid = (
        f"one of {', '.join(repr(s) for s in SPLITS)}, or a '+'-combination of them such "
        "as 'train+validation'"
    )
    if not isinstance(split, str):
        raise TypeError(f"`split` must be a string: {valid}. Received: split={split!r}")
    parts = tuple(p.strip() for p in split.split("+"))
    unknown = [p for p in parts if p not in SPLITS]
    if unknown:
        raise ValueError(
            f"Unknown split {', '.join(repr(p) for p in unknown)}: `split` must be {valid}. "
            f"Received: split={split!r}"
        )
    if len(set(parts)) != len(parts):
        raise ValueError(
            f"`split` names a part twice; each of {', '.join(repr(s) for s in SPLITS)} may "
            f"appear once. Received: split={split!r}"
        )
    return parts


def _requirements(official):
    return [(name + ".gz", name) for name in OFFICIAL_FILES[official]]


def _check_official(official, images, labels, images_name, labels_name):
    """Checks one official part's arrays; returns them read-only."""
    n = N_OFFICIAL[official]
    if images.dtype != np.uint8 or images.shape != (n,) + IMAGE_SIZE:
        raise DatasetIntegrityError(
            f"{images_name}: expected {n} uint8 images of shape {IMAGE_SIZE}. Received: "
            f"{images.dtype} array of shape {images.shape}"
        )
    if labels.dtype != np.uint8 or labels.shape != (n,):
        raise DatasetIntegrityError(
            f"{labels_name}: expected {n} uint8 labels. Received: {labels.dtype} array of "
            f"shape {labels.shape}"
        )
    if labels.size and int(labels.max()) >= N_CLASSES:
        raise DatasetIntegrityError(
            f"{labels_name}: expected class ids in 0..{N_CLASSES - 1}. Received: "
            f"max={int(labels.max())}"
        )
    for arr in (images, labels):
        if arr.flags.writeable:
            arr.flags.writeable = False
    return images, labels


def _read_local(paths, official):
    images_key, labels_key = (name + ".gz" for name in OFFICIAL_FILES[official])
    images_path, labels_path = paths[images_key], paths[labels_key]
    return _check_official(
        official, read_idx(images_path), read_idx(labels_path), images_path, labels_path
    )


def content_sha256(arr):
    """sha256 of an array's C-order bytes (independent of how the file was compressed)."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


@functools.lru_cache(maxsize=4)
def _downloaded(download, expected_sha256):
    """Calls `download` once per process; checks and caches what it returns.

    `download()` returns ``(x_train, y_train), (x_test, y_test)`` like
    `keras.datasets.mnist.load_data`. Exceptions propagate (and are not cached).
    """
    (x_train, y_train), (x_test, y_test) = download()
    where = f"the download through {getattr(download, '__qualname__', download)}"
    raw = {}
    for official, (x, y) in (("train", (x_train, y_train)), ("test", (x_test, y_test))):
        x, y = np.asarray(x), np.asarray(y)
        raw[official] = _check_official(
            official, x, y, f"{where} ({official} images)", f"{where} ({official} labels)"
        )
    if expected_sha256:
        for (official, kind), want in dict(expected_sha256).items():
            arr = raw[official][0 if kind == "images" else 1]
            got = content_sha256(arr)
            if got != want:
                raise DatasetIntegrityError(
                    f"{where} ({official} {kind}) is not the expected data: its content "
                    f"sha256 is {got}, expected {want}. Delete the Keras cache copy "
                    "(~/.keras/datasets) and download again."
                )
    return raw


def load_images(spec, split, data_dir, download, expected_sha256=None):
    """Loads `split` of an MNIST-format data set as float32 (N, 28, 28, 1) and int64 (N,).

    `download` is the function called when no local copy holds the files; its result is
    checked against `expected_sha256`, a tuple of ((official, "images"|"labels"), sha256)
    of the decoded arrays (None: check shapes only).
    """
    parts = parse_split(split)
    officials = tuple(dict.fromkeys(SPLIT_SLICES[p][0] for p in parts))
    required = [req for official in officials for req in _requirements(official)]
    tried = Tried()
    paths = locate(spec, required, data_dir, tried, system=False)
    raw = None
    if paths is None and data_dir is None:
        raw = _from_tfds(spec, parts, officials, tried)
        if raw is not None:
            return _whole_parts(raw, parts)
        paths = locate_system(spec, required, tried)
    if paths is not None:
        raw = {official: _read_local(paths, official) for official in officials}
    else:
        try:
            raw = _downloaded(download, expected_sha256)
        except DatasetIntegrityError:
            raise
        except Exception as e:  # noqa: BLE001  (offline, HTTP error, bad archive, ...)
            raise not_found_error(spec, required, tried, e, what=f" (split {split!r})") from e

    pieces = []
    for part in parts:
        official, start, stop = SPLIT_SLICES[part]
        pieces.append((raw[official][0][start:stop], raw[official][1][start:stop]))
    return _assemble(pieces)


def _from_tfds(spec, parts, officials, tried):
    """`{official: (images, labels)}` from a TFDS copy of `spec.key`, or None (recorded in
    `tried`) when there is none or when it cannot give `parts` (a shuffled copy serves only
    whole official parts: 'test' and 'train+validation')."""
    from kerazoo.datasets import _tfds

    directory = _tfds.find_copy(spec.key, tried)
    if directory is None:
        return None
    if ("train" in parts) != ("validation" in parts):
        tried.add(directory, _tfds.cannot_split(directory))
        return None
    try:
        return {official: _check_official(
                    official, *_tfds.read_image_split(directory, official, N_CLASSES),
                    f"{directory} ({official} images)", f"{directory} ({official} labels)")
                for official in officials}
    except ImportError as e:  # tensorflow-datasets (or TensorFlow) is not installed
        tried.add(directory, f"a TFDS copy, but tensorflow_datasets cannot be imported to read it ({e})")
        return None


def _whole_parts(raw, parts):
    """The pieces of a TFDS copy for `parts`: each official part whole, train+validation as
    the whole training split (in the copy's order)."""
    pieces, done = [], set()
    for part in parts:
        official = SPLIT_SLICES[part][0]
        if official not in done:
            done.add(official)
            pieces.append(raw[official])
    return _assemble(pieces)


def _assemble(pieces):
    n = sum(len(y) for _, y in pieces)
    x = np.empty((n,) + IMAGE_SIZE + (1,), dtype=np.float32)
    y = np.empty((n,), dtype=np.int64)
    pos = 0
    for xs, ys in pieces:
        x[pos : pos + len(ys), ..., 0] = xs
        y[pos : pos + len(ys)] = ys
        pos += len(ys)
    x /= np.float32(255.0)
    return x, y
