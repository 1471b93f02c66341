"""A copy of a data set prepared by tensorflow-datasets (TFDS), read without downloading.

TFDS keeps a prepared data set as `<root>/<name>/<version>/` (`dataset_info.json`,
`features.json` and the record files), with `<root>` = `$TFDS_DATA_DIR`, else
`~/tensorflow_datasets`. The loaders look there after `$KERAZOO_DATA_DIR` (see `_lookup`).
Finding a copy reads folder names only; `tensorflow_datasets` (which imports TensorFlow) is
imported only when a copy is there and is read, through `tfds.builder_from_directory`,
which reads what is on disk and never downloads.

What a TFDS copy can and cannot give kerazoo's protocols:

- Fashion-MNIST and MNIST: TFDS writes every split in its own shuffled order (it sorts the
  examples by a hash of their key when it prepares the data), and stores no index of the
  official files. So the `test` split (the same 10,000 images, in another order) and the
  whole training set (`train+validation`, the same 60,000) are served; kerazoo's `train` or
  `validation` alone (validation = the last 6,000 images of the official training file)
  cannot be cut from a shuffled copy, and the lookup says so and goes on to the next
  location rather than guess another partition.
- MovieLens-100k: TFDS's `movielens/100k-ratings` holds the 100,000 ratings but not the
  five `u1`-`u5` folds kerazoo evaluates on, so it is never used; the lookup says so.
"""

import os
import re
from pathlib import Path

ENV_VAR = "TFDS_DATA_DIR"
DEFAULT_ROOT = "~/tensorflow_datasets"
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def roots():
    """The TFDS data folders looked at: `$TFDS_DATA_DIR`, then `~/tensorflow_datasets`."""
    out = []
    if os.environ.get(ENV_VAR):
        out.append(Path(os.environ[ENV_VAR]).expanduser())
    out.append(Path(DEFAULT_ROOT).expanduser())
    return list(dict.fromkeys(out))


def find_copy(name, tried):
    """The newest prepared version folder of the TFDS data set `name` (e.g. "mnist",
    "movielens/100k-ratings"), or None; records each root looked at in `tried`. Reads folder
    names only (no TensorFlow)."""
    for root in roots():
        folder = root / name
        versions = []
        if folder.is_dir():
            versions = [d for d in folder.iterdir() if _VERSION.match(d.name) and
                        (d / "dataset_info.json").is_file()]
        if versions:
            return max(versions, key=lambda d: tuple(int(p) for p in d.name.split(".")))
        origin = f"${ENV_VAR}" if os.environ.get(ENV_VAR) and root == roots()[0] else "TFDS default"
        tried.add(folder, f"no prepared TFDS copy ({origin})")
    return None


def cannot_split(directory):
    return (f"a TFDS copy, but TFDS stores each split shuffled, so kerazoo's 'train' and "
            f"'validation' (the last 6,000 images of the official training file) cannot be cut "
            f"from it; it serves split='test' and split='train+validation' ({directory})")


def read_image_split(directory, official, n_classes):
    """`(images uint8 (N, 28, 28), labels uint8 (N,))` of the TFDS split `official`
    ("train" or "test") of the prepared copy `directory`."""
    import numpy as np
    import tensorflow_datasets as tfds

    from kerazoo.datasets._lookup import DatasetIntegrityError

    builder = tfds.builder_from_directory(str(directory))
    if official not in builder.info.splits:
        raise DatasetIntegrityError(
            f"The TFDS copy {directory} has no {official!r} split. Received: splits "
            f"{sorted(builder.info.splits)}")
    data = tfds.as_numpy(builder.as_dataset(split=official, batch_size=-1, shuffle_files=False))
    try:
        images, labels = np.asarray(data["image"]), np.asarray(data["label"])
    except (KeyError, TypeError):
        raise DatasetIntegrityError(
            f"The TFDS copy {directory}: expected features 'image' and 'label'. Received: "
            f"{sorted(data) if isinstance(data, dict) else type(data).__name__}") from None
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= n_classes):
        raise DatasetIntegrityError(
            f"The TFDS copy {directory} ({official}): expected labels in 0..{n_classes - 1}. "
            f"Received: {int(labels.min())}..{int(labels.max())}")
    return images, labels.astype(np.uint8)
