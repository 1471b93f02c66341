"""MovieLens-100k (GroupLens Research): 100,000 ratings (1-5) by 943 users of 1,682 movies.

Reference: F. M. Harper and J. A. Konstan, "The MovieLens Datasets: History and Context",
ACM Transactions on Interactive Intelligent Systems 5(4), 2015. The data may be used for
research but not redistributed (see its README): kerazoo ships none of it.

Files used: ``u1.base`` .. ``u5.base`` / ``u1.test`` .. ``u5.test``, the five disjoint 80/20
folds of ``u.data`` (tab-separated ``user_id item_id rating timestamp``), and ``u.item``
(``|``-separated, latin-1, the title in the second field).
"""

import functools
import numbers
import os
from pathlib import Path

import numpy as np

from kerazoo.datasets._lookup import (
    DatasetIntegrityError,
    DatasetSpec,
    Tried,
    _files_in,
    locate,
    not_found_error,
)
from kerazoo.utils.io import sha256_file

MOVIELENS_N_USERS = 943
MOVIELENS_N_ITEMS = 1682
N_FOLDS = 5

URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
#: sha256 of files of a verified copy, checked on the downloaded one.
EXPECTED_SHA256 = {
    "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
    "u1.base": "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a",
}

SPEC = DatasetSpec(
    key="movielens_100k",
    title="MovieLens-100k",
    subfolders=("ml-100k",),
    download=f"keras.utils.get_file({URL!r}, extract=True)",
)


def _download():
    """The last resort: Keras downloads ml-100k.zip and extracts it into its cache.

    Returns the folder the archive was extracted to.
    """
    import keras

    return keras.utils.get_file("ml-100k.zip", origin=URL, extract=True)


@functools.lru_cache(maxsize=4)
def _downloaded_folder(download):
    """Runs `download` once per process and checks the files named in EXPECTED_SHA256."""
    path = Path(download())
    folder = path if (path / "u.data").is_file() else path / "ml-100k"
    for name, want in EXPECTED_SHA256.items():
        file = folder / name
        if not file.is_file():
            raise DatasetIntegrityError(
                f"The downloaded MovieLens-100k archive lacks {name}: expected it at {file}."
            )
        got = sha256_file(file)
        if got != want:
            raise DatasetIntegrityError(
                f"{file} is not the expected MovieLens-100k file: its sha256 is {got}, "
                f"expected {want}. Delete the Keras cache copy and download again."
            )
    return folder


def _find(required, data_dir, what):
    tried = Tried()
    required = [(name,) for name in required]
    paths = locate(SPEC, required, data_dir, tried)
    if paths is not None:
        return paths
    _note_tfds(tried)
    try:
        folder = _downloaded_folder(_download)
    except DatasetIntegrityError:
        raise
    except Exception as e:  # noqa: BLE001  (offline, HTTP error, bad archive, ...)
        raise not_found_error(SPEC, required, tried, e, what=what) from e
    paths, why = _files_in(folder, required)
    if paths is None:
        raise DatasetIntegrityError(f"The downloaded MovieLens-100k copy {folder}: {why}.")
    return paths


#: TFDS's name of MovieLens-100k's ratings (`tensorflow_datasets`, `movielens` builder).
TFDS_NAME = "movielens/100k-ratings"


def _note_tfds(tried):
    """Records why a TFDS copy of MovieLens-100k is not used: it has no u1-u5 folds."""
    from kerazoo.datasets import _tfds

    directory = _tfds.find_copy(TFDS_NAME, Tried())
    if directory is not None:
        tried.add(directory, (
            f"a TFDS copy of {TFDS_NAME}, not used: it holds the 100,000 ratings as one "
            "'train' split, without the u1-u5 folds (u1.base/u1.test ...) kerazoo trains and "
            "evaluates on, and kerazoo does not make up folds"))


def _cache_key(path):
    path = Path(path).resolve()
    stat = os.stat(path)
    return str(path), stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=16)
def _read_ratings(path, size, mtime_ns):
    """Reads a ratings file into a read-only int32 array (n, 3): user, item, rating."""
    del size, mtime_ns  # Only part of the cache key: a replaced file is read again.
    try:
        table = np.loadtxt(path, dtype=np.int64, ndmin=2)
    except ValueError as e:
        raise DatasetIntegrityError(f"{path} is not a MovieLens ratings file: {e}") from None
    if table.shape[1:] != (4,):
        raise DatasetIntegrityError(
            f"{path}: expected 4 tab-separated columns (user_id, item_id, rating, "
            f"timestamp). Received: {table.shape[1]} columns"
        )
    ratings = table[:, :3].astype(np.int32)
    for col, name, hi in ((0, "user_id", MOVIELENS_N_USERS), (1, "item_id", MOVIELENS_N_ITEMS),
                          (2, "rating", 5)):
        lo_seen, hi_seen = int(ratings[:, col].min()), int(ratings[:, col].max())
        if lo_seen < 1 or hi_seen > hi:
            raise DatasetIntegrityError(
                f"{path}: expected {name} in 1..{hi}. Received: values in "
                f"{lo_seen}..{hi_seen}"
            )
    ratings.flags.writeable = False
    return ratings


def load_movielens_100k(fold=1, data_dir=None):
    """Loads one of the five MovieLens-100k cross-validation folds.

    Args:
        fold: 1..5, the files ``u{fold}.base`` (training, 80,000 ratings) and
            ``u{fold}.test`` (testing, 20,000 ratings); the five test sets are disjoint and
            together make ``u.data``. kerazoo reports results as the mean over the five folds
            and zoo recommenders are trained on fold 1.
        data_dir: the ``ml-100k`` folder, or a root holding it as ``ml-100k/``. None: look
            in ``$KERAZOO_DATA_DIR/ml-100k``, then download ``ml-100k.zip`` through
            ``keras.utils.get_file`` into the Keras cache, checked against known sha256 sums.

    Returns:
        ``(train, test)``: int32 arrays of shape (n, 3) with columns user_id (1..943),
        item_id (1..1682) and rating (1..5), ids 1-based as in the files, rows in file
        order. New, writable arrays (the parsed files are cached per process).

    Raises:
        ValueError: `fold` is not an integer in 1..5.
        DatasetNotFoundError: no copy, and the download failed (offline).
        DatasetIntegrityError: a copy is malformed or the download is not the expected data.
    """
    if (
        isinstance(fold, bool)
        or not isinstance(fold, numbers.Integral)
        or not 1 <= fold <= N_FOLDS
    ):
        raise ValueError(
            f"`fold` must be an integer in 1..{N_FOLDS} (the folds u1..u{N_FOLDS}). "
            f"Received: fold={fold!r}"
        )
    fold = int(fold)
    names = (f"u{fold}.base", f"u{fold}.test")
    paths = _find(names, data_dir, what=f" (fold {fold})")
    return tuple(np.array(_read_ratings(*_cache_key(paths[name]))) for name in names)


@functools.lru_cache(maxsize=4)
def _read_titles(path, size, mtime_ns):
    del size, mtime_ns
    titles = []
    with open(path, encoding="latin-1") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("|")
            if len(fields) < 2 or fields[0] != str(len(titles) + 1):
                raise DatasetIntegrityError(
                    f"{path}, line {line_no}: expected '{len(titles) + 1}|<title>|...'. "
                    f"Received: {line[:60]!r}"
                )
            titles.append(fields[1])
    if len(titles) != MOVIELENS_N_ITEMS:
        raise DatasetIntegrityError(
            f"{path}: expected {MOVIELENS_N_ITEMS} movies. Received: {len(titles)}"
        )
    return tuple(titles)


def movielens_titles(data_dir=None):
    """The 1,682 movie titles of MovieLens-100k, from ``u.item`` (latin-1).

    ``titles[item_id - 1]`` is the title of ``item_id``, e.g. ``titles[0] == "Toy Story
    (1995)"``. Same lookup as `load_movielens_100k`. Returns a new list on every call.
    """
    paths = _find(("u.item",), data_dir, what=" (u.item, the movie titles)")
    return list(_read_titles(*_cache_key(paths["u.item"])))
